"""Families (reference §5.6) and their variants.

PIM Connect has no product models, so a family never has variants: the variant list of an existing
family is an empty page.
"""
from peewee import fn

from pimconnect.api import bp
from pimconnect.api.core import ApiError, api_view, not_found
from pimconnect.api.responses import offset_page
from pimconnect.api.resources import Resource, applied_writes, find, list_params, register, rows_page
from pimconnect.api.resources import structure_filters
from pimconnect.models import Family, Product
from pimconnect.services.structure.rest.families import apply_family, families_json


def _has_products(query, value):
    if not isinstance(value, bool):
        raise ApiError(422, 'Filter "has_products" expects a boolean value.')
    used = fn.EXISTS(Product.select(Product.uuid).where(Product.family == Family.id))
    return query.where(used if value else ~used)


def _page(page, limit, with_count):
    """Families sorted by code; ``search`` on code, updated and has_products."""
    query = structure_filters(Family.select(), Family, "family", {"has_products": ("=", _has_products)})
    rows, count = rows_page(query, Family.code, page, limit, with_count)
    return families_json(rows), count


def _get(code):
    family = find(Family, code)
    return families_json([family])[0] if family else None


create, upsert = applied_writes(Family, apply_family)
register(Resource(
    name="families", path="/families", acls=("pim_api_family_list", "pim_api_family_edit"),
    entities="families", entity="Family", page=_page, get=_get, create=create, upsert=upsert,
))


def existing_family(code):
    family = find(Family, code)
    if family is None:
        raise not_found("Family", code)
    return family


@bp.get("/families/<family_code>/variants")
@api_view("pim_api_family_variant_list", "family variants")
def family_variants_list(family_code):
    """An existing family's variants: always none here."""
    existing_family(family_code)
    limit, page, with_count = list_params()
    return offset_page([], page, limit, count=0 if with_count else None)


@bp.get("/families/<family_code>/variants/<code>")
@api_view("pim_api_family_variant_list", "family variants")
def family_variants_get(family_code, code):
    existing_family(family_code)
    raise ApiError(404, f'Family variant "{code}" does not exist or is not a variant of the family "{family_code}".')
