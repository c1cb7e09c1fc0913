"""The catalog structure: locales, currencies, channels, measurements, attributes, families, categories."""
import datetime

from peewee import (
    BlobField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    JSONField,
)

from pimconnect.db import BaseModel


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Locale(BaseModel):
    code = CharField(max_length=20, unique=True)
    enabled = BooleanField(default=False, index=True)

    class Meta:
        order_by = ("code",)


class Currency(BaseModel):
    code = CharField(max_length=3, unique=True)
    enabled = BooleanField(default=True, index=True)


class MeasurementFamily(BaseModel):
    code = CharField(max_length=100, unique=True)
    labels = JSONField(default=dict)
    standard_unit = CharField(max_length=100)


class MeasurementUnit(BaseModel):
    family = ForeignKeyField(MeasurementFamily, backref="units", on_delete="CASCADE")
    code = CharField(max_length=100)
    labels = JSONField(default=dict)
    symbol = CharField(max_length=255, default="")
    # Akeneo's operations: applying them in order to an amount in this unit gives the
    # amount in the family's standard unit, e.g. GRAM -> [{"operator": "mul", "value": "0.001"}].
    convert_from_standard = JSONField(default=list)
    sort_order = IntegerField(default=0)

    class Meta:
        indexes = ((("family", "code"), True),)


class Category(BaseModel):
    """A node of a category tree; a root (``parent`` is None) is a tree.

    ``path`` is the materialized path of ids (``/1/7/12/``): descendants of a node are the
    categories whose path starts with the node's path, one indexed range scan.
    """

    code = CharField(max_length=100, unique=True)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    root = ForeignKeyField("self", null=True, backref="+", on_delete="RESTRICT")
    path = CharField(max_length=1000, default="", index=True)
    level = IntegerField(default=0)
    sort_order = IntegerField(default=0)
    labels = JSONField(default=dict)
    updated = DateTimeField(default=utcnow)


class Channel(BaseModel):
    code = CharField(max_length=100, unique=True)
    labels = JSONField(default=dict)
    category_tree = ForeignKeyField(Category, backref="+", on_delete="RESTRICT")
    conversion_units = JSONField(default=dict)
    updated = DateTimeField(default=utcnow)


class ChannelLocale(BaseModel):
    channel = ForeignKeyField(Channel, backref="channel_locales", on_delete="CASCADE")
    locale = ForeignKeyField(Locale, backref="channel_locales", on_delete="RESTRICT")

    class Meta:
        indexes = ((("channel", "locale"), True),)


class ChannelCurrency(BaseModel):
    channel = ForeignKeyField(Channel, backref="channel_currencies", on_delete="CASCADE")
    currency = ForeignKeyField(Currency, backref="channel_currencies", on_delete="RESTRICT")

    class Meta:
        indexes = ((("channel", "currency"), True),)


class AttributeGroup(BaseModel):
    code = CharField(max_length=100, unique=True)
    sort_order = IntegerField(default=0)
    labels = JSONField(default=dict)
    updated = DateTimeField(default=utcnow)


class Attribute(BaseModel):
    code = CharField(max_length=100, unique=True)
    type = CharField(max_length=50, index=True)
    group = ForeignKeyField(AttributeGroup, backref="attributes", on_delete="RESTRICT")
    labels = JSONField(default=dict)
    sort_order = IntegerField(default=0)
    localizable = BooleanField(default=False)
    scopable = BooleanField(default=False)
    unique = BooleanField(default=False)
    available_locales = JSONField(default=list)  # empty: every locale
    useable_as_grid_filter = BooleanField(default=False)
    max_characters = IntegerField(null=True)
    validation_rule = CharField(max_length=20, null=True)  # email, url, regexp
    validation_regexp = CharField(max_length=255, null=True)
    wysiwyg_enabled = BooleanField(null=True)
    number_min = CharField(max_length=40, null=True)
    number_max = CharField(max_length=40, null=True)
    decimals_allowed = BooleanField(null=True)
    negative_allowed = BooleanField(null=True)
    metric_family = CharField(max_length=100, null=True)
    default_metric_unit = CharField(max_length=100, null=True)
    date_min = CharField(max_length=10, null=True)
    date_max = CharField(max_length=10, null=True)
    allowed_extensions = JSONField(default=list)
    max_file_size = CharField(max_length=20, null=True)
    updated = DateTimeField(default=utcnow)


class AttributeOption(BaseModel):
    attribute = ForeignKeyField(Attribute, backref="options", on_delete="CASCADE")
    code = CharField(max_length=100)
    sort_order = IntegerField(default=0)
    labels = JSONField(default=dict)

    class Meta:
        indexes = ((("attribute", "code"), True),)


class Family(BaseModel):
    code = CharField(max_length=100, unique=True)
    labels = JSONField(default=dict)
    attribute_as_label = ForeignKeyField(Attribute, null=True, backref="+", on_delete="SET NULL")
    attribute_as_image = ForeignKeyField(Attribute, null=True, backref="+", on_delete="SET NULL")
    updated = DateTimeField(default=utcnow)


class FamilyAttribute(BaseModel):
    family = ForeignKeyField(Family, backref="family_attributes", on_delete="CASCADE")
    attribute = ForeignKeyField(Attribute, backref="family_attributes", on_delete="CASCADE")

    class Meta:
        indexes = ((("family", "attribute"), True),)


class AttributeRequirement(BaseModel):
    """An attribute the family requires for completeness on one channel."""

    family = ForeignKeyField(Family, backref="requirements", on_delete="CASCADE")
    channel = ForeignKeyField(Channel, backref="requirements", on_delete="CASCADE")
    attribute = ForeignKeyField(Attribute, backref="requirements", on_delete="CASCADE")

    class Meta:
        indexes = ((("family", "channel", "attribute"), True),)


class AssociationType(BaseModel):
    code = CharField(max_length=100, unique=True)
    labels = JSONField(default=dict)
    is_quantified = BooleanField(default=False)
    is_two_way = BooleanField(default=False)
    updated = DateTimeField(default=utcnow)


class MediaFile(BaseModel):
    """An uploaded image or file; ``code`` is the reference's hashed path."""

    code = CharField(max_length=255, unique=True)
    original_filename = CharField(max_length=255)
    mime_type = CharField(max_length=100)
    size = IntegerField()
    extension = CharField(max_length=20, default="")
    content = BlobField()  # in the database so that several servers share it
    created = DateTimeField(default=utcnow)
