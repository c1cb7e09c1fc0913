"""The dashboard a user lands on after logging in."""
from flask import Blueprint

from pimconnect.htmx import render
from pimconnect.models import Channel, Family
from pimconnect.permissions import current_access, login_only
from pimconnect.services.products import reads as product_reads

bp = Blueprint("home", __name__)


@bp.route("/")
@login_only
def index():
    """Show the catalog at a glance."""
    counts = {
        "products": product_reads.count(current_access()),
        "families": Family.select().count(),
        "channels": Channel.select().count(),
    }
    return render("home/index.html", counts=counts)
