"""``GET /api/rest/v1/openapi.json``: an OpenAPI 3.0 description of the API as implemented.

The document is built once, from the small helpers below and the schemas and parameters of
``openapi_schemas``, so that every operation states its parameters, bodies, success and error answers
in the same words. ``tests/test_api_openapi.py`` keeps it equal to the app's routes;
``tests/test_api_contract.py`` fuzzes a live server with it.
"""
import copy

from flask import jsonify

from pimconnect.api import bp
from pimconnect.api.bodies import COLLECTION_TYPE, MAX_BATCH_LINES
from pimconnect.api.core import public_api_view
from pimconnect.api.openapi_schemas import (
    BOOLEAN,
    LIMIT,
    LIST_PARAMS,
    MEASUREMENT_FAMILY,
    PAGE,
    PRODUCT_FLAGS,
    PRODUCT_LIST_PARAMS,
    SCHEMAS,
    SEARCH_QUERY_PARAMS,
    STRING,
    WITH_COUNT,
    array,
    obj,
    page_schema,
    path_param,
    query,
    ref,
    write_schema,
)
from pimconnect.api.responses import base_url

V1 = "/api/rest/v1"


# --- responses -------------------------------------------------------------------------------

ERROR_DESCRIPTIONS = {
    400: "Malformed JSON body (`Invalid json message received`) or `search` that is not JSON",
    401: "No, invalid or expired token (`Authentication is required`, `The access token provided is invalid.`)",
    403: "Overall API access or the endpoint's ACL is missing (`Access forbidden. You are not allowed to …`)",
    404: "`<Entity> \"<code>\" does not exist.`, or no such route",
    406: "`Accept` does not allow application/json",
    413: "More than 100 lines (`Too many resources to process, 100 is the maximum allowed.`)",
    415: "`Content-Type` missing or not the one this operation takes",
    422: "Validation or query-parameter error (plain, documented with `_links`, or `Validation failed.` + errors)",
    429: "Too many failed token requests (`Retry-After` header)",
}


def json_content(schema, media_type="application/json"):
    return {media_type: {"schema": schema}}


def responses(success, *errors):
    answers = dict(success)
    for status in errors:
        answers[str(status)] = {"description": ERROR_DESCRIPTIONS[status], "content": json_content(ref("Error"))}
    return answers


def ok(schema, description="OK"):
    return {"200": {"description": description, "content": json_content(schema)}}


LOCATION = {"Location": {"description": "absolute URL of the resource", "schema": STRING}}
CREATED = {"201": {"description": "Created (empty body)", "headers": LOCATION}}
UPSERTED = {**CREATED, "204": {"description": "Updated (empty body)", "headers": LOCATION}}
DELETED = {"204": {"description": "Deleted (empty body)"}}
READ_ERRORS = (401, 403, 406)
WRITE_ERRORS = (400, 401, 403, 415, 422)


def body(schema, media_type="application/json"):
    return {"required": True, "content": json_content(schema, media_type)}


def operation(operation_id, summary, tag, answers, parameters=(), request_body=None, security=None):
    op = {"operationId": operation_id, "summary": summary, "tags": [tag], "responses": answers}
    if parameters:
        op["parameters"] = list(parameters)
    if request_body is not None:
        op["requestBody"] = request_body
    if security is not None:
        op["security"] = security
    return op


def batch_patch(operation_id, summary, tag, item_write, key):
    """The collection PATCH (§7): NDJSON in, NDJSON out (one result per line, ≤ 100 lines)."""
    line = {"allOf": [ref(item_write), {"required": [key]}]}
    return operation(operation_id, summary, tag, responses(
        {"200": {"description": "One result per input line (NDJSON, in order)",
                 "content": json_content(array(ref(f"BatchLineBy{key.capitalize()}")), COLLECTION_TYPE)}},
        # 400: a body that is no UTF-8 cannot be split into lines and is refused as a whole, as is a
        # product batch holding a line the decoder cannot take (limits.body_text, product_writes.batch).
        400, 401, 403, 413, 415,
    ), request_body={"required": True, "description": "one JSON object per line (NDJSON), at most "
                                                       f"{MAX_BATCH_LINES} lines",
                     "content": json_content(array(line, maxItems=MAX_BATCH_LINES), COLLECTION_TYPE)})


def structure_resource(paths, collection, item_param, name, tag, ops, list_params=LIST_PARAMS,
                       extra_get_params=(), parent_params=()):
    """The five operations of a catalog-structure resource (§5.1): list, create, batch upsert,
    get and upsert; ``ops`` holds the operationId stem (``categories`` → ``get_categories``…)."""
    item_path = f"{collection}/{{{item_param}}}"
    parents = list(parent_params)
    item_params = [*parents, path_param(item_param)]
    list_errors = (400, *READ_ERRORS, 422) + ((404,) if parents else ())
    paths[collection] = {
        "get": operation(f"get_{ops}", f"List {tag.lower()}", tag,
                         responses(ok(page_schema(f"{name}Item")), *list_errors),
                         [*parents, *list_params]),
        "post": operation(f"post_{ops}", f"Create a {name}", tag,
                          responses(CREATED, *WRITE_ERRORS, *((404,) if parents else ())),
                          parents, body(ref(f"{name}Write"))),
        "patch": {**batch_patch(f"patch_{ops}", f"Create or update several {tag.lower()}", tag, f"{name}Write",
                                "code"), **({"parameters": parents} if parents else {})},
    }
    paths[item_path] = {
        "get": operation(f"get_{ops}__code_", f"Get a {name}", tag,
                         responses(ok(ref(name)), *READ_ERRORS, 404), [*item_params, *extra_get_params]),
        "patch": operation(f"patch_{ops}__code_", f"Create or update a {name}", tag,
                           responses(UPSERTED, *WRITE_ERRORS, 404), item_params, body(ref(f"{name}Write"))),
    }
    if parents:  # the batch PATCH error lists 404 too (unknown parent)
        paths[collection]["patch"]["responses"]["404"] = responses({}, 404)["404"]


def product_paths(paths, collection, key, name, ops):
    """The products endpoints keyed by ``uuid`` (§6.1) or by ``identifier`` (legacy)."""
    item_param = "uuid" if key == "uuid" else "code"
    item_path = f"{collection}/{{{item_param}}}"
    item_schema = {"type": "string", "format": "uuid"} if key == "uuid" else STRING
    single = [path_param(item_param, item_schema)]
    paths[collection] = {
        "get": operation(f"get_{ops}", "List products", "Products",
                         responses(ok(page_schema(f"{name}Item", search_after=True)), 400, *READ_ERRORS, 422),
                         PRODUCT_LIST_PARAMS),
        "post": operation(f"post_{ops}", "Create a product", "Products", responses(CREATED, *WRITE_ERRORS),
                          request_body=body(ref(f"{name}Write"))),
        "patch": batch_patch(f"patch_{ops}", "Create or update several products", "Products", f"{name}Write", key),
    }
    # SaaS: the list's parameters in a JSON body, for searches too long for a URL; pagination in the query
    paths[f"{collection}/search"] = {"post": operation(
        f"post_{ops}_search", "List products, parameters in the body", "Products",
        responses(ok(page_schema(f"{name}Item", search_after=True)), *WRITE_ERRORS), SEARCH_QUERY_PARAMS,
        request_body=body(ref("ProductSearch")))}
    paths[item_path] = {
        "get": operation(f"get_{ops}__{item_param}_", "Get a product", "Products",
                         responses(ok(ref(name)), *READ_ERRORS, 404, 422), [*single, *PRODUCT_FLAGS]),
        "patch": operation(f"patch_{ops}__{item_param}_", "Create or update a product", "Products",
                           responses(UPSERTED, *WRITE_ERRORS, 404), single, body(ref(f"{name}Write"))),
        "delete": operation(f"delete_{ops}__{item_param}_", "Delete a product", "Products",
                            responses(DELETED, 401, 403, 404), single),
    }
    draft_paths(paths, item_path, item_param, name, single)


def draft_paths(paths, item_path, item_param, name, single):
    """An editor's draft and its submission (EE, §9.5); the legacy route wants a JSON body, the uuid one ignores it."""
    stem = item_path.removeprefix(f"{V1}/").replace("-", "_").replace("/{", "__").replace("}", "_")
    paths[f"{item_path}/draft"] = {"get": operation(
        f"get_{stem}_draft", "Get the reader's draft of a product (its changes applied)", "Drafts and proposals",
        responses(ok(ref(name)), *READ_ERRORS, 404), single)}
    legacy = item_param != "uuid"
    paths[f"{item_path}/proposal"] = {"post": operation(
        f"post_{stem}_proposal", "Send the reader's draft for approval", "Drafts and proposals",
        responses({"201": {"description": "Sent (empty body); the product's owners are notified"}},
                  *((400,) if legacy else ()), 401, 403, 404, 415, 422),
        single, {"required": legacy, "content": json_content(obj({}, closed=False))})}


def build_document():
    paths = {}
    public = []
    paths[V1] = {"get": operation("get_endpoints", "The route list", "Discovery", ok(obj({
        "host": STRING,
        "authentication": {"type": "object"},
        "routes": {"type": "object", "additionalProperties": obj(
            {"route": STRING, "methods": array(STRING)}, ["route", "methods"])},
    }, ["host", "authentication", "routes"])) | responses({}, 406), security=public)}
    paths[f"{V1}/system-information"] = {"get": operation(
        "get_system_information", "Version and edition", "Discovery",
        ok(obj({"version": STRING, "edition": {"type": "string", "enum": ["CE", "EE"]}}, ["version", "edition"]))
        | responses({}, 406), security=public)}
    paths[f"{V1}/openapi.json"] = {"get": operation(
        "get_openapi", "This document", "Discovery",
        ok({"type": "object", "required": ["openapi", "paths"]}) | responses({}, 406), security=public)}
    paths["/api/oauth/v1/token"] = {"post": operation(
        "post_token", "Get a token (password grant) or renew it (refresh grant)", "Authentication",
        responses({"200": {"description": "A new access token and refresh token",
                           "headers": {"Cache-Control": {"schema": STRING}},
                           "content": json_content(ref("TokenResponse"))}}, 400, 422, 429),
        request_body={"required": True, "content": {
            **json_content(ref("TokenRequest")),
            **json_content(ref("TokenRequest"), "application/x-www-form-urlencoded"),
        }},
        security=[{"basicAuth": []}])}
    revocation_error = json_content(ref("OAuthError"))
    paths["/api/oauth/v1/revoke"] = {"post": operation(
        "post_revoke", "Revoke a token (RFC 7009); a refresh token takes its family along", "Authentication",
        {"200": {"description": "Revoked, or not a token of this client (RFC 7009 §2.2): an empty object",
                 "content": json_content(obj({}))},
         "400": {"description": "No `token`, a body that does not parse, or no client credentials "
                                "(`invalid_request`, `invalid_client`)", "content": revocation_error},
         "401": {"description": "Wrong HTTP Basic credentials (`invalid_client`)", "content": revocation_error},
         "429": {"description": "Too many failed client authentications (`Retry-After` header)",
                 "content": revocation_error}},
        request_body={"required": True, "content": {
            **json_content(ref("RevocationRequest"), "application/x-www-form-urlencoded"),
            **json_content(ref("RevocationRequest")),
        }},
        security=[{"basicAuth": []}])}

    for kind in ("locales", "currencies"):
        name = "Locale" if kind == "locales" else "Currency"
        paths[f"{V1}/{kind}"] = {"get": operation(
            f"get_{kind}", f"List {kind}", name, responses(ok(page_schema(f"{name}Item")), 400, *READ_ERRORS, 422),
            LIST_PARAMS)}
        paths[f"{V1}/{kind}/{{code}}"] = {"get": operation(
            f"get_{kind}__code_", f"Get a {kind[:-1]}", name, responses(ok(ref(name)), *READ_ERRORS, 404),
            [path_param("code")])}

    structure_resource(paths, f"{V1}/categories", "code", "Category", "Categories", "categories",
                       extra_get_params=[query("with_position", {**BOOLEAN, "default": False}, "adds position")],
                       list_params=[*LIST_PARAMS, query("with_position", {**BOOLEAN, "default": False},
                                                        "adds position")])
    structure_resource(paths, f"{V1}/attributes", "code", "Attribute", "Attributes", "attributes")
    structure_resource(paths, f"{V1}/attributes/{{attribute_code}}/options", "code", "AttributeOption",
                       "Attribute options", "attributes__attribute_code__options",
                       parent_params=[path_param("attribute_code")])
    structure_resource(paths, f"{V1}/attribute-groups", "code", "AttributeGroup", "Attribute groups",
                       "attribute_groups")
    structure_resource(paths, f"{V1}/families", "code", "Family", "Families", "families")
    family = [path_param("family_code")]
    paths[f"{V1}/families/{{family_code}}/variants"] = {"get": operation(
        "get_families__family_code__variants", "List a family's variants (none: no product models)", "Families",
        responses(ok(page_schema("FamilyVariantItem")), 400, *READ_ERRORS, 404, 422), [*family, *LIST_PARAMS])}
    paths[f"{V1}/families/{{family_code}}/variants/{{code}}"] = {"get": operation(
        "get_families__family_code__variants__code_", "Get a family variant", "Families",
        responses(ok(ref("FamilyVariant")), *READ_ERRORS, 404), [*family, path_param("code")])}
    structure_resource(paths, f"{V1}/association-types", "code", "AssociationType", "Association types",
                       "association_types")
    structure_resource(paths, f"{V1}/channels", "code", "Channel", "Channels", "channels")

    paths[f"{V1}/measurement-families"] = {
        "get": operation("get_measurement_families", "All measurement families (not paginated)",
                         "Measurement families", responses(ok(array(ref("MeasurementFamily"))), *READ_ERRORS)),
        "patch": operation("patch_measurement_families", "Create or update measurement families",
                           "Measurement families",
                           responses(ok(array(ref("MeasurementFamilyResult")), "One result per family, in order"),
                                     *WRITE_ERRORS, 413),
                           request_body=body(array(write_schema(MEASUREMENT_FAMILY), maxItems=100))),
    }

    product_paths(paths, f"{V1}/products-uuid", "uuid", "ProductUuid", "products_uuid")
    product_paths(paths, f"{V1}/products", "identifier", "Product", "products")

    paths[f"{V1}/media-files"] = {
        "get": operation("get_media_files", "List media files", "Media files",
                         responses(ok(page_schema("MediaFileItem")), *READ_ERRORS, 422), [PAGE, LIMIT, WITH_COUNT]),
        "post": operation("post_media_files", "Upload a media file (for a product value)", "Media files",
                          responses(CREATED, *WRITE_ERRORS, 404), request_body={"required": True, "content": {
                              "multipart/form-data": {"schema": obj({
                                  "product": {"type": "string", "description": 'JSON: {"identifier"|"uuid", '
                                              '"attribute", "locale", "scope"}'},
                                  "product_model": {"type": "string", "description": 'JSON: {"code", '
                                                    '"attribute", "locale", "scope"}'},
                                  "file": {"type": "string", "format": "binary"},
                              }, ["file"])}}}),
    }
    paths[f"{V1}/media-files/{{code}}"] = {"get": operation(
        "get_media_files__code_", "Get a media file", "Media files",
        responses(ok(ref("MediaFile")), *READ_ERRORS, 404), [path_param("code")])}
    paths[f"{V1}/media-files/{{code}}/download"] = {"get": operation(
        "get_media_files__code__download", "Download a media file", "Media files",
        responses({"200": {"description": "The file, as an attachment, with its stored media type",
                           "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}},
                  *READ_ERRORS, 404), [path_param("code")])}

    test_app = obj({"client_id": STRING, "name": STRING, "activate_url": STRING, "callback_url": STRING},
                   ["client_id", "name", "activate_url", "callback_url"])
    custom_app_errors = {"422": {"description": "Invalid name or URL, or the custom apps limit (propertyPath \"\")",
                                 "content": json_content(obj({"errors": array(obj(
                                     {"propertyPath": STRING, "message": STRING}, ["propertyPath", "message"]))},
                                     ["errors"]))}}
    paths[f"{V1}/test-apps"] = {
        "get": operation("get_test_apps", "The custom apps the calling user created", "Custom apps",
                         responses(ok(array(test_app)), *READ_ERRORS)),
        "post": operation("post_test_apps", "Create a custom app (its secret is shown once)", "Custom apps",
                          responses({"201": {"description": "Created", "content": json_content(obj(
                              {"client_id": STRING, "client_secret": STRING}, ["client_id", "client_secret"]))}},
                              400, 401, 403, 415) | custom_app_errors,
                          request_body=body(obj({"name": STRING, "activate_url": STRING, "callback_url": STRING},
                                                closed=False))),
    }
    paths[f"{V1}/test-apps/{{client_id}}"] = {"delete": operation(
        "delete_test_apps__client_id_", "Delete a custom app (and disconnect it)", "Custom apps",
        responses(DELETED, 401, 403, 404), [path_param("client_id")])}

    from pimconnect.api.openapi_catalogs import catalog_mapping_paths, catalog_paths  # helpers given: no cycle

    catalog_paths(paths, V1)
    catalog_mapping_paths(paths, operation, responses, ok, DELETED, body)

    return {
        "openapi": "3.0.3",
        "info": {"title": "PIM Connect REST API", "version": "v1",
                 "description": "The subset of Akeneo PIM's REST API v1 that PIM Connect implements."},
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "access_token from POST /api/oauth/v1/token"},
                "basicAuth": {"type": "http", "scheme": "basic", "description": "client_id:secret of a connection"},
            },
        },
        "security": [{"bearerAuth": []}],
    }


DOCUMENT = build_document()


def document(server_url=None):
    """The document with ``servers`` pointing at ``server_url`` (default: the PIM's address)."""
    served = copy.copy(DOCUMENT)
    served["servers"] = [{"url": server_url or base_url()}]
    return served


@bp.get("/openapi.json")
@public_api_view
def openapi_document():
    return jsonify(document())
