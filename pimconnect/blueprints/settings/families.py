"""Settings routes for families."""
from pimconnect.blueprints.settings import bp  # noqa: F401
