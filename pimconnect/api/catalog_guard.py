"""What every catalogs-for-apps endpoint shares (catalogs-for-apps.md §2.3, §2.4, §3.0, §3.6, §6.2 and
the corrections C1, C2, C6): the guard with the catalog ACLs' 403 wording, the caller's catalog or the
reference's 404, the disabled catalog's 200 payload, and the product lists' parameters.

The catalog endpoints differ from the rest of the API in three ways: their 403 texts name "app
catalogs" (or "products" for the second ACL of product endpoints), a JSON body sent without any
``Content-Type`` is read as JSON (C2: clients generated from the OpenAPI send none), and another
app's catalog is "not found", never forbidden.
"""
import datetime
import functools
import re
import uuid as uuid_module
from collections import namedtuple

from flask import g, jsonify, request

from pimconnect.api.core import INSUFFICIENT_SCOPE, ApiError, admit, api_can, validation_failed
from pimconnect.models import Catalog
from pimconnect.services import catalogs

LIST, EDIT, REMOVE, PRODUCTS = "pim_api_catalog_list", "pim_api_catalog_edit", "pim_api_catalog_remove", \
    "pim_api_product_list"
FORBIDDEN = {  # §2.3
    LIST: "Access forbidden. You are not allowed to access app catalogs.",
    EDIT: "Access forbidden. You are not allowed to edit app catalogs.",
    REMOVE: "Access forbidden. You are not allowed to delete app catalogs.",
    PRODUCTS: "Access forbidden. You are not allowed to access products.",
}
# A disabled catalog's texts, character for character per endpoint (§6.2, D9)
DISABLED_PAGE = ("No products to synchronize. The catalog {id} has been disabled on the PIM side. Note that you can "
                 "get catalogs status with the GET /api/rest/v1/catalogs endpoint.")  # #6, #7, #9, #13
DISABLED_PRODUCT = ('No products to synchronize. The catalog "{id}" has been disabled on PIM side. Note that you '
                    'can get catalogs status with the GET /api/rest/v1/catalogs endpoint.')  # #8
DISABLED_MAPPED_PRODUCT = ("No product to synchronize. The catalog {id} has been disabled on the PIM side. Note that "
                           "you can get catalogs status with the GET /api/rest/v1/catalogs endpoint.")  # #14
ISO_8601 = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2})(Z|[+\- ]\d{2}:\d{2}))?$")
ISO_MESSAGE = "ISO 8601 format is required."
ProductPageParams = namedtuple("ProductPageParams", "limit search_after updated_after updated_before")


def catalog_view(*acls):
    """Declare a catalog endpoint needing every ACL of ``acls``, checked in order (§2.3).

    Order as the rest of the API: bearer token (401) -> overall API access (403) -> Accept /
    Content-Type (406 / 415; no Content-Type at all is accepted, C2) -> the ACLs (403) -> the view.
    """
    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            admit(untyped_body_as_json=True)
            for acl in acls:
                if not api_can(acl):
                    raise ApiError(403, FORBIDDEN[acl], headers=INSUFFICIENT_SCOPE)
            return view(*args, **kwargs)

        wrapped.required_permissions = ("pim_api_overall_access", *acls)
        wrapped.api_acl = acls[0]
        return wrapped

    return decorator


def catalog_or_404(catalog_id, product_uuid=None):
    """The caller's catalog ``catalog_id``, else 404 (§2.4). On a one-product endpoint (``product_uuid``
    given) an unknown or non-UUID id answers the "Either catalog … or product …" text; only another
    app's existing catalog answers the short one (C6)."""
    catalog = catalogs.owned(g.api_user, catalog_id)
    if catalog is not None:
        return catalog
    if product_uuid is not None and not _exists(catalog_id):
        raise either_not_found(catalog_id, product_uuid)
    raise ApiError(404, f'Catalog "{catalog_id}" does not exist or you can\'t access it.')


def _exists(catalog_id):
    return catalogs.is_uuid(catalog_id) and Catalog.select().where(Catalog.id == str(catalog_id).lower()).exists()


def either_not_found(catalog_id, product_uuid):
    return ApiError(404, f'Either catalog "{catalog_id}" does not exist or you can\'t access it, or product '
                         f'"{product_uuid}" does not exist or you do not have permission to access it.')


def disabled_payload(template, catalog):
    """A disabled catalog's answer on product endpoints: HTTP 200 with ``error`` (§6.2, C12: apps rely
    on it, a client generated from the OpenAPI reads it as an empty last page)."""
    return jsonify({"error": template.format(id=catalog.id)})


# --- product list parameters (§3.6, C1) ---------------------------------------------------------

def product_page_params(max_limit, dated=True):
    """``limit`` (1..``max_limit``, default 100), ``search_after`` (a UUID) and, when ``dated``,
    ``updated_after`` / ``updated_before`` (C1), as the reference validates them: every violation in
    one 422; an array-valued parameter is a bare 400."""
    names = ("limit", "search_after") + (("updated_after", "updated_before") if dated else ())
    if any(key.startswith(f"{name}[") for key in request.args for name in names):
        raise ApiError(400, "Bad Request")
    errors = []
    raw_limit = request.args.get("limit", "100").strip()
    limit = int(raw_limit) if re.fullmatch(r"[+-]?\d{1,9}", raw_limit) else 0
    if not 1 <= limit <= max_limit:
        errors.append({"property": "limit", "message": f"This value should be between 1 and {max_limit}."})
    search_after = request.args.get("search_after")
    after = parse_uuid(search_after) if search_after is not None else None
    if search_after is not None and after is None:
        errors.append({"property": "search_after", "message": "This is not a valid UUID."})
    dates = {}
    for name in names[2:]:
        raw = request.args.get(name)
        dates[name] = parse_iso8601(raw) if raw is not None else None
        if raw is not None and dates[name] is None:
            errors.append({"property": name, "message": ISO_MESSAGE})
    if errors:
        raise validation_failed(errors)
    return ProductPageParams(limit, after, dates.get("updated_after"), dates.get("updated_before"))


def parse_uuid(raw):
    """The UUID ``raw`` spells in its canonical 8-4-4-4-12 form (any case), or None."""
    try:
        return uuid_module.UUID(raw) if re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", raw) \
            else None
    except ValueError:
        return None


def parse_iso8601(raw):
    """The naive UTC datetime ``raw`` spells (C1): ``YYYY-MM-DDThh:mm:ss`` with ``Z`` or ``±hh:mm`` (a
    ``+`` that arrived as a space too), or a bare ``YYYY-MM-DD`` (midnight UTC); None otherwise."""
    found = ISO_8601.match(raw)
    if found is None:
        return None
    day, time, offset = found.groups()
    offset = "+00:00" if offset in (None, "Z") else offset.replace(" ", "+")
    try:
        moment = datetime.datetime.fromisoformat(f"{day}T{time or '00:00:00'}{offset}")
    except ValueError:
        return None
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
