"""Categories (§5.2): list in tree order with search and positions, get, create, upsert and batch upsert."""
from flask import jsonify

from pimconnect.api import bp
from pimconnect.api.core import (
    COLLECTION_TYPE,
    api_view,
    created,
    json_object_body,
    not_found,
    offset_page,
    parse_flag,
    parse_limit,
    parse_page,
    parse_pagination_type,
    parse_search,
    parse_with_count,
    updated,
    with_self_link,
)
from pimconnect.services import api_structure_categories as service
from pimconnect.services.api_structure_common import api_refusals, batch_upsert

PATH = "/api/rest/v1/categories"


@bp.get("/categories")
@api_view("pim_api_category_list", "categories")
def categories_list():
    """Categories in tree pre-order (each root, then its branch), filtered by ``search``."""
    parse_pagination_type()
    limit, page, with_count = parse_limit(), parse_page(), parse_with_count()
    search = parse_search()
    with api_refusals("get_categories"):
        items, count = service.list_categories(search, page, limit, with_count, parse_flag("with_position"))
    return offset_page([with_self_link(f"{PATH}/{item['code']}", item) for item in items], page, limit, count)


@bp.get("/categories/<code>")
@api_view("pim_api_category_list", "categories")
def categories_get(code):
    category = service.get_category(code, parse_flag("with_position"))
    if category is None:
        raise not_found("Category", code)
    return jsonify(category)


@bp.post("/categories")
@api_view("pim_api_category_edit", "categories")
def categories_create():
    data = json_object_body()
    with api_refusals("post_categories"):
        code = service.create_category(data)
    return created(f"{PATH}/{code}")


def _upsert(code, data):
    with api_refusals("patch_categories__code_"):
        return 201 if service.upsert_category(code, data) else 204


@bp.patch("/categories/<code>")
@api_view("pim_api_category_edit", "categories")
def categories_upsert(code):
    """Create or update one category; moving it is a PATCH of its ``parent``."""
    status = _upsert(code, json_object_body())
    return (created if status == 201 else updated)(f"{PATH}/{code}")


@bp.patch("/categories")
@api_view("pim_api_category_edit", "categories", content_type=COLLECTION_TYPE)
def categories_batch():
    """Upsert up to 100 categories, one JSON object per line, each in its own transaction."""
    return batch_upsert(_upsert)
