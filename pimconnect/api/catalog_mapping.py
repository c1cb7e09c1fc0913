"""Product mapping endpoints of the catalogs for apps (catalogs-for-apps.md §3.7, §3.8; endpoints
#10–#14): the app pushes, reads and deletes its product mapping schema, and reads its catalog's
selected products in the shape of that schema.

Products are read through ``services.catalogs.products.readable_condition``, the gate of every product
endpoint: the selection engine with the app user's Access (EE permissions apply), AND-ed with the
required targets' condition (§7.6). The guard, the catalog lookup and the
``limit`` / ``search_after`` / ``updated_*`` parameters live in ``catalog_guard`` (shared with the
other catalog endpoints).
"""
from flask import jsonify
from peewee import JOIN

from pimconnect.api import bp
from pimconnect.api.bodies import json_body
from pimconnect.api.catalog_guard import (
    DISABLED_MAPPED_PRODUCT,
    DISABLED_PAGE,
    EDIT,
    LIST,
    PRODUCTS,
    catalog_or_404,
    catalog_view,
    disabled_payload,
    either_not_found,
    parse_uuid,
    product_page_params,
)
from pimconnect.api.core import ApiError, current_access, validation_failed
from pimconnect.api.responses import base_url, no_content, search_after_page
from pimconnect.models import Family, Product
from pimconnect.services.catalogs import mapping_schema
from pimconnect.services.catalogs import products as catalog_products
from pimconnect.services.catalogs.mapped import mapped_products
from pimconnect.services.catalogs.products import CatalogDisabled

SCHEMA_PATH = "/catalogs/<catalog_id>/mapping-schemas/product"
MAPPED_PATH = "/catalogs/<catalog_id>/mapped-products"
MAX_MAPPED_LIMIT = 100  # §3.8 PIM Connect decision, C10
NO_SCHEMA = "Impossible to map products: no product mapping schema available for this catalog."
NO_SCHEMA_ONE = "Impossible to map the product: no product mapping schema available for this catalog."


@bp.put(SCHEMA_PATH)
@catalog_view(EDIT)
def put_product_mapping_schema(catalog_id):
    """Store the app's product mapping schema; 200 with the stored schema (§3.7 PIM Connect decision)."""
    catalog = catalog_or_404(catalog_id)
    schema = json_body()  # any JSON: what is no object has no $schema reference (422)
    problem = mapping_schema.schema_problem(schema)
    if problem:
        raise validation_failed([{"property": "product_mapping_schema", "message": problem}])
    mapping_schema.save_schema(catalog, schema)
    return jsonify(catalog.product_mapping_schema)


@bp.get(SCHEMA_PATH)
@catalog_view(LIST)
def get_product_mapping_schema(catalog_id):
    catalog = catalog_or_404(catalog_id)
    if catalog.product_mapping_schema is None:
        raise ApiError(404, f'Catalog "{catalog_id}" does not have a product mapping schema.')
    return jsonify(catalog.product_mapping_schema)


@bp.delete(SCHEMA_PATH)
@catalog_view(EDIT)
def delete_product_mapping_schema(catalog_id):
    """204, with or without a stored schema (C9); the mapping goes with the schema."""
    catalog = catalog_or_404(catalog_id)
    if catalog.product_mapping_schema is not None or catalog.product_mapping:
        mapping_schema.delete_schema(catalog)
    return no_content()


@bp.get(MAPPED_PATH)
@catalog_view(LIST, PRODUCTS)
def get_mapped_products(catalog_id):
    """A search-after page of mapped products (§3.8), or the reference's 200 ``{"error": …}``."""
    catalog = catalog_or_404(catalog_id)
    if not catalog.enabled:
        return disabled_payload(DISABLED_PAGE, catalog)
    params = product_page_params(MAX_MAPPED_LIMIT)
    if catalog.product_mapping_schema is None:
        return jsonify({"error": NO_SCHEMA})
    rows = _selected(current_access(), catalog, params.limit, after=params.search_after,
                     extra=catalog_products.updated_condition(params.updated_after, params.updated_before))
    if rows is None:
        return disabled_payload(DISABLED_PAGE, catalog)
    items = mapped_products(rows, catalog, current_access(), base_url())
    last = items[-1]["uuid"] if items else None
    return search_after_page(items, params.limit, last)


@bp.get(f"{MAPPED_PATH}/<product_uuid>")
@catalog_view(LIST, PRODUCTS)
def get_mapped_product(catalog_id, product_uuid):
    """One mapped product of the selection (§3.8); 404 with the "Either catalog … or product …" text (C6)."""
    catalog = catalog_or_404(catalog_id, product_uuid=product_uuid)
    if not catalog.enabled:
        return disabled_payload(DISABLED_MAPPED_PRODUCT, catalog)
    if catalog.product_mapping_schema is None:
        return jsonify({"error": NO_SCHEMA_ONE})
    wanted = parse_uuid(product_uuid)
    rows = _selected(current_access(), catalog, 1, extra=Product.uuid == wanted) if wanted is not None else []
    if rows is None:
        return disabled_payload(DISABLED_MAPPED_PRODUCT, catalog)
    if not rows:
        raise either_not_found(catalog_id, product_uuid)
    return jsonify(mapped_products(rows, catalog, current_access(), base_url())[0])


def _selected(access, catalog, limit, after=None, extra=None):
    """Up to ``limit`` products the app may read from ``catalog`` AND ``extra``, after the uuid
    ``after``, in uuid order, their family joined; None when the catalog cannot be read now.

    What it may read is ``catalog_products.readable_condition``'s, the gate of every product
    endpoint: the criteria for the app's ``access``, the required targets (§7.6), and the refusal
    of a disabled or invalid catalog (§6.3).
    """
    try:
        condition = catalog_products.readable_condition(access, catalog)
    except CatalogDisabled:
        return None
    query = Product.select(Product, Family.id, Family.code).join(Family, JOIN.LEFT_OUTER)
    for part in (condition, extra):
        if part is not None:
            query = query.where(part)
    if after is not None:
        query = query.where(Product.uuid > after)
    return list(query.order_by(Product.uuid).limit(limit))
