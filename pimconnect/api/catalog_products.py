"""A catalog's products for its app (catalogs-for-apps.md §3.6, §6.2; #6 product-uuids, #7 products,
#8 one product, #9 product-identifiers): the search-after pages, their links and the answers of a
disabled catalog. What the products are is ``services.catalogs.products``; the guard, the catalog
lookup and the parameters' rules are ``catalog_guard``'s (shared with the mapped products).

Checks run in the reference's order (GetProductUuidsAction, GetProductsAction, GetProductAction):
ACLs (403) → the catalog (404) → parameter types (400) → parameter values (422, "Validation
failed.") → disabled (200 with ``error``) → the page.
"""
from urllib.parse import urlencode

from flask import jsonify, request

from pimconnect.api import bp
from pimconnect.api.catalog_guard import (
    DISABLED_PAGE,
    DISABLED_PRODUCT,
    LIST,
    PRODUCTS,
    catalog_or_404,
    catalog_view,
    disabled_payload,
    either_not_found,
    parse_uuid,
    product_page_params,
)
from pimconnect.api.catalogs import CATALOGS
from pimconnect.api.core import current_access, validation_failed
from pimconnect.api.responses import absolute, base_url
from pimconnect.services.catalogs import products as catalog_products
from pimconnect.services.catalogs.products import CatalogDisabled, Window


class Parameters:
    """The page parameters of a product list: as read (``window``, by catalog_guard's rules: 400 /
    422) and as given (for the links, C8)."""

    NAMES = ("search_after", "limit", "updated_after", "updated_before")  # the reference's link order

    def __init__(self, dated=True, max_limit=catalog_products.MAX_LIMIT):
        read = product_page_params(max_limit, dated)
        self.limit = read.limit
        self.window = Window(read.search_after, read.limit, read.updated_after, read.updated_before)
        names = ("search_after",) + (("updated_after", "updated_before") if dated else ())
        self.given = {name: request.args[name] for name in names if request.args.get(name) is not None}

    def links(self, path, last):
        """self (as given), first (without search_after), next (after ``last``, when the page is full):
        ``limit`` always, with its effective value; the other parameters only when given (C8)."""
        def href(search_after):
            values = {**self.given, "limit": self.limit, "search_after": search_after}
            pairs = [(name, values[name]) for name in self.NAMES if values.get(name) is not None]
            return {"href": absolute(path) + "?" + urlencode(pairs)}

        links = {"self": href(self.given.get("search_after")), "first": href(None)}
        if last is not None:
            links["next"] = href(last)
        return links


def _page(path, parameters, items, last_uuid):
    full = len(items) >= parameters.limit and last_uuid is not None
    return jsonify({"_links": parameters.links(path, str(last_uuid) if full else None),
                    "_embedded": {"items": items}})


# --- #6, #7, #9: the lists ------------------------------------------------------------------------

@bp.get("/catalogs/<catalog_id>/product-uuids")
@catalog_view(LIST, PRODUCTS)
def catalog_product_uuids(catalog_id):
    """The catalog's product UUIDs, ascending, search-after paginated (#6)."""
    catalog = catalog_or_404(catalog_id)
    parameters = Parameters()
    try:
        uuids = catalog_products.uuid_page(current_access(), catalog, parameters.window)
    except CatalogDisabled:
        return disabled_payload(DISABLED_PAGE, catalog)
    return _page(f"{CATALOGS}/{catalog.id}/product-uuids", parameters, [str(u) for u in uuids],
                 uuids[-1] if uuids else None)


@bp.get("/catalogs/<catalog_id>/products")
@catalog_view(LIST, PRODUCTS)
def catalog_products_list(catalog_id):
    """The catalog's products as documents, value filters applied (#7)."""
    catalog = catalog_or_404(catalog_id)
    parameters = Parameters()
    try:
        items = catalog_products.product_page(current_access(), catalog, parameters.window, base_url())
    except CatalogDisabled:
        return disabled_payload(DISABLED_PAGE, catalog)
    return _page(f"{CATALOGS}/{catalog.id}/products", parameters, items, items[-1]["uuid"] if items else None)


@bp.get("/catalogs/<catalog_id>/product-identifiers")
@catalog_view(LIST, PRODUCTS)
def catalog_product_identifiers(catalog_id):
    """The catalog's product identifiers in uuid order; ``next`` pages by the last one's uuid (#9)."""
    catalog = catalog_or_404(catalog_id)
    parameters = Parameters(dated=False)
    try:
        pairs = catalog_products.identifier_page(current_access(), catalog, parameters.window)
    except CatalogDisabled:
        return disabled_payload(DISABLED_PAGE, catalog)
    return _page(f"{CATALOGS}/{catalog.id}/product-identifiers", parameters,
                 [identifier for _uuid, identifier in pairs], pairs[-1][0] if pairs else None)


# --- #8: one product -------------------------------------------------------------------------------

@bp.get("/catalogs/<catalog_id>/products/<product_uuid>")
@catalog_view(LIST, PRODUCTS)
def catalog_product(catalog_id, product_uuid):
    """One product of the catalog's selection (#8): 404 "Either catalog … or product …" otherwise (C6)."""
    catalog = catalog_or_404(catalog_id, product_uuid=product_uuid)
    if not catalog.enabled:
        return disabled_payload(DISABLED_PRODUCT, catalog)
    wanted = parse_uuid(product_uuid)
    if wanted is None:  # GetProductQuery's Uuid constraint (the reference's property, tableized)
        raise validation_failed([{"property": "product_uuid", "message": "This is not a valid UUID."}])
    try:
        item = catalog_products.one_product(current_access(), catalog, wanted, base_url())
    except CatalogDisabled:
        return disabled_payload(DISABLED_PRODUCT, catalog)
    if item is None:
        raise either_not_found(catalog.id, product_uuid)
    return jsonify(item)
