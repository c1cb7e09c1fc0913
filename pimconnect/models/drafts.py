"""EE product drafts (rest-api-and-permissions.md §9.4): an editor's changes to a product, kept apart
from the product until an owner approves them."""
from peewee import CharField, DateTimeField, ForeignKeyField, JSONField

from pimconnect.db import BaseModel
from pimconnect.models.access import User
from pimconnect.models.product import Product
from pimconnect.models.structure import utcnow

IN_PROGRESS, READY = "in_progress", "ready"


class ProductDraft(BaseModel):
    """One draft per (product, author).

    ``changes`` is the reference's ``{"values": {attribute: [{locale, scope, data}]},
    "review_statuses": {attribute: [{locale, scope, "status": "draft"}]}}``: one entry per
    attribute, channel and locale, so that each change can be reviewed on its own.
    ``status`` is ``in_progress`` until the author sends it for approval (``ready``).
    """

    product = ForeignKeyField(Product, backref="drafts", on_delete="CASCADE", index=False)
    author = ForeignKeyField(User, backref="drafts", on_delete="CASCADE")
    status = CharField(max_length=20, default=IN_PROGRESS)
    changes = JSONField(default=dict)
    created = DateTimeField(default=utcnow)
    updated = DateTimeField(default=utcnow)

    class Meta:
        # (product, author) leads with the product: the product page's Proposals tab reads by it;
        # the Proposals page reads the submitted ones by status.
        indexes = ((("product", "author"), True), (("status", "updated"), False))
