"""Drafts and proposals (rest-api-and-permissions.md §9.5), by uuid and on the legacy identifier routes:
an editor reads its draft (the product with its changes applied) and sends it for approval."""
from flask import current_app, jsonify

from pimconnect.api import bp
from pimconnect.api.bodies import json_object_body
from pimconnect.api.core import ApiError, api_view, current_access
from pimconnect.api.products import find, find_to_write, parse_uuid, read_options
from pimconnect.models import User
from pimconnect.services.drafts import drafts
from pimconnect.services.products.rest import normalize_products


def _product(raw_uuid=None, identifier=None):
    """The stored product the route names, whoever may see it (the checks below answer for a hidden one)."""
    if identifier is not None:
        return find_to_write(identifier=identifier)
    product_uuid = parse_uuid(raw_uuid)
    return find_to_write(product_uuid) if product_uuid is not None else None


def _draft_response(access, product, reference, key):
    try:
        drafts.check_draft_reader(access, product, reference)
    except drafts.DraftRefused as refused:
        raise ApiError(refused.status, refused.message) from None
    draft = drafts.draft_of(product, access.user_id)
    if draft is None:
        raise ApiError(404, drafts.NO_DRAFT.format(reference=reference))
    product = find(access, product.uuid)  # with its family, as readers see it
    product.values = drafts.with_draft(product, draft.changes)  # never saved: the answer only
    item = normalize_products([product], read_options(key), access)[0]
    item["metadata"] = {"workflow_status": drafts.workflow_status("edit", draft)}
    return jsonify(item)


def _submit(access, product, reference, legacy):
    if product is None:
        raise ApiError(404, f'Product "{reference}" does not exist.')
    try:
        drafts.check_draft_reader(access, product, reference, proposal=True)
        drafts.submit(product, User.get_by_id(access.user_id), legacy=legacy,
                      link=f"/products/{product.uuid}/proposals")
    except drafts.DraftRefused as refused:
        raise ApiError(refused.status, refused.message) from None
    return current_app.response_class(status=201)


def _not_found(reference):
    return ApiError(404, f'Product "{reference}" does not exist or you do not have permission to access it.')


@bp.get("/products-uuid/<uuid>/draft")
@api_view("pim_api_product_list", "products")
def products_uuid_draft(uuid):
    """The reader's draft of the product: the product with the draft's changes applied."""
    product = _product(raw_uuid=uuid)
    if product is None:
        raise _not_found(uuid)
    return _draft_response(current_access(), product, uuid, "uuid")


@bp.post("/products-uuid/<uuid>/proposal")
@api_view("pim_api_product_edit", "products")
def products_uuid_proposal(uuid):
    """Send the reader's draft for approval; the body is ignored, as the reference's uuid route does."""
    return _submit(current_access(), _product(raw_uuid=uuid), uuid, legacy=False)


@bp.get("/products/<path:code>/draft")
@api_view("pim_api_product_list", "products")
def products_draft(code):
    product = _product(identifier=code)
    if product is None:
        raise _not_found(code)
    return _draft_response(current_access(), product, code, "identifier")


@bp.post("/products/<path:code>/proposal")
@api_view("pim_api_product_edit", "products")
def products_proposal(code):
    """As by uuid, but the legacy route wants a JSON object body (``{}``)."""
    try:
        json_object_body()
    except ApiError as refused:
        if refused.status != 400:
            raise
        raise ApiError(400, "Invalid json message received.") from None
    return _submit(current_access(), _product(identifier=code), code, legacy=True)
