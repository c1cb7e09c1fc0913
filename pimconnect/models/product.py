"""Products: the values document for reads, and the typed tables that SQL filters on."""
import uuid

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    JSONField,
    TextField,
    UUIDField,
)

from pimconnect.db import BaseModel
from pimconnect.models.structure import Attribute, Category, Channel, Family, Locale, utcnow


class Product(BaseModel):
    """A product; ``values`` is the reference's ``{attribute: [{locale, scope, data}]}`` document."""

    uuid = UUIDField(primary_key=True, default=uuid.uuid4)
    identifier = CharField(max_length=255, unique=True)
    enabled = BooleanField(default=True)  # indexed as (enabled, identifier)
    family = ForeignKeyField(Family, null=True, backref="products", on_delete="RESTRICT", index=False)
    values = JSONField(default=dict)
    # {association type code: {"products": [uuid, …], "product_models": [], "groups": []}}; null = none
    associations = JSONField(null=True)
    # ``values`` as the REST API shows them, rendered at save (services/products/representation); NULL: on read
    api_values = TextField(null=True)
    created = DateTimeField(default=utcnow)
    updated = DateTimeField(default=utcnow, index=True)
    version = IntegerField(default=1)  # optimistic concurrency: forms and If-Match carry it

    class Meta:
        # The grid pages in identifier order: one index per filter combination it offers on
        # these columns, so a filtered page is an index range read, never a sort of the catalog.
        indexes = (
            (("family", "enabled", "identifier"), False),
            (("family", "identifier"), False),
            (("enabled", "identifier"), False),
            # A selection's walk in uuid order reads family and status here, not in the row
            # (which holds the values document): see migration 0011.
            (("uuid", "family", "enabled"), False),
        )


class ProductCategory(BaseModel):
    # No single-column indexes: the two composite ones lead with each column (see migration 0007).
    product = ForeignKeyField(Product, backref="product_categories", on_delete="CASCADE", index=False)
    category = ForeignKeyField(Category, backref="product_categories", on_delete="RESTRICT", index=False)

    class Meta:
        indexes = ((("product", "category"), True), (("category", "product"), False))


class ProductValue(BaseModel):
    """One searchable value of a product, written in the same transaction as the document.

    ``locale`` and ``scope`` are '' when the attribute is not localizable / scopable (so the
    unique index works on every database). A multi-select value has one row per option and a
    price collection one row per currency (``key``); a metric's ``number`` is its amount in the
    family's standard unit, with the unit it was entered in as ``key``.
    """

    product = ForeignKeyField(Product, backref="value_rows", on_delete="CASCADE", index=False)
    attribute = ForeignKeyField(Attribute, backref="+", on_delete="CASCADE", index=False)
    locale = CharField(max_length=20, default="")
    scope = CharField(max_length=100, default="")
    key = CharField(max_length=255, default="")
    text = CharField(max_length=255, null=True)  # lower-cased text prefix, option code, identifier
    number = DoubleField(null=True)
    boolean = BooleanField(null=True)
    date = DateField(null=True)

    class Meta:
        indexes = (
            (("product", "attribute", "locale", "scope", "key"), True),
            (("attribute", "locale", "scope", "text"), False),
            (("attribute", "locale", "scope", "number"), False),
            (("attribute", "locale", "scope", "boolean"), False),
            (("attribute", "locale", "scope", "date"), False),
        )


class ProductCompleteness(BaseModel):
    """Completeness of a product with a family, per channel and channel locale."""

    product = ForeignKeyField(Product, backref="completenesses", on_delete="CASCADE", index=False)
    channel = ForeignKeyField(Channel, backref="+", on_delete="CASCADE", index=False)
    locale = ForeignKeyField(Locale, backref="+", on_delete="CASCADE")
    required = IntegerField()
    missing_count = IntegerField()
    ratio = IntegerField()
    missing = JSONField(default=list)  # the codes of the missing required attributes

    class Meta:
        indexes = (
            (("product", "channel", "locale"), True),
            # Without the product: new rows append to their ratio's range rather than land on a
            # random page (product uuids are random); the rowid leads to the product.
            (("channel", "locale", "ratio"), False),
            # A selection's completeness probe, answered from the index alone (migration 0011).
            (("product", "channel", "locale", "ratio"), False),
        )
