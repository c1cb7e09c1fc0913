"""Settings: the catalog structure (placeholder until the settings work lands)."""
from flask import Blueprint

from pimconnect.htmx import render
from pimconnect.permissions import login_only

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.route("/")
@login_only
def index():
    """List the settings areas."""
    return render("settings/index.html")
