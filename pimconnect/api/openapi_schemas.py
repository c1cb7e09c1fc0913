"""The vocabulary of the OpenAPI document (``api/openapi.py``): schema helpers, the component schemas
of every resource as read and as written, error bodies, pages and batch lines, and the query and path
parameters. Shapes follow the API reference (``rest-api-and-permissions.md``): §2 errors, §4
pagination, §5 structure resources, §6 products, §7 batch NDJSON.
"""
from pimconnect.api.params import MAX_LIMIT


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
SEARCH_QUERY_PARAMS = [p for p in PRODUCT_LIST_PARAMS
                       if p["name"] in ("pagination_type", "page", "search_after", "limit", "with_count")]
SCHEMAS["ProductSearch"] = obj({
    **{p["name"]: p["schema"] for p in PRODUCT_LIST_PARAMS},
    "search": {"oneOf": [STRING, {"type": "object"}], "description": "the filters, as an object or its JSON"},
    "locales": {"oneOf": [STRING, CODES]},
    "attributes": {"oneOf": [STRING, CODES]},
})
