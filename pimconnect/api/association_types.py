"""Association types (§5.7): list, get, create, upsert and batch upsert."""
from flask import jsonify

from pimconnect.api import bp
from pimconnect.api.core import (
    COLLECTION_TYPE,
    api_view,
    created,
    json_object_body,
    not_found,
    offset_page,
    parse_limit,
    parse_page,
    parse_pagination_type,
    parse_with_count,
    updated,
    with_self_link,
)
from pimconnect.services import api_structure_association_types as service
from pimconnect.services.api_structure_common import api_refusals, batch_upsert

PATH = "/api/rest/v1/association-types"
ENTITIES = "association types"


@bp.get("/association-types")
@api_view("pim_api_association_type_list", ENTITIES)
def association_types_list():
    parse_pagination_type()
    limit, page, with_count = parse_limit(), parse_page(), parse_with_count()
    items, count = service.list_association_types(page, limit, with_count)
    return offset_page([with_self_link(f"{PATH}/{item['code']}", item) for item in items], page, limit, count)


@bp.get("/association-types/<code>")
@api_view("pim_api_association_type_list", ENTITIES)
def association_types_get(code):
    association_type = service.get_association_type(code)
    if association_type is None:
        raise not_found("Association type", code)
    return jsonify(association_type)


@bp.post("/association-types")
@api_view("pim_api_association_type_edit", ENTITIES)
def association_types_create():
    data = json_object_body()
    with api_refusals("post_association_types"):
        code = service.create_association_type(data)
    return created(f"{PATH}/{code}")


def _upsert(code, data):
    with api_refusals("patch_association_types__code_"):
        return 201 if service.upsert_association_type(code, data) else 204


@bp.patch("/association-types/<code>")
@api_view("pim_api_association_type_edit", ENTITIES)
def association_types_upsert(code):
    """Create or update one association type; its two flags cannot change once created."""
    status = _upsert(code, json_object_body())
    return (created if status == 201 else updated)(f"{PATH}/{code}")


@bp.patch("/association-types")
@api_view("pim_api_association_type_edit", ENTITIES, content_type=COLLECTION_TYPE)
def association_types_batch():
    """Upsert up to 100 association types, one JSON object per line, each in its own transaction."""
    return batch_upsert(_upsert)
