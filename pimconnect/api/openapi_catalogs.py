"""The OpenAPI operations of the catalogs-for-apps endpoints (catalogs-for-apps.md §3): the catalogs
and their products (#1–#9, ``catalog_paths``) and the product mapping (#10–#14,
``catalog_mapping_paths``), added to the document ``openapi.build_document`` builds. The helpers of
``openapi`` are given or imported when these run (``openapi`` builds its document while it is being
imported).
"""
from pimconnect.api.openapi_schemas import (
    ASSOCIATIONS,
    BOOLEAN,
    CODES,
    DATETIME,
    INTEGER,
    LINK,
    QUANTIFIED,
    SCHEMAS,
    STRING,
    VALUES,
    array,
    nullable,
    obj,
    path_param,
    query,
    ref,
)

UUID = {"type": "string", "format": "uuid"}
CATALOG = {"id": UUID, "name": STRING, "enabled": BOOLEAN}
SCHEMAS.update({
    "Catalog": obj(CATALOG, list(CATALOG)),
    "CatalogItem": obj({"_links": obj({"self": LINK}, ["self"]), **CATALOG}, ["_links", *CATALOG]),
    # Unknown keys are ignored (§3.0 C7): the write schema stays open.
    "CatalogWrite": obj({"name": {**STRING, "minLength": 1, "maxLength": 255}}, ["name"], closed=False),
    "CatalogPage": obj({
        "_links": obj({"self": LINK, "first": LINK, "previous": LINK, "next": LINK}, ["self", "first"]),
        "current_page": {**INTEGER, "minimum": 1},
        "_embedded": obj({"items": array(ref("CatalogItem"))}, ["items"]),
    }, ["_links", "current_page", "_embedded"]),
})
PRODUCT = {"uuid": UUID, "enabled": BOOLEAN, "family": nullable(STRING), "categories": CODES, "groups": CODES,
           "parent": nullable(STRING), "values": VALUES, "associations": ASSOCIATIONS,
           "quantified_associations": QUANTIFIED, "created": DATETIME, "updated": DATETIME}


def _search_after_page(item):
    return obj({"_links": obj({"self": LINK, "first": LINK, "next": LINK}, ["self", "first"]),
                "_embedded": obj({"items": array(item)}, ["items"])}, ["_links", "_embedded"])


SCHEMAS.update({
    # Exactly the keys of §3.6 (C13: the items are objects, whatever Akeneo's own OpenAPI says).
    "CatalogProduct": obj(PRODUCT, list(PRODUCT)),
    "CatalogDisabled": obj({"error": STRING}, ["error"]),
    "CatalogProductUuidPage": _search_after_page(UUID),
    "CatalogProductPage": _search_after_page(ref("CatalogProduct")),
    "CatalogProductIdentifierPage": _search_after_page(nullable(STRING)),
})

LIST_PAGE = query("page", {**INTEGER, "minimum": 1, "default": 1}, "page number")
LIST_LIMIT = query("limit", {**INTEGER, "minimum": 1, "maximum": 100, "default": 100}, "items per page")
CATALOG_ID = {"name": "catalog_id", "in": "path", "required": True, "schema": STRING,
              "description": "the catalog's UUID (any other value answers 404)"}
PRODUCT_UUID = {"name": "product_uuid", "in": "path", "required": True, "schema": STRING,
                "description": "the product's UUID (any other value answers 422)"}
SEARCH_AFTER = query("search_after", STRING, "the last UUID of the previous page (a UUID, else 422)")
PRODUCTS_LIMIT = query("limit", {**INTEGER, "minimum": 1, "maximum": 1000, "default": 100}, "items per page")
UPDATED = [query(f"updated_{side}", STRING, f"products updated {side} this moment: YYYY-MM-DDThh:mm:ss with Z or "
                 "±hh:mm, or YYYY-MM-DD (UTC midnight); strict alone, inclusive with the other")
           for side in ("after", "before")]
TAG = "Catalogs"
DESCRIPTIONS = {
    400: "`page` or `limit` out of range (bare `Bad Request`), or a body that is not a JSON object "
         "(`Invalid json message received`)",
    403: "Overall API access or the catalog ACL is missing (`Access forbidden. You are not allowed to access / "
         "edit / delete app catalogs.`)",
    404: "`Catalog \"<id>\" does not exist or you can't access it.` (another app's catalog, or no such catalog)",
    415: "`Content-Type` that is not application/json (a body without one is read as JSON)",
    422: "`Validation failed.` with `errors` (name blank or over 255 characters, `You can create up to 200 "
         "catalogs`; `limit`, `search_after`, `updated_*` or the product uuid out of their rules)",
}
PRODUCTS_403 = ("Overall API access, the catalog ACL or the product ACL is missing (`Access forbidden. You are not "
                "allowed to access app catalogs.` / `… to access products.`)")
PRODUCTS_404 = ("`Catalog \"<id>\" does not exist or you can't access it.`; on one product, `Either catalog \"<id>\" "
                "does not exist or you can't access it, or product \"<uuid>\" does not exist or you do not have "
                "permission to access it.`")


def catalog_paths(paths, v1):
    """Add the catalog operations (#1–#9) to ``paths``."""
    from pimconnect.api.openapi import ERROR_DESCRIPTIONS, DELETED, body, json_content, ok, operation

    def answers(success, *errors):
        found = dict(success)
        for status in errors:
            found[str(status)] = {"description": DESCRIPTIONS.get(status, ERROR_DESCRIPTIONS[status]),
                                  "content": json_content(ref("Error"))}
        return found

    created = {"201": {"description": "Created: the new catalog, disabled", "content": json_content(ref("Catalog"))}}
    paths[f"{v1}/catalogs"] = {
        "get": operation("get_app_catalogs", "List the app's catalogs", TAG,
                         answers(ok(ref("CatalogPage")), 400, 401, 403, 406), [LIST_PAGE, LIST_LIMIT]),
        "post": operation("post_app_catalog", "Create a catalog (disabled, Status = enabled)", TAG,
                          answers(created, 400, 401, 403, 415, 422), request_body=body(ref("CatalogWrite"))),
    }
    paths[f"{v1}/catalogs/{{catalog_id}}"] = {
        "get": operation("get_app_catalog", "Get a catalog", TAG,
                         answers(ok(ref("Catalog")), 401, 403, 404, 406), [CATALOG_ID]),
        "patch": operation("patch_app_catalog", "Rename a catalog (only `name` is read)", TAG,
                           answers(ok(ref("Catalog")), 400, 401, 403, 404, 415, 422), [CATALOG_ID],
                           body(ref("CatalogWrite"))),
        "delete": operation("delete_app_catalog", "Delete a catalog", TAG,
                            answers(DELETED, 401, 403, 404), [CATALOG_ID]),
    }

    def product_answers(page, *errors):
        """The page, or the disabled catalog's 200 with ``error`` (§6.2)."""
        found = answers({"200": {"description": "The page, or `{\"error\": …}` when the catalog is disabled",
                                 "content": json_content({"oneOf": [page, ref("CatalogDisabled")]})}}, *errors)
        found["403"]["description"], found["404"]["description"] = PRODUCTS_403, PRODUCTS_404
        return found

    lists = (("product-uuids", "get_app_catalog_product_uuids", "List the catalog's product UUIDs",
              "CatalogProductUuidPage", True),
             ("products", "get_app_catalog_products", "List the catalog's products", "CatalogProductPage", True),
             ("product-identifiers", "get_app_catalog_product_identifiers",
              "List the catalog's product identifiers (legacy)", "CatalogProductIdentifierPage", False))
    for suffix, operation_id, summary, page, dated in lists:
        parameters = [CATALOG_ID, SEARCH_AFTER, PRODUCTS_LIMIT, *(UPDATED if dated else ())]
        paths[f"{v1}/catalogs/{{catalog_id}}/{suffix}"] = {"get": operation(
            operation_id, summary, TAG, product_answers(ref(page), 400, 401, 403, 404, 406, 422), parameters)}
    paths[f"{v1}/catalogs/{{catalog_id}}/products/{{product_uuid}}"] = {"get": operation(
        "get_app_catalog_product", "Get a product of the catalog", TAG,
        product_answers(ref("CatalogProduct"), 401, 403, 404, 406, 422), [CATALOG_ID, PRODUCT_UUID])}


# --- #10–#14: the product mapping ------------------------------------------------------------

V1 = "/api/rest/v1"
MAPPED_PRODUCT_UUID = path_param("product_uuid", {"type": "string", "description": "the product's UUID"})
ERROR_PAYLOAD = obj({"error": STRING}, ["error"])  # a disabled catalog, or no schema: HTTP 200 (§6.2, §3.8)
MAPPING_SCHEMA = {"type": "object", "description": "a product mapping schema (§7.1)", "properties": {
    "$schema": {"type": "string", "example": "https://api.akeneo.com/mapping/product/1.0.3/schema"},
    "$id": STRING, "$comment": STRING, "title": STRING, "description": STRING,
    "type": {"type": "string", "enum": ["object"]},
    "properties": {"type": "object", "additionalProperties": {"type": "object"}},
    "required": array(STRING),
}}
MAPPED_PRODUCT = {"type": "object", "required": ["uuid"], "properties": {"uuid": STRING},
                  "additionalProperties": {"description": "one key per mapped target holding a value (§7.5)"}}
DATE_PARAM = {"type": "string", "description": "YYYY-MM-DDThh:mm:ss with Z or ±hh:mm, or YYYY-MM-DD (C1)"}
MAPPED_PARAMS = [
    query("limit", {**INTEGER, "minimum": 1, "maximum": 100, "default": 100}, "items per page"),
    query("search_after", {"type": "string", "format": "uuid"}, "the last uuid of the previous page"),
    query("updated_after", DATE_PARAM, "only products updated after (strict; inclusive with updated_before)"),
    query("updated_before", DATE_PARAM, "only products updated before (strict; inclusive with updated_after)"),
]
SEARCH_AFTER_PAGE = obj({"_links": obj({"self": LINK, "first": LINK, "next": LINK}, ["self", "first"]),
                         "_embedded": obj({"items": array(MAPPED_PRODUCT)}, ["items"])}, ["_links", "_embedded"])


def catalog_mapping_paths(paths, operation, responses, ok, deleted, body):
    """Add the mapping schema and mapped products operations to ``paths``."""
    paths[f"{V1}/catalogs/{{catalog_id}}/mapping-schemas/product"] = {
        "put": operation("put_app_catalogs__catalog_id__mapping_schemas_product",
                         "Push the catalog's product mapping schema (200 with the stored schema)", TAG,
                         responses(ok(MAPPING_SCHEMA), 400, 401, 403, 404, 415, 422), [CATALOG_ID],
                         body(MAPPING_SCHEMA)),
        "get": operation("get_app_catalogs__catalog_id__mapping_schemas_product",
                         "Get the catalog's product mapping schema", TAG,
                         responses(ok(MAPPING_SCHEMA), 401, 403, 404, 406), [CATALOG_ID]),
        "delete": operation("delete_app_catalogs__catalog_id__mapping_schemas_product",
                            "Delete the catalog's product mapping schema (and its mapping); 204 even without one",
                            TAG, responses(deleted, 401, 403, 404), [CATALOG_ID]),
    }
    paths[f"{V1}/catalogs/{{catalog_id}}/mapped-products"] = {"get": operation(
        "get_app_catalogs__catalog_id__mapped_products", "List the catalog's products, mapped by its schema", TAG,
        responses(ok({"oneOf": [SEARCH_AFTER_PAGE, ERROR_PAYLOAD]},
                     "A search-after page, or {error} for a disabled catalog or one without schema"),
                  400, 401, 403, 404, 406, 422),
        [CATALOG_ID, *MAPPED_PARAMS])}
    paths[f"{V1}/catalogs/{{catalog_id}}/mapped-products/{{product_uuid}}"] = {"get": operation(
        "get_app_catalogs__catalog_id__mapped_products__product_uuid_", "Get one mapped product of the catalog",
        TAG, responses(ok({"oneOf": [MAPPED_PRODUCT, ERROR_PAYLOAD]},
                          "The mapped product, or {error} for a disabled catalog or one without schema"),
                       401, 403, 404, 406), [CATALOG_ID, MAPPED_PRODUCT_UUID])}

