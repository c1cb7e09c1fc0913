"""Attribute groups (reference §5.5): an attribute belongs to exactly one group, so giving a group
its ``attributes`` moves them in (and those it no longer lists to the default group)."""
from flask import jsonify

from pimconnect.api import bp
from pimconnect.api.attributes import (
    check_body_code,
    find,
    list_params,
    page_of,
    structure_filters,
    write_or_refuse,
)
from pimconnect.api.core import (
    COLLECTION_TYPE,
    api_view,
    created,
    json_object_body,
    not_found,
    offset_page,
    updated,
    with_self_link,
)
from pimconnect.models import Attribute, AttributeGroup
from pimconnect.services.api_attributes import apply_group, group_json
from pimconnect.services.api_structure_common import batch_upsert, decoded

BASE = "/api/rest/v1/attribute-groups"


def attribute_codes(groups):
    """{group id: [attribute codes in display order]} of ``groups``, in one query."""
    codes = {group.id: [] for group in groups}
    if codes:
        query = (Attribute.select(Attribute.group, Attribute.code).where(Attribute.group.in_(list(codes)))
                 .order_by(Attribute.sort_order, Attribute.code))
        for group_id, code in query.tuples():
            codes[group_id].append(code)
    return codes


@bp.get("/attribute-groups")
@api_view("pim_api_attribute_group_list", "attribute groups")
def attribute_groups_list():
    """Attribute groups sorted by code; ``search`` on code and updated."""
    page, limit, with_count = list_params()
    query = structure_filters(AttributeGroup.select(), AttributeGroup, "attribute group")
    rows = page_of(query.order_by(AttributeGroup.code), page, limit)
    codes = attribute_codes(rows)
    items = [with_self_link(f"{BASE}/{row.code}", group_json(row, codes[row.id])) for row in rows]
    return offset_page(items, page, limit, count=query.count() if with_count else None)


@bp.get("/attribute-groups/<code>")
@api_view("pim_api_attribute_group_list", "attribute groups")
def attribute_groups_get(code):
    group = find(AttributeGroup, code)
    if group is None:
        raise not_found("Attribute group", code)
    return jsonify(group_json(group, attribute_codes([group])[group.id]))


@bp.post("/attribute-groups")
@api_view("pim_api_attribute_group_edit", "attribute groups")
def attribute_groups_create():
    group = write_or_refuse("post_attribute_groups", apply_group, None, decoded(json_object_body))
    return created(f"{BASE}/{group.code}")


def upsert_group(code, data):
    """PATCH one group: update it, or create it with the URL's code; 201 or 204."""
    check_body_code(code, data)
    group = find(AttributeGroup, code)
    write_or_refuse("patch_attribute_groups__code_", apply_group, group, {**data, "code": code})
    return 204 if group else 201


@bp.patch("/attribute-groups/<code>")
@api_view("pim_api_attribute_group_edit", "attribute groups")
def attribute_groups_upsert(code):
    status = upsert_group(code, decoded(json_object_body))
    return (created if status == 201 else updated)(f"{BASE}/{code}")


@bp.patch("/attribute-groups")
@api_view("pim_api_attribute_group_edit", "attribute groups", content_type=COLLECTION_TYPE)
def attribute_groups_batch():
    return batch_upsert(upsert_group)
