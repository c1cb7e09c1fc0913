"""Catalogs for apps, the catalog itself (catalogs-for-apps.md §3.1 #1–#5): list, create, get, rename
and delete the calling app's catalogs — and ``catalog_view``, the guard of every catalog endpoint.

An app sees only its own catalogs: another app's catalog, an unknown id and a non-UUID id all answer
the same 404 (§2.4). The 403 texts are the Catalogs context's own (§2.3), not the rest of the API's.
"""
import functools

from flask import jsonify, request

from pimconnect.api import bp
from pimconnect.api.bodies import json_object_body
from pimconnect.api.core import ApiError, api_can, authenticate, check_accept, current_access, validation_failed
from pimconnect.api.responses import absolute, no_content
from pimconnect.services import catalogs
from pimconnect.services.catalogs import writes
from pimconnect.services.errors import ValidationFailed
from pimconnect.services.structure.rest.common import Refused, check_encodable

CATALOGS = "/api/rest/v1/catalogs"
LIST, EDIT, REMOVE = "pim_api_catalog_list", "pim_api_catalog_edit", "pim_api_catalog_remove"
PRODUCTS = "pim_api_product_list"
FORBIDDEN = {  # DenyAccessUnlessGrantedTrait
    LIST: "Access forbidden. You are not allowed to access app catalogs.",
    EDIT: "Access forbidden. You are not allowed to edit app catalogs.",
    REMOVE: "Access forbidden. You are not allowed to delete app catalogs.",
    PRODUCTS: "Access forbidden. You are not allowed to access products.",
}
LIST_LIMIT = 100  # GetCatalogsByOwnerUsernameQuery: 1..100, default 100
MAX_OFFSET = 2 ** 62  # beyond any catalog count, and below what a 64-bit OFFSET holds


def catalog_view(*acls):
    """Declare a catalog endpoint needing every ACL of ``acls``, checked in order (the product
    endpoints need the catalog ACL, then ``pim_api_product_list``).

    As ``core.api_view``: token (401) → overall API access (403) → Accept / Content-Type → ACLs (403).
    A body sent without ``Content-Type`` is read as JSON on the catalog endpoints (§3.0 C2: clients
    generated from the OpenAPI send none); a wrong one still answers 415.
    """
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            authenticate()
            if not api_can("pim_api_overall_access"):
                raise ApiError(403, "You are not allowed to access the web API.")
            if request.method in ("GET", "HEAD"):
                check_accept()
            elif request.method in ("POST", "PATCH", "PUT"):
                _check_content_type()
            for acl in acls:
                if not api_can(acl):
                    raise ApiError(403, FORBIDDEN[acl],
                                   headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
            return view(*args, **kwargs)

        wrapped.required_permissions = ("pim_api_overall_access", *acls)
        wrapped.api_acl = acls[0]
        return wrapped

    return decorator


def _check_content_type():
    header = request.headers.get("Content-Type")
    if header is not None and header.strip() and header.split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, f'"{header}" in "Content-Type" header is not valid. Only "application/json" is allowed.')


def catalog_not_found(catalog_id):
    return ApiError(404, f'Catalog "{catalog_id}" does not exist or you can\'t access it.')


def owned_catalog(catalog_id):
    """The calling app's catalog ``catalog_id``, or the reference's 404 (§2.4)."""
    catalog = catalogs.owned(current_access().user_id, catalog_id)
    if catalog is None:
        raise catalog_not_found(catalog_id)
    return catalog


def representation(catalog):
    """The public catalog (§3.2): exactly id, name, enabled."""
    return {"id": catalog.id, "name": catalog.name, "enabled": bool(catalog.enabled)}


def _refused(failed):
    raise validation_failed(failed.errors) from None


def _body():
    """The JSON object sent; a lone surrogate (a ``\\ud800`` escape) is refused as bad JSON, as the
    reference's decoder refuses it (and no database could store it)."""
    data = json_object_body()
    try:
        check_encodable(data)
    except Refused as refused:
        raise ApiError(refused.status, refused.message) from None
    return data


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
    data = _body()
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
    return jsonify(representation(owned_catalog(catalog_id)))


@bp.patch("/catalogs/<catalog_id>")
@catalog_view(EDIT)
def update_catalog(catalog_id):
    """Rename the catalog (§3.5): only ``name`` is read; ``enabled``, criteria and the rest are ignored."""
    catalog = owned_catalog(catalog_id)
    data = _body()
    try:
        writes.rename(catalog, data.get("name"))
    except ValidationFailed as failed:
        _refused(failed)
    return jsonify(representation(catalog))


@bp.delete("/catalogs/<catalog_id>")
@catalog_view(REMOVE)
def delete_catalog(catalog_id):
    writes.delete(owned_catalog(catalog_id))
    return no_content()
