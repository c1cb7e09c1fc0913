"""Products by uuid (§6): list, search, create, upsert (single and batch), get and delete."""
from functools import partial

from pimconnect.api import bp
from pimconnect.api.bodies import COLLECTION_TYPE, read_body
from pimconnect.api.core import ApiError, api_view, current_access, documented, validation_failed
from pimconnect.api.product_writes import DRAFTED, batch, check_deletable, write
from pimconnect.api.products import (
    PRODUCTS_UUID,
    find,
    find_to_write,
    not_found,
    parse_uuid,
    product_list,
    product_response,
    same_uuid,
)
from pimconnect.api.product_search import take_search_parameters
from pimconnect.api.responses import created, no_content, updated
from pimconnect.services.products.writes import delete_product

IDENTIFIER_REFUSED = 'Property "identifier" does not exist.'  # the identifier lives in values here (§6.2)


@bp.get("/products-uuid")
@api_view("pim_api_product_list", "products")
def products_uuid_list():
    return product_list(current_access(), "uuid", PRODUCTS_UUID)


@bp.post("/products-uuid/search")
@api_view("pim_api_product_list", "products", worded_as="GET")
def products_uuid_search():
    """The list with its parameters in a JSON body, for searches too long for a URL (SaaS §6.1);
    the pagination parameters may be in the query string, as Akeneo's specification puts them."""
    take_search_parameters(read_body())
    return product_list(current_access(), "uuid", PRODUCTS_UUID)


@bp.post("/products-uuid")
@api_view("pim_api_product_edit", "products")
def products_uuid_create():
    data = read_body()
    if "identifier" in data:
        raise documented(IDENTIFIER_REFUSED, "post_products_uuid")
    product = write(current_access(), data, None, "uuid", "post_products_uuid")
    return created(f"{PRODUCTS_UUID}/{product.uuid}")


def _existing(raw_uuid, lookup):
    product_uuid = parse_uuid(raw_uuid)
    product = lookup(product_uuid) if product_uuid is not None else None
    if product is None:
        raise not_found(raw_uuid)
    return product


@bp.get("/products-uuid/<uuid>")
@api_view("pim_api_product_list", "products")
def products_uuid_get(uuid):
    access = current_access()
    return product_response(access, _existing(uuid, partial(find, access)), "uuid")


def upsert(access, raw_uuid, data, operation_id="patch_products_uuid__uuid_"):
    """PATCH one product by uuid: 201 when created, 204 when updated (a batch line goes through here too)."""
    if "identifier" in data:
        raise documented(IDENTIFIER_REFUSED, operation_id)
    product_uuid = parse_uuid(raw_uuid)
    if product_uuid is None:
        raise validation_failed([{"property": "uuid", "message": "The uuid must be a valid UUID."}])
    product = find_to_write(product_uuid)
    if data.get("uuid") is not None and not same_uuid(data["uuid"], product_uuid):
        raise ApiError(422, f'The uuid "{data["uuid"]}" provided in the request body must match the uuid '
                            f'"{raw_uuid}" provided in the url.')
    saved = write(access, {**data, "uuid": str(product_uuid)}, product, "uuid", operation_id)
    return DRAFTED if saved is DRAFTED else 201 if product is None else 204


@bp.patch("/products-uuid/<uuid>")
@api_view("pim_api_product_edit", "products")
def products_uuid_upsert(uuid):
    status = upsert(current_access(), uuid, read_body())
    location = f"{PRODUCTS_UUID}/{parse_uuid(uuid)}"
    if status is DRAFTED:
        return updated(f"{location}/draft")
    return created(location) if status == 201 else updated(location)


@bp.patch("/products-uuid")
@api_view("pim_api_product_edit", "products", content_type=COLLECTION_TYPE)
def products_uuid_batch():
    """Batch upsert (§7): one product per line, each line committed on its own."""
    return batch("uuid", partial(upsert, current_access()))


@bp.delete("/products-uuid/<uuid>")
@api_view("pim_api_product_remove", "products")
def products_uuid_delete(uuid):
    product = _existing(uuid, find_to_write)
    check_deletable(current_access(), product, uuid)
    delete_product(product)
    return no_content()
