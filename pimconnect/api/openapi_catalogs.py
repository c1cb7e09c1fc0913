"""The OpenAPI operations of the catalogs-for-apps endpoints (catalogs-for-apps.md §3.1 #10–#14),
added to the document ``openapi.build_document`` builds (with its helpers, imported when it runs)."""
from pimconnect.api.openapi_schemas import INTEGER, LINK, STRING, array, obj, path_param, query

V1 = "/api/rest/v1"
TAG = "Catalogs"
CATALOG_ID = path_param("catalog_id", {"type": "string", "description": "the catalog's UUID"})
PRODUCT_UUID = path_param("product_uuid", {"type": "string", "description": "the product's UUID"})
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
                       401, 403, 404, 406), [CATALOG_ID, PRODUCT_UUID])}

