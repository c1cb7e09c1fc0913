"""Settings routes for attributes."""
from pimconnect.blueprints.settings import bp  # noqa: F401
