"""The catalog endpoints of the OpenAPI document (catalogs-for-apps.md §3): their schemas, parameters
and operations, added to the document by ``openapi.build_document`` through ``catalog_paths``.

The helpers of ``openapi`` are imported when ``catalog_paths`` runs (``openapi`` builds its document
while it is being imported, and calls this module then).
"""
from pimconnect.api.openapi_schemas import BOOLEAN, INTEGER, LINK, SCHEMAS, STRING, array, obj, query, ref

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

LIST_PAGE = query("page", {**INTEGER, "minimum": 1, "default": 1}, "page number")
LIST_LIMIT = query("limit", {**INTEGER, "minimum": 1, "maximum": 100, "default": 100}, "items per page")
CATALOG_ID = {"name": "catalog_id", "in": "path", "required": True, "schema": STRING,
              "description": "the catalog's UUID (any other value answers 404)"}
TAG = "Catalogs"
DESCRIPTIONS = {
    400: "`page` or `limit` out of range (bare `Bad Request`), or a body that is not a JSON object "
         "(`Invalid json message received`)",
    403: "Overall API access or the catalog ACL is missing (`Access forbidden. You are not allowed to access / "
         "edit / delete app catalogs.`)",
    404: "`Catalog \"<id>\" does not exist or you can't access it.` (another app's catalog, or no such catalog)",
    415: "`Content-Type` that is not application/json (a body without one is read as JSON)",
    422: "`Validation failed.` with `errors` (name blank or over 255 characters, `You can create up to 200 "
         "catalogs`)",
}


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
