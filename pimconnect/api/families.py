"""Families (reference §5.6) and their variants.

PIM Connect has no product models, so a family never has variants: the variant list of an existing
family is an empty page.
"""
from flask import jsonify
from peewee import fn

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
    ApiError,
    api_view,
    created,
    json_object_body,
    not_found,
    offset_page,
    updated,
    with_self_link,
)
from pimconnect.models import Family, Product
from pimconnect.services.api_families import apply_family, families_json
from pimconnect.services.api_structure_common import batch_upsert, decoded

BASE = "/api/rest/v1/families"


def _has_products(query, value):
    if not isinstance(value, bool):
        raise ApiError(422, 'Filter "has_products" expects a boolean value.')
    used = fn.EXISTS(Product.select(Product.uuid).where(Product.family == Family.id))
    return query.where(used if value else ~used)


def existing_family(code):
    family = find(Family, code)
    if family is None:
        raise not_found("Family", code)
    return family


@bp.get("/families")
@api_view("pim_api_family_list", "families")
def families_list():
    """Families sorted by code; ``search`` on code, updated and has_products."""
    page, limit, with_count = list_params()
    query = structure_filters(Family.select(), Family, "family", {"has_products": ("=", _has_products)})
    rows = page_of(query.order_by(Family.code), page, limit)
    items = [with_self_link(f"{BASE}/{row.code}", document) for row, document in zip(rows, families_json(rows))]
    return offset_page(items, page, limit, count=query.count() if with_count else None)


@bp.get("/families/<code>")
@api_view("pim_api_family_list", "families")
def families_get(code):
    return jsonify(families_json([existing_family(code)])[0])


@bp.post("/families")
@api_view("pim_api_family_edit", "families")
def families_create():
    family = write_or_refuse("post_families", apply_family, None, decoded(json_object_body))
    return created(f"{BASE}/{family.code}")


def upsert_family(code, data):
    """PATCH one family: update it, or create it with the URL's code; 201 or 204."""
    check_body_code(code, data)
    family = find(Family, code)
    write_or_refuse("patch_families__code_", apply_family, family, {**data, "code": code})
    return 204 if family else 201


@bp.patch("/families/<code>")
@api_view("pim_api_family_edit", "families")
def families_upsert(code):
    status = upsert_family(code, decoded(json_object_body))
    return (created if status == 201 else updated)(f"{BASE}/{code}")


@bp.patch("/families")
@api_view("pim_api_family_edit", "families", content_type=COLLECTION_TYPE)
def families_batch():
    return batch_upsert(upsert_family)


@bp.get("/families/<family_code>/variants")
@api_view("pim_api_family_variant_list", "family variants")
def family_variants_list(family_code):
    """An existing family's variants: always none here."""
    existing_family(family_code)
    page, limit, with_count = list_params()
    return offset_page([], page, limit, count=0 if with_count else None)


@bp.get("/families/<family_code>/variants/<code>")
@api_view("pim_api_family_variant_list", "family variants")
def family_variants_get(family_code, code):
    existing_family(family_code)
    raise ApiError(404, f'Family variant "{code}" does not exist or is not a variant of the family "{family_code}".')
