"""Products by identifier (the legacy /products endpoints clients still use): ``identifier`` at the
root instead of ``uuid``, associated products named by identifier; otherwise as products-uuid."""
from functools import partial

from pimconnect.api import bp
from pimconnect.api.bodies import COLLECTION_TYPE, read_body
from pimconnect.api.core import DOC_BASE, ApiError, api_view, current_access
from pimconnect.api.product_writes import DRAFTED, batch, check_deletable, write
from pimconnect.api.products import (
    PRODUCTS,
    find,
    find_to_write,
    identifier_path,
    not_found,
    product_list,
    product_response,
    same_uuid,
)
from pimconnect.api.product_search import take_search_parameters
from pimconnect.api.responses import created, no_content, updated
from pimconnect.services.products.writes import delete_product

NO_IDENTIFIER = ("Validation failed. The identifier field is required for this endpoint. If you want to manipulate "
                 "products without identifiers, please use products-uuid endpoints.")


def _no_identifier(operation_id):
    return ApiError(422, NO_IDENTIFIER, _links={"documentation": {"href": DOC_BASE + operation_id}})


@bp.get("/products")
@api_view("pim_api_product_list", "products")
def products_list():
    return product_list(current_access(), "identifier", PRODUCTS)


@bp.post("/products/search")
@api_view("pim_api_product_list", "products", worded_as="GET")
def products_search():
    """The list with its parameters in a JSON body, as POST /products-uuid/search (identifier items)."""
    take_search_parameters(read_body())
    return product_list(current_access(), "identifier", PRODUCTS)


@bp.post("/products")
@api_view("pim_api_product_edit", "products")
def products_create():
    data = read_body()
    if data.get("identifier") in (None, ""):
        raise _no_identifier("post_products_uuid")
    product = write(current_access(), data, None, "identifier", "post_products")
    return created(identifier_path(product.identifier))


def upsert(access, code, data, operation_id="patch_products__code_"):
    """PATCH one product by identifier: 201 when created, 204 when updated (batch lines too).

    The body's ``identifier``, when sent, must be the URL's (so a product is never renamed here);
    a body ``uuid`` must be the existing product's, and chooses the uuid of a new one.
    """
    if "identifier" in data and data["identifier"] in (None, ""):
        raise _no_identifier("patch_products_uuid__uuid_")
    if "identifier" in data and data["identifier"] != code:
        raise ApiError(422, f'The identifier "{data["identifier"]}" provided in the request body must match the '
                            f'identifier "{code}" provided in the url.')
    product = find_to_write(identifier=code)
    if product is not None and data.get("uuid") is not None and not same_uuid(data["uuid"], product.uuid):
        raise ApiError(422, f'The uuid "{data["uuid"]}" provided in the request body must match the uuid '
                            f'"{product.uuid}" of the product "{code}".')
    saved = write(access, {**data, "identifier": code}, product, "identifier", operation_id)
    return DRAFTED if saved is DRAFTED else 201 if product is None else 204


@bp.patch("/products/<path:code>")
@api_view("pim_api_product_edit", "products")
def products_upsert(code):
    status = upsert(current_access(), code, read_body())
    location = identifier_path(code)
    if status is DRAFTED:
        return updated(f"{location}/draft")
    return created(location) if status == 201 else updated(location)


@bp.patch("/products")
@api_view("pim_api_product_edit", "products", content_type=COLLECTION_TYPE)
def products_batch():
    """Batch upsert (§7) keyed by ``identifier``, each line committed on its own."""
    return batch("identifier", partial(upsert, current_access()))


def _existing(code, lookup):
    product = lookup(identifier=code)
    if product is None:
        raise not_found(code)
    return product


@bp.get("/products/<path:code>")
@api_view("pim_api_product_list", "products")
def products_get(code):
    access = current_access()
    return product_response(access, _existing(code, partial(find, access)), "identifier")


@bp.delete("/products/<path:code>")
@api_view("pim_api_product_remove", "products")
def products_delete(code):
    product = _existing(code, find_to_write)
    check_deletable(current_access(), product, code)
    delete_product(product)
    return no_content()
