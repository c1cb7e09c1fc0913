"""A catalog's products for its app (catalogs-for-apps.md §3.6, §6.2; #6 product-uuids, #7 products,
#8 one product, #9 product-identifiers): the parameters, the search-after pages and the answers of
a disabled catalog. What the products are is ``services.catalogs.products``.

Checks run in the reference's order (GetProductUuidsAction, GetProductsAction, GetProductAction):
ACLs (403) → the catalog (404) → parameter types (400) → parameter values (422, "Validation
failed." with the query's property names) → disabled (200 with ``error``) → the page.
"""
import datetime
import re
from urllib.parse import urlencode

from flask import jsonify, request

from pimconnect.api import bp
from pimconnect.api.catalogs import CATALOGS, LIST, PRODUCTS, catalog_not_found, catalog_view, owned_catalog
from pimconnect.api.core import ApiError, current_access, validation_failed
from pimconnect.api.responses import absolute, base_url
from pimconnect.models import Catalog
from pimconnect.services import catalogs
from pimconnect.services.catalogs import products as catalog_products
from pimconnect.services.catalogs.products import CatalogDisabled, Window

UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# C1: date and time with Z or an offset (a "+" sent unencoded arrives as a space), or a bare date.
MOMENT = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:(Z)|([+\- ])(\d{2}):(\d{2})))?")
NOT_A_UUID = "This is not a valid UUID."
ISO_8601 = "ISO 8601 format is required."
LIST_DISABLED = ("No products to synchronize. The catalog {} has been disabled on the PIM side. Note that you can get "
                 "catalogs status with the GET /api/rest/v1/catalogs endpoint.")
ONE_DISABLED = ('No products to synchronize. The catalog "{}" has been disabled on PIM side. Note that you can get '
                "catalogs status with the GET /api/rest/v1/catalogs endpoint.")
EITHER = ('Either catalog "{}" does not exist or you can\'t access it, or product "{}" does not exist or you do not '
          "have permission to access it.")


def disabled(catalog, text=LIST_DISABLED):
    """The reference's answer for a disabled catalog: 200 with ``error`` (§6.2, C12: apps rely on it)."""
    return jsonify({"error": text.format(catalog.id)})


# --- parameters ---------------------------------------------------------------------------------

def _text_parameter(name):
    """A string parameter, or None; ``name[]`` (an array, as PHP reads it) is a bare 400."""
    if any(key == name + "[]" or key.startswith(name + "[") for key in request.args):
        raise ApiError(400, "Bad Request")
    values = request.args.getlist(name)
    return values[-1] if values else None  # PHP keeps the last of repeated parameters


def _php_int(raw):
    """``(int) $raw`` as the reference casts ``limit``: leading blanks, a sign and digits, else 0."""
    found = re.match(r"\s*([+-]?\d+)", raw)
    return int(found.group(1)) if found else 0


def parse_moment(raw):
    """The naive UTC datetime a C1 moment names, or None when it is not one."""
    found = MOMENT.fullmatch(raw)
    if found is None:
        return None
    year, month, day, hour, minute, second, zulu, sign, offset_hours, offset_minutes = found.groups()
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0),
                                   int(second or 0))
        if sign is not None:
            offset = datetime.timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
            moment -= offset if sign != "-" else -offset
    except (ValueError, OverflowError):
        return None
    return moment


class Parameters:
    """The page parameters of a product list as given (for the links) and as read (for the page);
    ``max_limit`` is the list's (1000 here, 100 for mapped products)."""

    def __init__(self, with_dates=True, max_limit=catalog_products.MAX_LIMIT):
        self.with_dates, self.max_limit = with_dates, max_limit
        self.search_after = _text_parameter("search_after")
        raw_limit = request.args.getlist("limit")
        self.limit = _php_int(raw_limit[-1]) if raw_limit else catalog_products.DEFAULT_LIMIT
        self.updated_after = _text_parameter("updated_after") if with_dates else None
        self.updated_before = _text_parameter("updated_before") if with_dates else None

    def window(self):
        """The Window these parameters ask for; 422 with every violation otherwise. An empty value
        is no value (Symfony's Uuid and DateTime constraints let an empty string pass)."""
        errors = []
        if self.search_after and not UUID_TEXT.fullmatch(self.search_after):
            errors.append({"property": "searchAfter", "message": NOT_A_UUID})
        if not 1 <= self.limit <= self.max_limit:
            errors.append({"property": "limit", "message": f"This value should be between 1 and {self.max_limit}."})
        moments = {}
        for name, prop, raw in (("after", "updatedAfter", self.updated_after),
                                ("before", "updatedBefore", self.updated_before)):
            moments[name] = parse_moment(raw) if raw else None
            if raw and moments[name] is None:
                errors.append({"property": prop, "message": ISO_8601})
        if errors:
            raise validation_failed(errors)
        return Window(self.search_after.lower() if self.search_after else None, self.limit,
                      moments["after"], moments["before"])

    def links(self, path, last):
        """self (as given), first (without search_after), next (after ``last``, on a full page: C8)."""
        def href(search_after):
            params = [("search_after", search_after), ("limit", self.limit),
                      ("updated_after", self.updated_after), ("updated_before", self.updated_before)]
            return {"href": absolute(path) + "?" + urlencode([(k, v) for k, v in params if v is not None])}

        links = {"self": href(self.search_after), "first": href(None)}
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
    catalog = owned_catalog(catalog_id)
    parameters = Parameters()
    window = parameters.window()
    try:
        uuids = catalog_products.uuid_page(current_access(), catalog, window)
    except CatalogDisabled:
        return disabled(catalog)
    return _page(f"{CATALOGS}/{catalog.id}/product-uuids", parameters, [str(u) for u in uuids],
                 uuids[-1] if uuids else None)


@bp.get("/catalogs/<catalog_id>/products")
@catalog_view(LIST, PRODUCTS)
def catalog_products_list(catalog_id):
    """The catalog's products as documents, value filters applied (#7)."""
    catalog = owned_catalog(catalog_id)
    parameters = Parameters()
    window = parameters.window()
    try:
        items = catalog_products.product_page(current_access(), catalog, window, base_url())
    except CatalogDisabled:
        return disabled(catalog)
    return _page(f"{CATALOGS}/{catalog.id}/products", parameters, items, items[-1]["uuid"] if items else None)


@bp.get("/catalogs/<catalog_id>/product-identifiers")
@catalog_view(LIST, PRODUCTS)
def catalog_product_identifiers(catalog_id):
    """The catalog's product identifiers in uuid order; ``next`` pages by the last one's uuid (#9)."""
    catalog = owned_catalog(catalog_id)
    parameters = Parameters(with_dates=False)
    window = parameters.window()
    try:
        pairs = catalog_products.identifier_page(current_access(), catalog, window)
    except CatalogDisabled:
        return disabled(catalog)
    return _page(f"{CATALOGS}/{catalog.id}/product-identifiers", parameters,
                 [identifier for _uuid, identifier in pairs], pairs[-1][0] if pairs else None)


# --- #8: one product -------------------------------------------------------------------------------

@bp.get("/catalogs/<catalog_id>/products/<product_uuid>")
@catalog_view(LIST, PRODUCTS)
def catalog_product(catalog_id, product_uuid):
    """One product of the catalog's selection (#8): 404 "Either catalog … or product …" otherwise (C6)."""
    catalog = catalogs.owned(current_access().user_id, catalog_id)
    if catalog is None:
        if catalogs.is_uuid(catalog_id) and Catalog.select().where(Catalog.id == catalog_id.lower()).exists():
            raise catalog_not_found(catalog_id)  # another app's catalog: the owner check's short text
        raise ApiError(404, EITHER.format(catalog_id, product_uuid))
    if not catalog.enabled:
        return disabled(catalog, ONE_DISABLED)
    if not UUID_TEXT.fullmatch(product_uuid):
        raise validation_failed([{"property": "productUuid", "message": NOT_A_UUID}])
    try:
        item = catalog_products.one_product(current_access(), catalog, product_uuid.lower(), base_url())
    except CatalogDisabled:
        return disabled(catalog, ONE_DISABLED)
    if item is None:
        raise ApiError(404, EITHER.format(catalog.id, product_uuid))
    return jsonify(item)
