"""Settings: the catalog structure, one module per resource."""
from flask import Blueprint

from pimconnect.htmx import render
from pimconnect.permissions import login_only

bp = Blueprint("settings", __name__, url_prefix="/settings")

# Each module registers its routes on ``bp``.
from pimconnect.blueprints.settings import (  # noqa: E402,F401
    attributes,
    categories,
    channels,
    families,
    locales,
    permissions,
)


@bp.route("/")
@login_only
def index():
    """List the settings areas the user may open."""
    return render("settings/index.html")
