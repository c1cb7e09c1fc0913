"""The product mapping schema an app pushes (catalogs-for-apps.md §3.7, §7.1, corrections C3/C4): is
it acceptable, and what storing it does to the catalog's mapping.

A schema names its meta-schema by ``$schema``; every published version is accepted (C3) and checked
with the flat-products rules common to them all: 0.0.x targets are strings, numbers, booleans and
arrays of strings; from 0.1.0 a target may also be a price object, or an array of them. The
products-with-variants mode and localized ``{locale, value}`` targets of 1.0.x are refused as an
invalid schema until PIM Connect has those features. At most 600 targets (C4).

The reference validates with a JSON-Schema library and only reports *that* the schema is invalid,
so these checks answer a message, never where the problem is.
"""
import re

from pimconnect.db import write_txn
from pimconnect.models.structure import utcnow

SCHEMA_URL = re.compile(r"^https://api\.akeneo\.com/mapping/product/(\d+\.\d+\.\d+)/schema$")
VERSIONS = frozenset([f"0.0.{n}" for n in range(1, 14)] + ["0.1.0", "0.2.0", "0.3.0"]
                     + [f"1.0.{n}" for n in range(0, 5)])
ID = re.compile(r"^[^#]*#?$")
MAX_TARGETS = 600  # C4: the current guide's limit (the UI slows down beyond 200)

MISSING_REFERENCE = "You must provide a $schema reference."
INVALID_REFERENCE = "You must provide a valid $schema reference."
INVALID_SCHEMA = "You must provide a valid schema."

TOP_KEYS = {"$id", "$schema", "$comment", "$defs", "title", "description", "type", "properties", "required"}
TARGET_KEYS = {"title", "description", "type", "format", "items", "minLength", "maxLength", "pattern", "minimum",
               "maximum", "enum", "properties", "required"}
# keyword -> the target types it may appear on (the meta-schemas' dependentSchemas)
TYPED_KEYWORDS = {"format": ("string",), "items": ("array",), "minLength": ("string",), "maxLength": ("string",),
                  "pattern": ("string",), "minimum": ("number",), "maximum": ("number",), "properties": ("object",)}
UUID_KEYS = {"title", "description", "type"}


def schema_problem(schema):
    """The 422 message refusing ``schema`` (a decoded JSON document), or None when it is acceptable."""
    if not isinstance(schema, dict) or "$schema" not in schema:
        return MISSING_REFERENCE
    found = SCHEMA_URL.match(schema["$schema"]) if isinstance(schema["$schema"], str) else None
    if found is None or found.group(1) not in VERSIONS:
        return INVALID_REFERENCE
    version = tuple(int(part) for part in found.group(1).split("."))
    return None if _valid(schema, version) else INVALID_SCHEMA


def _valid(schema, version):
    prices = version >= (0, 1, 0)
    if set(schema) - TOP_KEYS:
        return False
    if "type" in schema and schema["type"] != "object" or version >= (1, 0, 0) and "type" not in schema:
        return False
    if not all(isinstance(schema.get(key, ""), str) for key in ("$comment", "title", "description")):
        return False
    if "$id" in schema and isinstance(schema["$id"], str) and not ID.match(schema["$id"]):
        return False  # "Non-empty fragments not allowed."
    defs = schema.get("$defs", {})
    if not isinstance(defs, dict) or not all(_target(t, prices) for t in defs.values()):
        return False
    targets = schema.get("properties")
    if not isinstance(targets, dict) or not 0 < len(targets) <= MAX_TARGETS or not _uuid_target(targets.get("uuid")):
        return False
    if not all(_target(target, prices) for code, target in targets.items() if code != "uuid"):
        return False
    return "required" not in schema or _code_list(schema["required"], minimum=1)


def _code_list(value, minimum=0):
    return (isinstance(value, list) and len(value) >= minimum and all(isinstance(v, str) for v in value)
            and len(set(value)) == len(value))


def _uuid_target(target):
    return (isinstance(target, dict) and not set(target) - UUID_KEYS and target.get("type") == "string"
            and all(isinstance(target.get(key, ""), str) for key in ("title", "description")))


def _target(target, prices):
    """One target (``properties.<code>``) against the flat-products rules."""
    if not isinstance(target, dict) or set(target) - TARGET_KEYS:
        return False
    kind = target.get("type")
    if kind not in ("string", "number", "boolean", "array") + (("object",) if prices else ()):
        return False
    if any(key in target and kind not in kinds for key, kinds in TYPED_KEYWORDS.items()):
        return False
    if not all(isinstance(target.get(key, ""), str) for key in ("title", "description", "pattern")):
        return False
    if target.get("format", "uri") not in ("date-time", "uri") or not _regex(target.get("pattern", "")):
        return False
    if not all(_count(target[key]) for key in ("minLength", "maxLength") if key in target):
        return False
    if not all(_number(target[key]) for key in ("minimum", "maximum") if key in target):
        return False
    if "enum" in target and not _enum(target["enum"], kind):
        return False
    if "required" in target and not _code_list(target["required"]) and kind != "object":
        return False
    if kind == "array":
        return _items(target.get("items"), prices)
    if kind == "object":
        return _price(target)
    return True


def _regex(pattern):
    """Whether ``pattern`` is a regular expression (``format: regex``; Python's syntax stands in for
    ECMA-262's, which it mostly shares)."""
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _enum(values, kind):
    if not isinstance(values, list):
        return False
    if kind == "string":
        return all(isinstance(v, str) for v in values)
    if kind == "number":
        return all(_number(v) for v in values)
    return True


def _items(items, prices):
    """An array target's ``items``: strings (with ``format: uri`` or an ``enum``), or price objects."""
    if not isinstance(items, dict):
        return False
    kind = items.get("type")
    if kind == "string":
        return (not {"properties", "required"} & set(items) and items.get("format", "uri") == "uri"
                and ("enum" not in items or _enum(items["enum"], "string")))
    return kind == "object" and prices and "format" not in items and "enum" not in items and _price(items)


def _price(target):
    """A price object: ``amount`` (number) and ``currency`` (string, optional enum), both required."""
    properties, required = target.get("properties"), target.get("required")
    if not isinstance(properties, dict) or set(properties) != {"amount", "currency"}:
        return False
    amount, currency = properties["amount"], properties["currency"]
    if not (isinstance(amount, dict) and amount.get("type") == "number"):
        return False
    if not (isinstance(currency, dict) and currency.get("type") == "string"):
        return False
    if "enum" in currency and not _enum(currency["enum"], "string"):
        return False
    return isinstance(required, list) and sorted(required) == ["amount", "currency"]


# --- what storing a schema does ----------------------------------------------------------------

def unmapped(target):
    """A new target's source association: ``uuid`` maps itself, any other waits for a PIM user."""
    return {"source": "uuid" if target == "uuid" else None, "scope": None, "locale": None}


def synchronized_mapping(mapping, schema):
    """The mapping re-synchronised with the schema's targets (§3.7): existing targets keep their
    configuration, new ones are unmapped, targets no longer in the schema are dropped; in the
    schema's target order."""
    mapping = mapping if isinstance(mapping, dict) else {}
    return {target: mapping[target] if target in mapping else unmapped(target) for target in schema["properties"]}


def save_schema(catalog, schema):
    """Store an acceptable ``schema`` on ``catalog`` and re-synchronise its mapping; the enabled flag
    is left as it is."""
    with write_txn():
        catalog.product_mapping_schema = schema
        catalog.product_mapping = synchronized_mapping(catalog.product_mapping, schema)
        catalog.updated = utcnow()
        catalog.save()
    return catalog


def delete_schema(catalog):
    """Forget the catalog's schema and its mapping (PIM Connect decision of §3.7: a mapping without a
    schema can neither be validated nor used); the enabled flag is left as it is."""
    with write_txn():
        catalog.product_mapping_schema = None
        catalog.product_mapping = {}
        catalog.updated = utcnow()
        catalog.save()
    return catalog
