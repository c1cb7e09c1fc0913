"""Catalogs for apps, the catalog itself (catalogs-for-apps.md §3.1 #1–#5): list, create, get, rename
and delete the calling app's catalogs.

An app sees only its own catalogs: another app's catalog, an unknown id and a non-UUID id all answer
the same 404 (§2.4). The guard (the Catalogs context's 403 texts, C2) is ``catalog_guard``'s.
"""
from flask import jsonify, request

from pimconnect.api import bp
from pimconnect.api.bodies import read_body
from pimconnect.api.catalog_guard import EDIT, LIST, REMOVE, catalog_or_404, catalog_view
from pimconnect.api.core import ApiError, current_access, validation_failed
from pimconnect.api.responses import absolute, no_content
from pimconnect.services import catalogs
from pimconnect.services.catalogs import writes
from pimconnect.services.errors import ValidationFailed

CATALOGS = "/api/rest/v1/catalogs"
LIST_LIMIT = 100  # GetCatalogsByOwnerUsernameQuery: 1..100, default 100
MAX_OFFSET = 2 ** 62  # beyond any catalog count, and below what a 64-bit OFFSET holds


def representation(catalog):
    """The public catalog (§3.2): exactly id, name, enabled."""
    return {"id": catalog.id, "name": catalog.name, "enabled": bool(catalog.enabled)}


def _refused(failed):
    raise validation_failed(failed.errors) from None


# --- #1 list, #2 create -------------------------------------------------------------------------

def _list_parameter(name, default, maximum=None):
    """``page`` / ``limit`` of the list: a plain positive integer within bounds, else a bare 400
    (the reference turns the query's validation failure into a Bad Request without detail)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1 or (maximum is not None and int(raw) > maximum):
        raise ApiError(400, "Bad Request")
    return int(raw)


@bp.get("/catalogs")
@catalog_view(LIST)
def list_catalogs():
    """The calling app's catalogs in id order, offset-paginated (§3.3, C5: items carry their link)."""
    page, limit = _list_parameter("page", 1), _list_parameter("limit", LIST_LIMIT, LIST_LIMIT)
    offset = (page - 1) * limit
    rows = [] if offset > MAX_OFFSET else list(catalogs.of_owner(current_access().user_id).offset(offset).limit(limit))
    items = [{"_links": {"self": {"href": absolute(f"{CATALOGS}/{c.id}")}}, **representation(c)} for c in rows]

    def at(number):
        return {"href": absolute(f"{CATALOGS}?page={number}&limit={limit}")}

    links = {"self": at(page), "first": at(1)}
    if page > 1:
        links["previous"] = at(page - 1)
    if len(items) == limit:
        links["next"] = at(page + 1)
    return jsonify({"_links": links, "current_page": page, "_embedded": {"items": items}})


@bp.post("/catalogs")
@catalog_view(EDIT)
def create_catalog():
    """Create a disabled catalog for the calling app (§3.4): 201 with it."""
    data = read_body()
    try:
        catalog = writes.create(current_access().user_id, data.get("name"))
    except ValidationFailed as failed:
        _refused(failed)
    response = jsonify(representation(catalog))
    response.status_code = 201
    return response


# --- #3 get, #4 rename, #5 delete ---------------------------------------------------------------

@bp.get("/catalogs/<catalog_id>")
@catalog_view(LIST)
def get_catalog(catalog_id):
    return jsonify(representation(catalog_or_404(catalog_id)))


@bp.patch("/catalogs/<catalog_id>")
@catalog_view(EDIT)
def update_catalog(catalog_id):
    """Rename the catalog (§3.5): only ``name`` is read; ``enabled``, criteria and the rest are ignored."""
    catalog = catalog_or_404(catalog_id)
    data = read_body()
    try:
        writes.rename(catalog, data.get("name"))
    except ValidationFailed as failed:
        _refused(failed)
    return jsonify(representation(catalog))


@bp.delete("/catalogs/<catalog_id>")
@catalog_view(REMOVE)
def delete_catalog(catalog_id):
    writes.delete(catalog_or_404(catalog_id))
    return no_content()
