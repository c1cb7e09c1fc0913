"""Attributes (reference §5.3): list with search, get, create, upsert and batch upsert."""
from pimconnect.api.resources import Resource, applied_writes, find, register, rows_page, search_codes
from pimconnect.api.resources import structure_filters
from pimconnect.models import Attribute, AttributeGroup
from pimconnect.services.structure.rest.attributes import apply_attribute, attribute_json


def _type_filter(query, value):
    return query.where(Attribute.type.in_(search_codes(value, "attribute", "types")))


def _page(page, limit, with_count):
    """Attributes sorted by code; ``search`` on code, updated and type."""
    query = Attribute.select(Attribute, AttributeGroup).join(AttributeGroup)
    query = structure_filters(query, Attribute, "attribute", {"type": ("IN", _type_filter)})
    rows, count = rows_page(query, Attribute.code, page, limit, with_count)
    return [attribute_json(row, row.group) for row in rows], count


def _get(code):
    attribute = find(Attribute, code)
    return attribute_json(attribute, attribute.group) if attribute else None


create, upsert = applied_writes(Attribute, apply_attribute)
register(Resource(
    name="attributes", path="/attributes", acls=("pim_api_attribute_list", "pim_api_attribute_edit"),
    entities="attributes", entity="Attribute", page=_page, get=_get, create=create, upsert=upsert,
))
