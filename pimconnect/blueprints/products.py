"""Products: the grid and the product page (placeholder until the products work lands)."""
from flask import Blueprint

from pimconnect.htmx import render
from pimconnect.permissions import require

bp = Blueprint("products", __name__, url_prefix="/products")


@bp.route("/")
@require("pim_enrich_product_index")
def index():
    """Show the product grid."""
    return render("products/index.html")
