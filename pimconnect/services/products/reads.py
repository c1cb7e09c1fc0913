"""Products as a reader of the web UI finds them: one product (its page) and how many (the home page).
Each takes the reader's Access; a product it may not see does not exist for it."""
from pimconnect.models import Product


def product(access, product_uuid):
    """The product with this uuid, or None (unknown, or hidden from ``access``)."""
    return access.restrict(Product.select().where(Product.uuid == product_uuid)).first()


def count(access):
    """How many products ``access`` may see."""
    visible = access.visible_count()
    return visible if visible is not None else Product.select().count()
