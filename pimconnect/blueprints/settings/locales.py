"""Settings routes for locales."""
from pimconnect.blueprints.settings import bp  # noqa: F401
