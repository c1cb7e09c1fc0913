"""Catalogs for apps (catalogs-for-apps.md §1): a named product selection owned by a connected app's
technical user, with its criteria, value filters, product mapping and the mapping schema the app pushed.

The owner is the app's API user, so deleting the app (which deletes that user) deletes its catalogs.
"""
import json

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, JSONField, TextField

from pimconnect.db import BaseModel
from pimconnect.models.access import User
from pimconnect.models.structure import utcnow

DEFAULT_CRITERIA = [{"field": "enabled", "operator": "=", "value": True}]


def _default_criteria():
    return [dict(criterion) for criterion in DEFAULT_CRITERIA]


class OrderedJSONField(TextField):
    """A JSON document kept as the text it was written: PostgreSQL's jsonb (what JSONField is there)
    reorders object keys, and a mapping schema's targets are listed in the app's order."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class Catalog(BaseModel):
    id = CharField(max_length=36, primary_key=True)  # UUID v4, generated on create
    name = CharField(max_length=255)
    owner = ForeignKeyField(User, backref="catalogs", on_delete="CASCADE")
    enabled = BooleanField(default=False)  # new catalogs are disabled (D9); only the editor enables
    product_selection_criteria = JSONField(default=_default_criteria)  # §4.1
    product_value_filters = JSONField(default=dict)  # §5.1: channels, locales, currencies
    product_mapping = JSONField(default=dict)  # §7.3: target code → source
    product_mapping_schema = OrderedJSONField(null=True)  # §7.1: the schema the app pushed, in its order
    errors = JSONField(default=list)  # the validation errors that disabled it automatically (§6.3, §6.4)
    created = DateTimeField(default=utcnow)
    updated = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("owner", "id"), False),)
