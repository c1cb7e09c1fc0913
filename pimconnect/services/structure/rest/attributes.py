"""The REST API's JSON for attributes, attribute options and attribute groups (reference §5.3–5.5).

Reads turn rows into the reference's documents. Writes merge a JSON body into the stored state as
the reference's updaters do (labels merged locale by locale, other properties replaced), refuse
unknown properties, wrong JSON types and unknown codes with ``BodyError`` (the reference's documented
422), and leave every other rule to the structure services, which raise ``Invalid``.
"""
import datetime

from pimconnect.models import Attribute, AttributeGroup, Locale
from pimconnect.services.errors import Invalid
from pimconnect.services.structure import attributes as rules
from pimconnect.services.structure.attribute_groups import write_group
from pimconnect.services.structure.attribute_options import write_option
from pimconnect.services.structure.attribute_types import IDENTIFIER, TYPES, applies
from pimconnect.services.structure.rest.common import NUL, BodyError, Refused, array_of_scalars, php_string
from pimconnect.services.structure.rest.common import rows_by_code, scalar

NOT_BLANK = "This value should not be blank."
NOT_NULL = "This value should not be null."
ATTRIBUTE_ARRAYS = ("labels", "available_locales", "allowed_extensions")
ATTRIBUTE_BOOLEANS = ("localizable", "scopable", "unique", "useable_as_grid_filter", "wysiwyg_enabled",
                      "decimals_allowed", "negative_allowed")
ATTRIBUTE_INTEGERS = ("sort_order", "max_characters")
ATTRIBUTE_NUMBERS = ("number_min", "number_max", "max_file_size")  # strings in the reference's format
# Read-only in the reference (group_labels) or derived here: ignored when a client sends them back.
ATTRIBUTE_READ_ONLY = ("group_labels", "is_main_identifier", "is_mandatory")
# Reference properties PIM Connect has no use for (reference data, SaaS decimals, defaults): always null.
ATTRIBUTE_UNSUPPORTED = ("reference_data_name", "minimum_input_length", "default_value", "decimal_places_strategy",
                         "decimal_places")
MANDATORY_TYPES = (IDENTIFIER, "pim_catalog_text", "pim_catalog_textarea", "pim_catalog_number",
                   "pim_catalog_boolean", "pim_catalog_simpleselect")


# -- shared with the families -----------------------------------------------------------------------

def expect_known(name, known):
    if name not in known:
        raise BodyError(f'Property "{name}" does not exist.')


def items(value):
    return list(value.values()) if isinstance(value, dict) else list(value)


def unknown_code(name, key, because, value):
    """The reference's "expects a valid code" refusal."""
    return BodyError(f'Property "{name}" expects a valid {key}. {because}, "{php_string(value)}" given.')


def merged_labels(current, labels):
    """The reference's translation update: a null or empty label removes the locale, others are set."""
    merged = dict(current)
    pairs = labels.items() if isinstance(labels, dict) else enumerate(labels)
    for locale, label in pairs:
        if label is None or label == "":
            merged.pop(str(locale), None)
        else:
            merged[str(locale)] = php_string(label)
    return merged


def check_storable(data):
    """Refuse text no database can store, anywhere in a body (walked without recursion: bodies can nest
    deep): a lone surrogate (a ``\\ud800`` escape, which the reference's JSON decoder rejects) is a 400;
    a NUL character (PostgreSQL refuses them) is a validation 422 of its property."""
    bad = {}
    for name, value in data.items():
        pending = [name, value]
        while pending:
            value = pending.pop()
            if isinstance(value, str):
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise Refused(400, "Invalid json message received") from None
                if "\x00" in value:
                    bad[name] = NUL
            elif isinstance(value, dict):
                pending.extend(value.keys())
                pending.extend(value.values())
            elif isinstance(value, list):
                pending.extend(value)
    if bad:
        raise Invalid(bad)


def integer(name, value, errors, nullable=True):
    if value is None:
        if not nullable:
            errors.setdefault(name, NOT_NULL)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.setdefault(name, "This value should be of type integer.")
        return None
    return value


def string_code(name, value, errors):
    """A code given in a body; "" (with a message) when it is not a string."""
    if value is None or value == "":
        errors.setdefault(name, NOT_BLANK)
        return ""
    if not isinstance(value, str):
        errors.setdefault(name, "This value should be of type string.")
        return ""
    return value


def existing_codes(model, codes):
    """The ``codes`` that ``model`` holds (a body may list any number of them)."""
    return set(rows_by_code(model.select(model.code), model.code, codes))


def iso_date(value):
    """A stored YYYY-MM-DD date as the reference prints it."""
    return f"{value}T00:00:00+00:00" if value else None


# -- attributes -------------------------------------------------------------------------------------

def attribute_json(attribute, group):
    """The reference's attribute document (§5.3); properties of other types are null."""
    type_ = attribute.type

    def own(name, value):
        return value if applies(name, type_) else None

    return {
        "code": attribute.code,
        "type": type_,
        "group": group.code,
        "group_labels": group.labels or {},
        "localizable": attribute.localizable,
        "scopable": attribute.scopable,
        "labels": attribute.labels or {},
        "unique": attribute.unique,
        "useable_as_grid_filter": attribute.useable_as_grid_filter,
        "allowed_extensions": own("allowed_extensions", list(attribute.allowed_extensions or [])),
        "metric_family": own("metric_family", attribute.metric_family),
        "default_metric_unit": own("default_metric_unit", attribute.default_metric_unit),
        "reference_data_name": None,
        "available_locales": list(attribute.available_locales or []),
        "max_characters": own("max_characters", attribute.max_characters),
        "validation_rule": own("validation_rule", attribute.validation_rule),
        "validation_regexp": own("validation_regexp", attribute.validation_regexp),
        "wysiwyg_enabled": own("wysiwyg_enabled", attribute.wysiwyg_enabled),
        "number_min": own("number_min", attribute.number_min),
        "number_max": own("number_max", attribute.number_max),
        "decimals_allowed": own("decimals_allowed", attribute.decimals_allowed),
        "negative_allowed": own("negative_allowed", attribute.negative_allowed),
        "date_min": own("date_min", iso_date(attribute.date_min)),
        "date_max": own("date_max", iso_date(attribute.date_max)),
        "max_file_size": own("max_file_size", attribute.max_file_size),
        "minimum_input_length": None,
        "sort_order": attribute.sort_order,
        "default_value": None,
        "is_main_identifier": True if type_ == IDENTIFIER else None,
        "is_mandatory": (type_ == IDENTIFIER) if type_ in MANDATORY_TYPES else None,
        "decimal_places_strategy": None,
        "decimal_places": None,
    }


def apply_attribute(attribute, data):
    """Create (``attribute`` None; ``data`` holds the code) or update an attribute from a JSON body."""
    check_storable(data)
    errors = {}
    if attribute is None:
        for name in ("code", "type", "group"):
            if name not in data:
                errors[name] = NOT_BLANK
    changes = _attribute_changes(data, errors)
    if attribute is None:
        state = rules.new_attribute_state(changes.get("code", ""), changes.get("type"))
    else:
        state = rules.attribute_state(attribute)
    for name, value in changes.items():
        state[name] = merged_labels(state["labels"], value) if name == "labels" else value
    return rules.write_attribute(attribute, state, errors)


def _attribute_changes(data, errors):
    """The body's properties as typed values, in body order; refusals first, as the reference does."""
    changes = {}
    for name, value in data.items():
        if name in ATTRIBUTE_READ_ONLY:
            continue
        if name in ATTRIBUTE_UNSUPPORTED:
            scalar(name, value)
            if value is not None:
                errors.setdefault(name, "This value should be null.")
            continue
        expect_known(name, rules.STATE_FIELDS)
        if name == "allowed_extensions" and value is None:  # how other types read back
            value = []
        (array_of_scalars if name in ATTRIBUTE_ARRAYS else scalar)(name, value)
        typed = _attribute_value(name, value, errors)
        if typed is not _SKIP:
            changes[name] = typed
    return changes


_SKIP = object()  # a value already refused with a message: the state keeps its own


def _attribute_value(name, value, errors):
    if name == "type":
        if value is None or value == "":
            raise BodyError('Property "type" does not expect an empty value.')
        if value not in TYPES:
            raise unknown_code("type", "attribute type", "The attribute type does not exist", value)
        return value
    if name == "group":
        if not isinstance(value, str) or not AttributeGroup.select().where(
                AttributeGroup.code == value).exists():
            raise unknown_code("group", "code", "The attribute group does not exist", value)
        return value
    if name == "code":
        return string_code(name, value, errors) or _SKIP
    if name in ("date_min", "date_max"):
        return _date(name, value)
    if name == "labels":
        return value
    if name == "available_locales":
        return _locales(value)
    if name == "allowed_extensions":
        return [php_string(item) for item in items(value) if item is not None]
    if name in ATTRIBUTE_BOOLEANS:
        return _boolean(name, value, errors)
    if name in ATTRIBUTE_INTEGERS:
        typed = integer(name, value, errors, nullable=name == "max_characters")
        return _SKIP if name in errors else typed
    if name in ATTRIBUTE_NUMBERS:
        if isinstance(value, bool):
            errors.setdefault(name, "This value should be of type numeric.")
            return _SKIP
        return None if value is None else (value if isinstance(value, str) else repr(value))
    if value is not None and not isinstance(value, str):  # validation rule, regexp, metric family and unit
        errors.setdefault(name, "This value should be of type string.")
        return _SKIP
    return value


def _boolean(name, value, errors):
    if value is None and name in ("localizable", "scopable", "unique", "useable_as_grid_filter"):
        errors.setdefault(name, NOT_NULL)
        return _SKIP
    if value is not None and not isinstance(value, bool):
        errors.setdefault(name, "This value should be of type bool.")
        return _SKIP
    return value


def _date(name, value):
    """``YYYY-MM-DD`` or an ISO-8601 date-time (its date is kept), as the reference accepts them."""
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) < 10 or value[4] != "-" or value[7] != "-":
            raise ValueError
        datetime.date.fromisoformat(value[:10])
        if len(value) > 10:
            datetime.datetime.fromisoformat(value)
    except ValueError:
        raise BodyError(f'Property "{name}" expects a string with the format "yyyy-mm-dd" as data, '
                        f'"{php_string(value)}" given.') from None
    return value[:10]


def _locales(value):
    codes = list(dict.fromkeys(php_string(code) for code in items(value) if code is not None))
    known = existing_codes(Locale, codes)
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise unknown_code("available_locales", "locale code", "The locale does not exist", unknown[0])
    return codes


# -- attribute options ------------------------------------------------------------------------------

def option_json(option, attribute_code):
    return {"code": option.code, "attribute": attribute_code, "sort_order": option.sort_order,
            "labels": option.labels or {}}


def apply_option(attribute, option, data):
    """Create (``option`` None; ``data`` holds the code) or update an option of ``attribute``."""
    state, errors = _sorted_labelled(option, data, ("code", "attribute", "sort_order", "labels"))
    return write_option(attribute, option, state, errors)


def _sorted_labelled(row, data, known):
    """(state, errors) of a body for an option or a group (``row`` None: a new one): its code, labels,
    sort order and, for a group, its attributes; the other ``known`` properties are only type-checked."""
    check_storable(data)
    errors, state = {}, {"code": row.code if row else "", "labels": dict(row.labels) if row else {}}
    if row is None and "code" not in data:
        errors["code"] = NOT_BLANK
    for name, value in data.items():
        expect_known(name, known)
        (array_of_scalars if name in ("labels", "attributes") else scalar)(name, value)
        if name == "labels":
            state["labels"] = merged_labels(state["labels"], value)
        elif name == "sort_order":
            state["sort_order"] = integer(name, value, errors)
        elif name == "attributes":
            state["attributes"] = _existing_attributes(value)
        elif name == "code" and row is None:
            state["code"] = string_code(name, value, errors)
    return state, errors


# -- attribute groups -------------------------------------------------------------------------------

def group_json(group, attribute_codes):
    return {"code": group.code, "sort_order": group.sort_order, "attributes": attribute_codes,
            "labels": group.labels or {}}


def apply_group(group, data):
    """Create (``group`` None; ``data`` holds the code) or update a group from a JSON body."""
    state, errors = _sorted_labelled(group, data, ("code", "sort_order", "attributes", "labels"))
    return write_group(group, state, errors)


def _existing_attributes(value):
    codes = list(dict.fromkeys(php_string(code) for code in items(value) if code is not None))
    known = existing_codes(Attribute, codes)
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise unknown_code("attributes", "attribute code", "The attribute does not exist", unknown[0])
    return codes
