"""The Demo App's catalog, as an app built on Akeneo's catalogs for apps uses one
(catalogs-for-apps.md §3, §6.2, §7): on connection it makes sure it has its catalog "Demo store" and
pushes its product mapping schema; afterwards it reads the catalog's state and its products, page by
page. Every PIM refusal becomes a PimError whose message is safe to show."""
import urllib.parse
import uuid

from demo_app import pim

CATALOG_NAME = "Demo store"
CATALOGS = "/api/rest/v1/catalogs"
PAGE_SIZE = 10

# The product shape the Demo App wants (§7.1): flat targets, uuid mandatory. Only uuid is required,
# so an unmapped target never hides a product (§7.6: required targets filter the selection).
MAPPING_SCHEMA = {
    "$schema": "https://api.akeneo.com/mapping/product/1.0.3/schema",
    "$comment": "The products of the PIM Connect Demo App's store",
    "title": "Demo App product",
    "description": "Products as the Demo App's store shows them",
    "type": "object",
    "properties": {
        "uuid": {"type": "string"},
        "name": {"type": "string", "title": "Name", "maxLength": 255},
        "description": {"type": "string", "title": "Description"},
        "price": {"type": "number", "title": "Price", "minimum": 0},
        "waterproof": {"type": "boolean", "title": "Waterproof"},
        "image": {"type": "string", "format": "uri", "title": "Image"},
    },
    "required": ["uuid"],
}
# The columns of the mapped products table, in the schema's order.
MAPPED_COLUMNS = tuple((code, target.get("title", "UUID" if code == "uuid" else code))
                       for code, target in MAPPING_SCHEMA["properties"].items())


def is_uuid(value):
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (TypeError, ValueError, AttributeError):
        return False


def _call(connection, method, path, timeout, **options):
    return pim.api_call(method, connection["pim_url"], connection["access_token"], path, timeout=timeout, **options)


def ensure_catalog(connection, timeout=15):
    """The id of the app's catalog "Demo store", created (disabled, §3.4) only when the app has none."""
    catalog = find_demo_catalog(connection, timeout)
    if catalog is None:
        catalog = _call(connection, "POST", CATALOGS, timeout, body={"name": CATALOG_NAME}, expect=(201,))
        if not isinstance(catalog, dict) or not is_uuid(catalog.get("id")):
            raise pim.PimError("The PIM created the catalog but did not say which id it has.")
    return catalog["id"]


def push_mapping_schema(connection, catalog_id, timeout=15):
    """Send the app's product mapping schema; pushed again on every connection, the PIM keeps the
    mapping of the targets it already knows (§3.7)."""
    # 200 is PIM Connect's answer; older Akeneo versions answer 204, the documentation 201 (§3.7).
    _call(connection, "PUT", f"{CATALOGS}/{catalog_id}/mapping-schemas/product", timeout,
          body=MAPPING_SCHEMA, expect=(200, 201, 204))


def find_demo_catalog(connection, timeout=15):
    """The app's catalog named "Demo store" ({id, name, enabled}), or None: every page of
    ``GET /catalogs`` is read, so connecting again never makes a second one."""
    page = 1
    while True:
        body = _call(connection, "GET", CATALOGS, timeout, params={"page": page, "limit": 100})
        items = _items(body)
        for item in items:
            if item.get("name") == CATALOG_NAME and is_uuid(item.get("id")):
                return item
        if len(items) < 100 or "next" not in ((body or {}).get("_links") or {}):
            return None
        page += 1


def state(connection, catalog_id, timeout=15):
    """The catalog as the PIM describes it now ({id, name, enabled}); PimError when it is gone."""
    catalog = _call(connection, "GET", f"{CATALOGS}/{catalog_id}", timeout)
    if not isinstance(catalog, dict):
        raise pim.PimError("The PIM's answer about the catalog could not be read.")
    return catalog


def page(connection, catalog_id, kind, search_after=None, timeout=15):
    """One page of the catalog's ``products`` or ``mapped-products``:
    {items, next (the search_after of the next page, or None), message (the PIM's ``error``, or None)}.

    A disabled catalog is not an HTTP error: the PIM answers 200 with ``{"error": …}`` (§6.2), and so
    does mapped-products when no schema was pushed (§3.8).
    """
    params = {"limit": PAGE_SIZE}
    if search_after:
        params["search_after"] = search_after
    body = _call(connection, "GET", f"{CATALOGS}/{catalog_id}/{kind}", timeout, params=params)
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return {"items": [], "next": None, "message": body["error"]}
    return {"items": _items(body), "next": _search_after_of_next(body), "message": None}


def _items(body):
    items = (body or {}).get("_embedded", {}).get("items", []) if isinstance(body, dict) else []
    return [item for item in items if isinstance(item, dict)]


def _search_after_of_next(body):
    """The ``search_after`` of the page's ``next`` link (present only when the page is full, §3.6).

    Only that UUID is kept, and the Demo App asks its own PIM for the next page: a URL coming back
    from the browser is never followed.
    """
    href = (((body or {}).get("_links") or {}).get("next") or {}).get("href") if isinstance(body, dict) else None
    if not isinstance(href, str):
        return None
    values = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query).get("search_after") or [None]
    return values[0] if is_uuid(values[0]) else None


def editor_url(pim_url, catalog_id):
    """Where a PIM user configures and enables the catalog (the deep link of §3.4)."""
    return f"{pim_url}/connect/apps/v1/catalogs/{catalog_id}"
