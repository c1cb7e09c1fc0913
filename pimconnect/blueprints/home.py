"""The dashboard a user lands on after logging in."""
from flask import Blueprint

from pimconnect.htmx import render
from pimconnect.models import Channel, Family, Product
from pimconnect.permissions import login_only

bp = Blueprint("home", __name__)


@bp.route("/")
@login_only
def index():
    """Show the catalog at a glance."""
    counts = {
        "products": Product.select().count(),
        "families": Family.select().count(),
        "channels": Channel.select().count(),
    }
    return render("home/index.html", counts=counts)
