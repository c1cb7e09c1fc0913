"""The one table of what a selection may say: every field (product property or attribute type), the
operators it accepts in each dialect, the shape of their values, whether a channel or locale
applies, the label an editor shows, and the check and SQL builder behind it.

Validation walks it, the SQL builders are found through it, and an editor renders its operator
lists from it (``fields_for``, ``operators_for``). Labels are the reference editor's en_US
labels (catalogs-for-apps.md §4.2); operators only the REST search has get labels in the same voice.
"""
from dataclasses import dataclass

from pimconnect.services.selection import properties, values
from pimconnect.services.selection.model import CATALOG_CRITERIA, GRID_FILTERS, REST_SEARCH

OPERATOR_LABELS = {
    "=": "equals", "!=": "does not equal", "<": "less than", "<=": "equals or less than", ">": "greater than",
    ">=": "equals or greater than", "EMPTY": "is empty", "NOT EMPTY": "is not empty", "STARTS WITH": "starts with",
    "CONTAINS": "contains", "DOES NOT CONTAIN": "does not contain", "IN": "in", "NOT IN": "not in",
    "IN CHILDREN": "in children", "NOT IN CHILDREN": "not in children", "UNCLASSIFIED": "is unclassified",
    "IN OR UNCLASSIFIED": "is unclassified or in", "BETWEEN": "between", "NOT BETWEEN": "not between",
    "SINCE LAST N DAYS": "since the last N days",
    "GREATER THAN ON ALL LOCALES": "greater than on all locales",
    "GREATER OR EQUALS THAN ON ALL LOCALES": "equals or greater than on all locales",
    "LOWER THAN ON ALL LOCALES": "less than on all locales",
    "LOWER OR EQUALS THAN ON ALL LOCALES": "equals or less than on all locales",
}

# Where a channel (``scope``) or a locale applies to a field's criteria.
NEVER, ATTRIBUTE, REQUIRED, DEFAULTED = "never", "when the attribute is scopable/localizable", "required", "defaulted"

REST_ONLY = frozenset({REST_SEARCH})
REST_AND_CATALOG = frozenset({REST_SEARCH, CATALOG_CRITERIA})


@dataclass(frozen=True)
class Operation:
    """An operator of a field: the shape of its value and the dialects that offer it."""

    operator: str
    shape: str
    dialects: frozenset = REST_ONLY

    @property
    def label(self):
        return OPERATOR_LABELS[self.operator]


@dataclass(frozen=True)
class Field:
    """A product property, or an attribute type. ``check(context, criterion)`` (properties) checks
    and resolves a REST criterion's value; attribute types check per operator, through the table of
    their kind (values.OPERATORS: identifier, text and textarea share ``text``). ``build(resolved,
    plan)`` is the SQL."""

    code: str
    label: str
    operations: dict
    channel: str = NEVER
    locale: str = NEVER
    check: object = None
    build: object = None
    attribute_kind: str | None = None  # values.KIND_OF_TYPE's kind for attribute types

    def operation(self, operator, dialect):
        found = self.operations.get(operator) if isinstance(operator, str) else None
        return found if found is not None and dialect in found.dialects else None


def _property(code, label, shapes, check, build, catalog=(), grid=(), rest=True, channel=NEVER, locale=NEVER):
    """A property's Field from {operator: value shape}: every operator is the REST search's (unless
    ``rest`` is False); ``catalog`` and ``grid`` name those the other dialects offer too."""
    def dialects(op):
        return frozenset({REST_SEARCH} if rest else ()) | frozenset(
            {CATALOG_CRITERIA} if op in catalog else ()) | frozenset({GRID_FILTERS} if op in grid else ())
    operations = {op: Operation(op, shape, dialects(op)) for op, shape in shapes.items()}
    return Field(code, label, operations, channel, locale, check, build)


COMPARE = ("<", "<=", "=", "!=", ">=", ">")
EMPTINESS = {"EMPTY": "none", "NOT EMPTY": "none"}
MOMENTS = {"=": "moment", "!=": "moment", "<": "moment", ">": "moment", "BETWEEN": "moment_pair",
           "NOT BETWEEN": "moment_pair", "SINCE LAST N DAYS": "days"}
CATEGORIES = {"IN": "categories", "NOT IN": "categories", "IN CHILDREN": "categories", "NOT IN CHILDREN": "categories",
              "IN OR UNCLASSIFIED": "categories", "UNCLASSIFIED": "none"}
TEXT_OPERATORS = {"=": "string", "!=": "string", "STARTS WITH": "string", "CONTAINS": "string",
                  "DOES NOT CONTAIN": "string"}

PROPERTIES = {field.code: field for field in (
    _property("uuid", "UUID", {"IN": "uuids", "NOT IN": "uuids"}, properties.check_uuid, properties.uuid_condition),
    # checked as its identifier attribute's value (validation), hence no check of its own
    _property("identifier", "Identifier", {**TEXT_OPERATORS, "IN": "strings", "NOT IN": "strings"}, None,
              properties.identifier_condition),
    _property("enabled", "Status", {"=": "boolean", "!=": "boolean"}, properties.check_enabled,
              properties.enabled_condition, catalog=("=", "!="), grid=("=",)),
    _property("family", "Family", {"IN": "families", "NOT IN": "families", **EMPTINESS}, properties.check_family,
              properties.family_condition, catalog=("IN", "NOT IN", "EMPTY", "NOT EMPTY"), grid=("IN",)),
    _property("groups", "Groups", {"IN": "codes", "NOT IN": "codes", **EMPTINESS}, properties.check_groups,
              properties.groups_condition),
    _property("categories", "Category", CATEGORIES, properties.check_categories, properties.categories_condition,
              catalog=tuple(CATEGORIES), grid=("IN CHILDREN",)),
    _property("completeness", "Completeness", {**{op: "percent" for op in COMPARE},
                                               **{op: "percent" for op in properties.ON_ALL_LOCALES}},
              properties.check_completeness, properties.completeness_condition, catalog=("=", "!=", "<", ">"),
              grid=("<", "<=", "=", ">=", ">"), channel=REQUIRED, locale=DEFAULTED),
    _property("created", "Created", MOMENTS, properties.check_moment, properties.moment_condition),
    _property("updated", "Updated", MOMENTS, properties.check_moment, properties.moment_condition),
    _property("parent", "Parent", {"=": "string", "IN": "codes", **EMPTINESS}, properties.check_parent,
              properties.parent_condition),
    _property("quality_score", "Quality score", {"IN": "scores"}, properties.check_quality_score,
              properties.quality_score_condition, channel=REQUIRED, locale=REQUIRED),
    # The grid's search box: identifier or label contains the text (neither a REST nor a catalog field).
    _property("search", "Identifier or label", {"CONTAINS": "string"}, properties.check_search,
              properties.search_condition, rest=False, grid=("CONTAINS",), locale=DEFAULTED),
)}

SHAPES = {  # operator -> value shape, for each attribute kind (the REST search offers them all)
    "text": {**TEXT_OPERATORS, "IN": "strings", "NOT IN": "strings", **EMPTINESS},
    "media": {**TEXT_OPERATORS, **EMPTINESS},
    "number": {**{op: "number" for op in COMPARE}, **EMPTINESS},
    "metric": {**{op: "metric" for op in COMPARE}, **EMPTINESS},
    "price": {**{op: "price" for op in COMPARE}, **EMPTINESS},
    "option": {"IN": "options", "NOT IN": "options", **EMPTINESS},
    "boolean": {"=": "boolean", "!=": "boolean", **EMPTINESS},
    "date": {"<": "date", "=": "date", "!=": "date", ">": "date", "BETWEEN": "date_pair", "NOT BETWEEN": "date_pair",
             **EMPTINESS},
}
_TEXTS = ("=", "!=", "CONTAINS", "DOES NOT CONTAIN", "STARTS WITH")
# type -> (label, kind, the operators a catalog criterion may use: catalogs-for-apps.md §4.3)
TYPES = {
    "pim_catalog_identifier": ("Identifier", "text", (*_TEXTS, "IN", "NOT IN")),
    "pim_catalog_text": ("Text", "text", (*_TEXTS, "EMPTY", "NOT EMPTY")),
    "pim_catalog_textarea": ("Text area", "text", (*_TEXTS, "EMPTY", "NOT EMPTY")),
    "pim_catalog_number": ("Number", "number", (*COMPARE, "EMPTY", "NOT EMPTY")),
    "pim_catalog_metric": ("Measurement", "metric", (*COMPARE, "EMPTY", "NOT EMPTY")),
    "pim_catalog_price_collection": ("Price", "price", ()),
    "pim_catalog_simpleselect": ("Simple select", "option", ("IN", "NOT IN", "EMPTY", "NOT EMPTY")),
    "pim_catalog_multiselect": ("Multi select", "option", ("IN", "NOT IN", "EMPTY", "NOT EMPTY")),
    "pim_catalog_boolean": ("Yes/No", "boolean", ("=", "!=", "EMPTY", "NOT EMPTY")),
    "pim_catalog_date": ("Date", "date", ("=", "!=", "<", ">", "BETWEEN", "NOT BETWEEN", "EMPTY", "NOT EMPTY")),
    "pim_catalog_image": ("Image", "media", ()),
    "pim_catalog_file": ("File", "media", ()),
}


def _attribute_condition(resolved, plan):
    return values.condition(resolved, plan.semantics)


def _attribute_type(type_code, label, kind, catalog):
    operations = {op: Operation(op, shape, REST_AND_CATALOG if op in catalog else REST_ONLY)
                  for op, shape in SHAPES[kind].items()}
    return Field(type_code, label, operations, channel=ATTRIBUTE, locale=ATTRIBUTE, build=_attribute_condition,
                 attribute_kind=kind)


ATTRIBUTE_TYPES = {code: _attribute_type(code, *entry) for code, entry in TYPES.items()}
SYSTEM_FIELDS = ("enabled", "family", "completeness", "categories")  # a catalog editor's picker, in its order


# --- queries ----------------------------------------------------------------------------------

def field_of(code, attribute=None):
    """The registry entry of a criterion's field: a property, else its attribute's type (None if neither)."""
    if code in PROPERTIES:
        return PROPERTIES[code]
    return ATTRIBUTE_TYPES.get(attribute.type) if attribute is not None else None


def is_property(code):
    return isinstance(code, str) and code in PROPERTIES


def fields_for(dialect):
    """The property fields a dialect offers, and the attribute types (a catalog picker lists the
    system fields first, then attributes of these types)."""
    properties_ = [PROPERTIES[c] for c in (SYSTEM_FIELDS if dialect == CATALOG_CRITERIA else PROPERTIES)
                   if any(dialect in o.dialects for o in PROPERTIES[c].operations.values())]
    types = [f for f in ATTRIBUTE_TYPES.values() if any(dialect in o.dialects for o in f.operations.values())]
    return properties_, types


def operators_for(field, dialect=CATALOG_CRITERIA):
    """[(operator, label)] a dialect offers for ``field`` (a property code, an attribute type code or
    a Field), in the table's order."""
    if isinstance(field, str):
        field = PROPERTIES.get(field) or ATTRIBUTE_TYPES.get(field)
    if field is None:
        return []
    return [(o.operator, o.label) for o in field.operations.values() if dialect in o.dialects]
