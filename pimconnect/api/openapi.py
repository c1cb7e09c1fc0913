"""``GET /api/rest/v1/openapi.json``: an OpenAPI 3.0 description of the API as implemented.

The document is built once, from the small helpers below, so that every operation states its
parameters, bodies, success and error answers in the same words. ``tests/test_api_openapi.py``
keeps it equal to the app's routes; ``tests/test_api_contract.py`` fuzzes a live server with it.
Shapes follow the API reference (``rest-api-and-permissions.md``): §2 errors, §4 pagination,
§5 structure resources, §6 products, §7 batch NDJSON.
"""
import copy

from flask import jsonify

from pimconnect.api import bp
from pimconnect.api.core import COLLECTION_TYPE, MAX_BATCH_LINES, MAX_LIMIT, base_url, public_api_view

V1 = "/api/rest/v1"


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema):
    return {**schema, "nullable": True}


def array(items, **extra):
    return {"type": "array", "items": items, **extra}


def obj(properties, required=(), closed=True, **extra):
    """An object schema; ``closed`` forbids properties the reference does not emit."""
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
CODES = array(STRING)
LABELS = {"type": "object", "additionalProperties": STRING, "description": "{locale code: label}"}
DATETIME = {"type": "string", "format": "date-time", "description": "ISO-8601 with offset"}
LINK = obj({"href": STRING}, ["href"])
SELF_LINKS = obj({"self": LINK}, ["self"])

# --- resources (§5, §6) ----------------------------------------------------------------------

CATEGORY = {
    "code": STRING,
    "parent": nullable(STRING),
    "updated": DATETIME,
    "position": {**INTEGER, "minimum": 1, "description": "only with with_position=true"},
    "labels": LABELS,
}
ATTRIBUTE = {
    "code": STRING,
    "type": {"type": "string", "enum": [
        "pim_catalog_identifier", "pim_catalog_text", "pim_catalog_textarea", "pim_catalog_number",
        "pim_catalog_boolean", "pim_catalog_date", "pim_catalog_simpleselect", "pim_catalog_multiselect",
        "pim_catalog_metric", "pim_catalog_price_collection", "pim_catalog_image", "pim_catalog_file"]},
    "group": STRING,
    "group_labels": LABELS,
    "labels": LABELS,
    "sort_order": {**INTEGER, "minimum": 0},
    "localizable": BOOLEAN,
    "scopable": BOOLEAN,
    "unique": BOOLEAN,
    "available_locales": nullable(CODES),
    "useable_as_grid_filter": BOOLEAN,
    "max_characters": nullable(INTEGER),
    "validation_rule": nullable(STRING),
    "validation_regexp": nullable(STRING),
    "wysiwyg_enabled": nullable(BOOLEAN),
    "number_min": nullable(STRING),
    "number_max": nullable(STRING),
    "decimals_allowed": nullable(BOOLEAN),
    "negative_allowed": nullable(BOOLEAN),
    "metric_family": nullable(STRING),
    "default_metric_unit": nullable(STRING),
    "date_min": nullable(STRING),
    "date_max": nullable(STRING),
    "allowed_extensions": nullable(CODES),
    "max_file_size": nullable(STRING),
    "reference_data_name": nullable(STRING),
    "default_value": nullable(BOOLEAN),
    "minimum_input_length": nullable(INTEGER),
}
ATTRIBUTE_OPTION = {"code": STRING, "attribute": STRING, "sort_order": nullable(INTEGER), "labels": LABELS}
ATTRIBUTE_GROUP = {"code": STRING, "sort_order": INTEGER, "attributes": CODES, "labels": LABELS}
FAMILY = {
    "code": STRING,
    "attributes": CODES,
    "attribute_as_label": STRING,
    "attribute_as_image": nullable(STRING),
    "attribute_requirements": {"type": "object", "additionalProperties": CODES,
                               "description": "{channel code: [required attribute codes]}"},
    "labels": LABELS,
}
FAMILY_VARIANT = {
    "code": STRING,
    "labels": LABELS,
    "variant_attribute_sets": array(obj({"level": INTEGER, "axes": CODES, "attributes": CODES},
                                        ["level", "axes", "attributes"])),
}
ASSOCIATION_TYPE = {"code": STRING, "labels": LABELS, "is_quantified": BOOLEAN, "is_two_way": BOOLEAN}
# The reference's PHP serializer writes an empty map as []; accept both spellings.
CONVERSION_UNITS = {"oneOf": [{"type": "object", "additionalProperties": STRING}, array(STRING, maxItems=0)]}
CHANNEL = {
    "code": STRING,
    "currencies": array(STRING, minItems=1),
    "locales": array(STRING, minItems=1),
    "category_tree": STRING,
    "conversion_units": CONVERSION_UNITS,
    "labels": LABELS,
}
ENABLED_CODE = {"code": STRING, "enabled": BOOLEAN}
OPERATION = obj({"operator": {"type": "string", "enum": ["add", "sub", "mul", "div"]}, "value": STRING},
                ["operator", "value"])
UNIT = obj({"code": STRING, "labels": LABELS, "convert_from_standard": array(OPERATION, minItems=1, maxItems=5),
            "symbol": STRING}, ["code", "convert_from_standard"])
MEASUREMENT_FAMILY = {"code": STRING, "labels": LABELS, "standard_unit_code": STRING,
                      "units": {"type": "object", "additionalProperties": UNIT}}
MEDIA_FILE = {
    "code": STRING,
    "original_filename": STRING,
    "mime_type": STRING,
    "size": INTEGER,
    "extension": STRING,
    "_links": obj({"download": LINK}, ["download"]),
}

VALUE = obj({
    "locale": nullable(STRING),
    "scope": nullable(STRING),
    "data": {"nullable": True, "description": "typed by the attribute (§6.3)"},
    "linked_data": {"type": "object", "description": "only with with_attribute_options=true"},
    "_links": obj({"download": LINK}, ["download"]),
}, ["locale", "scope", "data"])
VALUES = {"type": "object", "additionalProperties": array(VALUE)}
ASSOCIATIONS = {"type": "object", "additionalProperties": obj(
    {"groups": CODES, "products": CODES, "product_models": CODES})}
QUANTIFIED = {"type": "object", "additionalProperties": obj({
    "products": array(obj({"uuid": STRING, "identifier": STRING, "quantity": INTEGER}, ["quantity"])),
    "product_models": array(obj({"identifier": STRING, "code": STRING, "quantity": INTEGER}, ["quantity"])),
})}
SCORES = array(obj({"scope": STRING, "locale": STRING, "data": STRING}, ["scope", "locale", "data"]))
COMPLETENESSES = array(obj({"scope": STRING, "locale": STRING, "data": {**INTEGER, "minimum": 0, "maximum": 100}},
                           ["scope", "locale", "data"]))
PRODUCT_COMMON = {
    "enabled": BOOLEAN,
    "family": nullable(STRING),
    "categories": CODES,
    "groups": CODES,
    "parent": nullable(STRING),
    "values": VALUES,
    "created": DATETIME,
    "updated": DATETIME,
    "associations": ASSOCIATIONS,
    "quantified_associations": QUANTIFIED,
    "quality_scores": SCORES,
    "completenesses": COMPLETENESSES,
    "metadata": obj({"workflow_status": {"type": "string", "enum": [
        "read_only", "working_copy", "draft_in_progress", "proposal_waiting_for_approval"]}}),
}
PRODUCT_READ_REQUIRED = ["enabled", "family", "categories", "groups", "parent", "values", "created", "updated",
                         "associations", "quantified_associations"]
# What a client may send: read-only fields (dates, scores, completenesses, metadata) left out.
PRODUCT_WRITE = {k: v for k, v in PRODUCT_COMMON.items()
                 if k not in ("created", "updated", "quality_scores", "completenesses", "metadata")}


def read_schema(properties, required, closed=True, listed=False):
    """The resource as read; list items start with ``_links.self`` (§4.2)."""
    if listed:
        properties = {"_links": SELF_LINKS, **properties}
        required = ["_links", *required]
    return obj(properties, required, closed)


def write_schema(properties, read_only=("updated", "group_labels", "position", "_links")):
    return obj({k: v for k, v in properties.items() if k not in read_only})


SCHEMAS = {
    "Error": obj({
        "code": INTEGER,
        "message": STRING,
        "_links": obj({"documentation": LINK}, ["documentation"]),
        "errors": array(ref("ValidationError")),
    }, ["code", "message"]),
    "ValidationError": obj({"property": STRING, "message": STRING, "attribute": STRING,
                            "locale": nullable(STRING), "scope": nullable(STRING), "currency": STRING},
                           ["message"], closed=False),
    "Category": read_schema(CATEGORY, ["code", "parent", "updated", "labels"]),
    "CategoryItem": read_schema(CATEGORY, ["code", "parent", "updated", "labels"], listed=True),
    "CategoryWrite": write_schema(CATEGORY),
    "Attribute": read_schema(ATTRIBUTE, ["code", "type", "group"], closed=False),
    "AttributeItem": read_schema(ATTRIBUTE, ["code", "type", "group"], closed=False, listed=True),
    "AttributeWrite": write_schema(ATTRIBUTE),
    "AttributeOption": read_schema(ATTRIBUTE_OPTION, ["code", "attribute", "sort_order", "labels"]),
    "AttributeOptionItem": read_schema(ATTRIBUTE_OPTION, ["code", "attribute", "sort_order", "labels"], listed=True),
    "AttributeOptionWrite": write_schema(ATTRIBUTE_OPTION),
    "AttributeGroup": read_schema(ATTRIBUTE_GROUP, ["code", "sort_order", "attributes", "labels"]),
    "AttributeGroupItem": read_schema(ATTRIBUTE_GROUP, ["code", "sort_order", "attributes", "labels"], listed=True),
    "AttributeGroupWrite": write_schema(ATTRIBUTE_GROUP),
    "Family": read_schema(FAMILY, list(FAMILY)),
    "FamilyItem": read_schema(FAMILY, list(FAMILY), listed=True),
    "FamilyWrite": write_schema(FAMILY),
    "FamilyVariant": read_schema(FAMILY_VARIANT, list(FAMILY_VARIANT)),
    "FamilyVariantItem": read_schema(FAMILY_VARIANT, list(FAMILY_VARIANT), listed=True),
    "AssociationType": read_schema(ASSOCIATION_TYPE, ["code", "labels"]),
    "AssociationTypeItem": read_schema(ASSOCIATION_TYPE, ["code", "labels"], listed=True),
    "AssociationTypeWrite": write_schema(ASSOCIATION_TYPE),
    "Channel": read_schema(CHANNEL, list(CHANNEL)),
    "ChannelItem": read_schema(CHANNEL, list(CHANNEL), listed=True),
    "ChannelWrite": write_schema(CHANNEL),
    "Locale": read_schema(ENABLED_CODE, ["code", "enabled"]),
    "LocaleItem": read_schema(ENABLED_CODE, ["code", "enabled"], listed=True),
    "Currency": read_schema(ENABLED_CODE, ["code", "enabled"]),
    "CurrencyItem": read_schema(ENABLED_CODE, ["code", "enabled"], listed=True),
    "MeasurementFamily": read_schema(MEASUREMENT_FAMILY, ["code", "labels", "standard_unit_code", "units"]),
    "MediaFile": read_schema(MEDIA_FILE, ["code", "original_filename", "mime_type", "size", "extension", "_links"]),
    "MediaFileItem": obj({**MEDIA_FILE, "_links": obj({"self": LINK, "download": LINK}, ["self", "download"])},
                         ["code", "original_filename", "mime_type", "size", "extension", "_links"]),
    "ProductUuid": read_schema({"uuid": {"type": "string", "format": "uuid"}, **PRODUCT_COMMON},
                               ["uuid", *PRODUCT_READ_REQUIRED]),
    "ProductUuidItem": read_schema({"uuid": {"type": "string", "format": "uuid"}, **PRODUCT_COMMON},
                                   ["uuid", *PRODUCT_READ_REQUIRED], listed=True),
    "ProductUuidWrite": obj({"uuid": {"type": "string", "format": "uuid"}, **PRODUCT_WRITE}),
    "Product": read_schema({"identifier": STRING, **PRODUCT_COMMON}, ["identifier", *PRODUCT_READ_REQUIRED]),
    "ProductItem": read_schema({"identifier": STRING, **PRODUCT_COMMON}, ["identifier", *PRODUCT_READ_REQUIRED],
                               listed=True),
    "ProductWrite": obj({"identifier": STRING, **PRODUCT_WRITE}),
    "TokenRequest": obj({
        "grant_type": {"type": "string", "enum": ["password", "refresh_token"]},
        "username": STRING,
        "password": STRING,
        "refresh_token": STRING,
    }, ["grant_type"]),
    "RevocationRequest": obj({
        "token": STRING,
        "token_type_hint": STRING,
    }, ["token"]),
    "OAuthError": obj({"error": STRING}, ["error"]),
    "TokenResponse": obj({
        "access_token": STRING,
        "expires_in": INTEGER,
        "token_type": {"type": "string", "enum": ["bearer"]},
        "scope": nullable(STRING),
        "refresh_token": STRING,
    }, ["access_token", "expires_in", "token_type", "scope", "refresh_token"]),
}


def batch_line(key):
    """One NDJSON result line of a collection PATCH (§7); error lines of uuid/identifier
    resources also carry ``code`` (the status), as the reference's 7.0 tests show."""
    properties = {
        "line": {**INTEGER, "minimum": 1},
        key: STRING,
        "status_code": INTEGER,
        "message": STRING,
        "errors": array(ref("ValidationError")),
        "_links": obj({"documentation": LINK}, ["documentation"]),
    }
    if key != "code":
        properties["code"] = INTEGER
    return obj(properties, ["line", "status_code"])


for _key in ("code", "uuid", "identifier"):
    SCHEMAS[f"BatchLineBy{_key.capitalize()}"] = batch_line(_key)
SCHEMAS["MeasurementFamilyResult"] = obj({
    "code": {"description": "the code as sent (any JSON value when it was not a string)"}, "status_code": INTEGER, "message": STRING, "errors": array(ref("ValidationError")),
}, ["code", "status_code"])


def page_schema(item, search_after=False):
    """An offset page (§4.2); with ``search_after``, either that or a search-after page (§4.3),
    which has no ``current_page``, ``items_count`` or ``previous`` link."""
    embedded = obj({"items": array(ref(item))}, ["items"])
    offset = obj({
        "_links": obj({"self": LINK, "first": LINK, "previous": LINK, "next": LINK}, ["self", "first"]),
        "current_page": {**INTEGER, "minimum": 1},
        "items_count": {**INTEGER, "minimum": 0},
        "_embedded": embedded,
    }, ["_links", "current_page", "_embedded"])
    if not search_after:
        return offset
    after = obj({"_links": obj({"self": LINK, "first": LINK, "next": LINK}, ["self", "first"]),
                 "_embedded": embedded}, ["_links", "_embedded"])
    return {"oneOf": [offset, after]}


# --- parameters ------------------------------------------------------------------------------

def query(name, schema, description):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def path_param(name, schema=STRING):
    return {"name": name, "in": "path", "required": True, "schema": schema}


PAGE = query("page", {**INTEGER, "minimum": 1, "default": 1}, "page number (offset pagination)")
LIMIT = query("limit", {**INTEGER, "minimum": 1, "maximum": MAX_LIMIT, "default": 10}, "items per page")
WITH_COUNT = query("with_count", {**BOOLEAN, "default": False}, "adds items_count (offset pagination only)")
SEARCH = query("search", STRING, 'JSON filters, e.g. {"code":[{"operator":"IN","value":["a"]}]}')
PAGINATION_TYPE = query("pagination_type", {"type": "string", "enum": ["page", "search_after"], "default": "page"},
                        "search_after is only supported by product lists")
LIST_PARAMS = [PAGE, LIMIT, WITH_COUNT, SEARCH, PAGINATION_TYPE]
PRODUCT_FLAGS = [query(name, {**BOOLEAN, "default": False}, description) for name, description in (
    ("with_attribute_options", "adds linked_data to select values"),
    ("with_quality_scores", "adds quality_scores"),
    ("with_completenesses", "adds completenesses"),
)]
PRODUCT_LIST_PARAMS = [
    PAGE, LIMIT, WITH_COUNT, SEARCH, PAGINATION_TYPE,
    query("search_after", STRING, "opaque cursor taken from a next link"),
    query("search_locale", STRING, "default locale of the search criteria"),
    query("search_scope", STRING, "default channel of the search criteria"),
    query("scope", STRING, "one channel: its values only, and products of its category tree"),
    query("locales", STRING, "comma-separated locale codes"),
    query("attributes", STRING, "comma-separated attribute codes"),
    *PRODUCT_FLAGS,
]
SCHEMAS["ProductSearch"] = obj({
    **{p["name"]: p["schema"] for p in PRODUCT_LIST_PARAMS},
    "search": {"oneOf": [STRING, {"type": "object"}], "description": "the filters, as an object or its JSON"},
    "locales": {"oneOf": [STRING, CODES]},
    "attributes": {"oneOf": [STRING, CODES]},
})

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
        401, 403, 413, 415,
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
    if key == "uuid":  # SaaS: the list's parameters in a JSON body, for searches too long for a URL
        paths[f"{collection}/search"] = {"post": operation(
            f"post_{ops}_search", "List products, parameters in the body", "Products",
            responses(ok(page_schema(f"{name}Item", search_after=True)), *WRITE_ERRORS),
            request_body=body(ref("ProductSearch")))}
    paths[item_path] = {
        "get": operation(f"get_{ops}__{item_param}_", "Get a product", "Products",
                         responses(ok(ref(name)), *READ_ERRORS, 404, 422), [*single, *PRODUCT_FLAGS]),
        "patch": operation(f"patch_{ops}__{item_param}_", "Create or update a product", "Products",
                           responses(UPSERTED, *WRITE_ERRORS, 404), single, body(ref(f"{name}Write"))),
        "delete": operation(f"delete_{ops}__{item_param}_", "Delete a product", "Products",
                            responses(DELETED, 401, 403, 404), single),
    }


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
