"""Attribute groups (reference §5.5): an attribute belongs to exactly one group, so giving a group
its ``attributes`` moves them in (and those it no longer lists to the default group)."""
from pimconnect.api.resources import Resource, applied_writes, find, register, rows_page, structure_filters
from pimconnect.models import Attribute, AttributeGroup
from pimconnect.services.structure.rest.attributes import apply_group, group_json


def attribute_codes(groups):
    """{group id: [attribute codes in display order]} of ``groups``, in one query."""
    codes = {group.id: [] for group in groups}
    if codes:
        query = (Attribute.select(Attribute.group, Attribute.code).where(Attribute.group.in_(list(codes)))
                 .order_by(Attribute.sort_order, Attribute.code))
        for group_id, code in query.tuples():
            codes[group_id].append(code)
    return codes


def _page(page, limit, with_count):
    """Attribute groups sorted by code; ``search`` on code and updated."""
    query = structure_filters(AttributeGroup.select(), AttributeGroup, "attribute group")
    rows, count = rows_page(query, AttributeGroup.code, page, limit, with_count)
    codes = attribute_codes(rows)
    return [group_json(row, codes[row.id]) for row in rows], count


def _get(code):
    group = find(AttributeGroup, code)
    return group_json(group, attribute_codes([group])[group.id]) if group else None


create, upsert = applied_writes(AttributeGroup, apply_group)
register(Resource(
    name="attribute_groups", path="/attribute-groups",
    acls=("pim_api_attribute_group_list", "pim_api_attribute_group_edit"),
    entities="attribute groups", entity="Attribute group", page=_page, get=_get, create=create, upsert=upsert,
))
