"""Settings routes for channels."""
from pimconnect.blueprints.settings import bp  # noqa: F401
