"""Settings routes for categories."""
from pimconnect.blueprints.settings import bp  # noqa: F401
