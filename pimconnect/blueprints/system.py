"""System: users, roles and user groups (placeholder until the system work lands)."""
from flask import Blueprint

from pimconnect.htmx import render
from pimconnect.permissions import login_only

bp = Blueprint("system", __name__, url_prefix="/system")


@bp.route("/")
@login_only
def index():
    """List the system areas."""
    return render("system/index.html")
