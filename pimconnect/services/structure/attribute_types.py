"""The attribute types and the properties each one has (reference §5.3): which type-specific property
applies to which type, how the settings form gives them, and the checks of their values."""
import datetime
import re
from decimal import Decimal, InvalidOperation

from pimconnect.models import MeasurementFamily, MeasurementUnit
from pimconnect.services.structure.checks import is_on, parse_int

IDENTIFIER = "pim_catalog_identifier"
SELECT_TYPES = ("pim_catalog_simpleselect", "pim_catalog_multiselect")
TYPES = {
    IDENTIFIER: "Identifier",
    "pim_catalog_text": "Text",
    "pim_catalog_textarea": "Text area",
    "pim_catalog_number": "Number",
    "pim_catalog_boolean": "Yes/No",
    "pim_catalog_date": "Date",
    "pim_catalog_simpleselect": "Simple select",
    "pim_catalog_multiselect": "Multi select",
    "pim_catalog_metric": "Measurement",
    "pim_catalog_price_collection": "Price",
    "pim_catalog_image": "Image",
    "pim_catalog_file": "File",
}
_T, _TA, _N, _M, _P = "pim_catalog_text", "pim_catalog_textarea", "pim_catalog_number", "pim_catalog_metric", "pim_catalog_price_collection"
_FILES = ("pim_catalog_image", "pim_catalog_file")
# Which type-specific properties apply to which types (reference §5.3); the others are stored NULL.
PROPERTY_TYPES = {
    "max_characters": (IDENTIFIER, _T, _TA),
    "validation_rule": (IDENTIFIER, _T),
    "wysiwyg_enabled": (_TA,),
    "number_min": (_N, _M, _P),
    "decimals_allowed": (_N, _M, _P),
    "negative_allowed": (_N, _M),
    "metric_family": (_M,),
    "date_min": ("pim_catalog_date",),
    "allowed_extensions": _FILES,
    "unique": (IDENTIFIER, _T, _N, "pim_catalog_date"),
}
# Properties that apply exactly where their companion does.
COMPANIONS = {"validation_regexp": "validation_rule", "number_max": "number_min", "default_metric_unit": "metric_family",
              "date_max": "date_min", "max_file_size": "allowed_extensions"}
TYPE_SPECIFIC = ("max_characters", "validation_rule", "validation_regexp", "wysiwyg_enabled", "number_min", "number_max",
                 "decimals_allowed", "negative_allowed", "metric_family", "default_metric_unit", "date_min", "date_max",
                 "allowed_extensions", "max_file_size")
VALIDATION_RULES = {IDENTIFIER: ("", "regexp"), _T: ("", "email", "url", "regexp")}
EXTENSION_RE = re.compile(r"^[a-z0-9]{1,10}$")


def applies(prop, type_):
    """Whether the type-specific property ``prop`` is shown and stored for attributes of ``type_``."""
    return type_ in PROPERTY_TYPES.get(COMPANIONS.get(prop, prop), ())


def form_type_specific(form, errors, type_, creating):
    """The form fields of the type's own properties (those of other types are ignored)."""
    def text(name):
        return (form.get(name) or "").strip() or None

    values = {}
    if applies("max_characters", type_):
        values["max_characters"] = parse_int(form, errors, "max_characters")
    if applies("validation_rule", type_):
        values.update(validation_rule=text("validation_rule"), validation_regexp=text("validation_regexp"))
    if applies("wysiwyg_enabled", type_):
        values["wysiwyg_enabled"] = is_on(form, "wysiwyg_enabled")
    if applies("number_min", type_):
        values.update(number_min=text("number_min"), number_max=text("number_max"),
                      decimals_allowed=is_on(form, "decimals_allowed"))
    if applies("negative_allowed", type_):
        values["negative_allowed"] = is_on(form, "negative_allowed")
    if applies("metric_family", type_):
        values["default_metric_unit"] = text("default_metric_unit")
        if creating:
            values["metric_family"] = text("metric_family")
    if applies("date_min", type_):
        values.update(date_min=text("date_min"), date_max=text("date_max"))
    if applies("allowed_extensions", type_):
        raw = (form.get("allowed_extensions") or "").replace(";", ",")
        values.update(allowed_extensions=[part for part in raw.split(",") if part.strip()],
                      max_file_size=text("max_file_size"))
    return values


def type_specific_values(state, errors, type_):
    """The column values of the type-specific properties in ``state`` (those of other types must be
    empty and are stored NULL), or messages in ``errors``."""
    values = {}
    for name in TYPE_SPECIFIC:
        empty = [] if name == "allowed_extensions" else None
        if not applies(name, type_) and state[name] not in (None, []):
            errors.setdefault(name, "This value should be blank." if empty == [] else "This value should be null.")
        values[name] = empty
    if applies("max_characters", type_):
        values["max_characters"] = _max_characters(state, errors, type_)
    if applies("validation_rule", type_):
        values.update(_validation_rule(state, errors, type_))
    if applies("wysiwyg_enabled", type_):
        values["wysiwyg_enabled"] = bool(state["wysiwyg_enabled"])
    if applies("number_min", type_):
        values.update(_number_bounds(state, errors, type_))
    if applies("metric_family", type_):
        values.update(_metric(state, errors))
    if applies("date_min", type_):
        values.update(_dates(state, errors))
    if applies("allowed_extensions", type_):
        values.update(_file_limits(state, errors))
    return values


def _max_characters(state, errors, type_):
    value, limit = state["max_characters"], 65535 if type_ == _TA else 255
    if value is not None and not 1 <= value <= limit:
        errors.setdefault("max_characters", f"Enter a number between 1 and {limit}.")
    return value


def _validation_rule(state, errors, type_):
    rule = state["validation_rule"] or ""
    if rule not in VALIDATION_RULES[type_]:
        errors.setdefault("validation_rule", "Choose a validation rule from the list.")
        return {}
    if rule != "regexp":
        return {"validation_rule": rule or None, "validation_regexp": None}
    pattern = state["validation_regexp"] or ""
    if not pattern:
        errors.setdefault("validation_regexp", "Enter the regular expression that values must match.")
    elif len(pattern) > 255:
        errors.setdefault("validation_regexp", "The regular expression has at most 255 characters.")
    else:
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError) as exc:
            errors.setdefault("validation_regexp", f"This regular expression is not valid: {exc}.")
    return {"validation_rule": "regexp", "validation_regexp": pattern}


def _decimal(state, errors, name, length=40):
    """The Decimal a number property spells, None when empty or not a number (with a message)."""
    raw = state[name]
    if raw is None:
        return None
    try:
        value = Decimal(raw)
        if not value.is_finite() or len(raw) > length:
            raise InvalidOperation
    except InvalidOperation:
        errors.setdefault(name, "Enter a number, like 10 or 2.5.")
        return None
    return value


def _number_bounds(state, errors, type_):
    decimals = bool(state["decimals_allowed"])
    negative = bool(state["negative_allowed"]) if applies("negative_allowed", type_) else None
    low, high = _decimal(state, errors, "number_min"), _decimal(state, errors, "number_max")
    for name, value in (("number_min", low), ("number_max", high)):
        if value is None:
            continue
        if not decimals and value != value.to_integral_value():
            errors.setdefault(name, "Decimals are not allowed: enter a whole number.")
        elif negative is False and value < 0:
            errors.setdefault(name, "Negative values are not allowed: enter 0 or more.")
    if low is not None and high is not None and low > high:
        errors.setdefault("number_max", "The maximum must be greater than or equal to the minimum.")
    return {"number_min": state["number_min"], "number_max": state["number_max"], "decimals_allowed": decimals,
            "negative_allowed": negative}


def _metric(state, errors):
    """The measurement family (required, immutable) and a default unit of that family."""
    family_code = state["metric_family"]
    family = MeasurementFamily.get_or_none(MeasurementFamily.code == family_code) if family_code else None
    if family is None:
        errors.setdefault("metric_family", "Choose the measurement family.")
        return {"metric_family": None, "default_metric_unit": None}
    unit = state["default_metric_unit"] or ""
    if not MeasurementUnit.select().where((MeasurementUnit.family == family) & (MeasurementUnit.code == unit)).exists():
        errors.setdefault("default_metric_unit", f'Choose a default unit of the "{family.code}" measurement family.')
    return {"metric_family": family.code, "default_metric_unit": unit}


def _dates(state, errors):
    dates = {}
    for name in ("date_min", "date_max"):
        try:
            dates[name] = datetime.date.fromisoformat(state[name]).isoformat() if state[name] else None
        except ValueError:
            errors.setdefault(name, "Enter a date as YYYY-MM-DD.")
            dates[name] = None
    if dates["date_min"] and dates["date_max"] and dates["date_min"] > dates["date_max"]:
        errors.setdefault("date_max", "The maximum date must be on or after the minimum date.")
    return dates


def _file_limits(state, errors):
    extensions = sorted({part.strip().lower().lstrip(".") for part in state["allowed_extensions"] if part.strip()})
    bad = [ext for ext in extensions if not EXTENSION_RE.match(ext)]
    if bad:
        errors.setdefault("allowed_extensions", f"Not a valid file extension: {', '.join(bad)}.")
    size = _decimal(state, errors, "max_file_size", length=20)
    if size is not None and not (0 < size <= 9999):
        errors.setdefault("max_file_size", "The maximum file size is a number of MB between 0 and 9999.")
    return {"allowed_extensions": extensions, "max_file_size": state["max_file_size"]}


def metric_choices():
    """[(family, [units])] for the measurement selects."""
    units = MeasurementUnit.select().order_by(MeasurementUnit.family, MeasurementUnit.sort_order)
    families = MeasurementFamily.select().order_by(MeasurementFamily.code)
    by_family = {}
    for unit in units:
        by_family.setdefault(unit.family_id, []).append(unit)
    return [(family, by_family.get(family.id, [])) for family in families]
