"""Attribute groups, attributes and attribute options: validation and writes (no request access).

Forms arrive as a mapping with ``get`` and ``getlist`` (a werkzeug ``MultiDict``); a form that
cannot be saved raises ``Invalid`` with one clear message per field, before anything is written.
"""
import datetime
import re
from decimal import Decimal, InvalidOperation

from peewee import JOIN, IntegrityError, fn

from pimconnect.db import write_txn
from pimconnect.models import Attribute, AttributeGroup, AttributeOption, Locale, MeasurementFamily, MeasurementUnit
from pimconnect.models import ProductValue
from pimconnect.models.catalog import utcnow
from pimconnect.services.errors import Invalid  # noqa: F401 (re-exported for the views)

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
    "unique": (_T, _N, "pim_catalog_date"),
}
VALIDATION_RULES = {IDENTIFIER: ("", "regexp"), _T: ("", "email", "url", "regexp")}
CODE_RE = re.compile(r"^[A-Za-z0-9_]+$")
EXTENSION_RE = re.compile(r"^[a-z0-9]{1,10}$")
RESERVED_CODES = {"id", "uuid", "associations", "categories", "category", "completeness", "enabled", "family",
                  "groups", "parent", "scope", "values", "attributes", "entity_type", "label", "products"}


def applies(prop, type_):
    """Whether the type-specific property ``prop`` is shown and stored for attributes of ``type_``."""
    return type_ in PROPERTY_TYPES.get(prop, ())


def enabled_locales():
    return [row.code for row in Locale.select(Locale.code).where(Locale.enabled == True).order_by(Locale.code)]  # noqa: E712


def is_on(form, name):
    return form.get(name) in ("1", "on", "true", "yes")


def parse_code(form, errors, taken_query, what):
    """A new code: letters, digits and underscores, not reserved, not used yet."""
    code = (form.get("code") or "").strip()
    if not code:
        errors["code"] = "The code is required."
    elif len(code) > 100 or not CODE_RE.match(code) or code.isdigit():
        errors["code"] = "The code may only contain letters, digits and underscores (at most 100 characters)."
    elif code.lower() in RESERVED_CODES:
        errors["code"] = f'The code "{code}" is reserved.'
    elif taken_query.exists():
        errors["code"] = f'The {what} code "{code}" is already used.'
    return code


def parse_labels(form, errors, locales):
    """{locale: label} for each enabled locale with a non-empty label."""
    labels = {}
    for locale in locales:
        label = (form.get(f"label-{locale}") or "").strip()
        if len(label) > 255:
            errors[f"label-{locale}"] = "A label has at most 255 characters."
        elif label:
            labels[locale] = label
    return labels


def parse_int(form, errors, name, minimum=0, maximum=None, default=None):
    raw = (form.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = "Enter a whole number."
        return default
    if value < minimum or (maximum is not None and value > maximum):
        errors[name] = f"Enter a number between {minimum} and {maximum}." if maximum else f"Enter a number of at least {minimum}."
    return value


def save_ordered(rows, moved, direction):
    """Move ``moved`` one place up or down among ``rows`` and renumber their sort_order from 0."""
    rows = list(rows)
    ids = [row.id for row in rows]
    index = ids.index(moved.id)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(rows):
        return False
    rows[index], rows[target] = rows[target], rows[index]
    for position, row in enumerate(rows):
        if row.sort_order != position:
            type(row).update(sort_order=position).where(type(row).id == row.id).execute()
    return True


# -- attribute groups -----------------------------------------------------------------------------

def list_groups():
    """Every group in display order, with ``attribute_count``."""
    return (AttributeGroup.select(AttributeGroup, fn.COUNT(Attribute.id).alias("attribute_count"))
            .join(Attribute, JOIN.LEFT_OUTER).group_by(AttributeGroup.id)
            .order_by(AttributeGroup.sort_order, AttributeGroup.id))


def save_group(group, form):
    """Create (``group`` None) or update a group's labels; return the group."""
    errors = {}
    code = group.code if group else parse_code(form, errors, AttributeGroup.select().where(
        AttributeGroup.code == (form.get("code") or "").strip()), "attribute group")
    labels = parse_labels(form, errors, enabled_locales())
    if errors:
        raise Invalid(errors)
    try:
        with write_txn():
            if group is None:
                last = AttributeGroup.select(fn.MAX(AttributeGroup.sort_order)).scalar()
                return AttributeGroup.create(code=code, labels=labels, sort_order=(last + 1) if last is not None else 0)
            group.labels, group.updated = labels, utcnow()
            group.save()
            return group
    except IntegrityError:
        raise Invalid({"code": f'The attribute group code "{code}" is already used.'}) from None


def move_group(group, direction):
    with write_txn():
        rows = AttributeGroup.select().order_by(AttributeGroup.sort_order, AttributeGroup.id)
        return save_ordered(rows, group, direction)


def delete_group(group):
    """Delete an empty group; refuse one that still holds attributes."""
    count = Attribute.select().where(Attribute.group == group).count()
    if count:
        raise Invalid({"group": f'The attribute group "{group.code}" still holds {count} attribute(s): '
                                f"move them to another group before deleting it."})
    try:
        with write_txn():
            group.delete_instance()
    except IntegrityError:
        raise Invalid({"group": f'The attribute group "{group.code}" is not empty.'}) from None


# -- attributes -----------------------------------------------------------------------------------

def search_attributes(q="", type_="", group="", page=1, per_page=50):
    """Attributes matching the search text (code or label), type and group; (rows, has_next)."""
    query = Attribute.select(Attribute, AttributeGroup).join(AttributeGroup)
    if q:
        query = query.where(Attribute.code.contains(q) | fn.LOWER(Attribute.labels.cast("text")).contains(q.lower()))
    if type_ in TYPES:
        query = query.where(Attribute.type == type_)
    if group:
        query = query.where(AttributeGroup.code == group)
    rows = list(query.order_by(Attribute.sort_order, Attribute.code).paginate(page, per_page + 1))
    return rows[:per_page], len(rows) > per_page


def identifier_exists():
    return Attribute.select().where(Attribute.type == IDENTIFIER).exists()


def save_attribute(attribute, form, type_=None):
    """Create an attribute of ``type_`` (``attribute`` None) or update one; return it."""
    errors = {}
    type_ = attribute.type if attribute else type_
    if type_ not in TYPES:
        raise Invalid({"type": "Choose a valid attribute type."})
    values = {}
    if attribute is None:
        values["code"] = parse_code(form, errors, Attribute.select().where(
            Attribute.code == (form.get("code") or "").strip()), "attribute")
        values["type"] = type_
        if type_ == IDENTIFIER and identifier_exists():
            errors["type"] = "An identifier attribute already exists: there can only be one."
    values.update(_common_values(form, errors, type_, attribute))
    values.update(_type_values(form, errors, type_, attribute))
    if errors:
        raise Invalid(errors)
    try:
        with write_txn():
            if attribute is None:
                return Attribute.create(**values)
            for name, value in values.items():
                setattr(attribute, name, value)
            attribute.updated = utcnow()
            attribute.save()
            return attribute
    except IntegrityError:
        raise Invalid({"code": "This attribute could not be saved: its code is already used."}) from None


def _common_values(form, errors, type_, attribute):
    """Labels, group, order, grid filter, locale specificity; the immutable flags only on creation."""
    locales = enabled_locales()
    values = {"labels": parse_labels(form, errors, locales)}
    group = AttributeGroup.get_or_none(AttributeGroup.code == (form.get("group") or ""))
    if group is None:
        errors["group"] = "Choose the attribute group."
    values["group"] = group
    values["sort_order"] = parse_int(form, errors, "sort_order", default=0)
    values["useable_as_grid_filter"] = type_ == IDENTIFIER or is_on(form, "useable_as_grid_filter")
    available = [code for code in form.getlist("available_locales") if code]
    unknown = sorted(set(available) - set(locales))
    if unknown:
        errors["available_locales"] = f"These locales are not enabled: {', '.join(unknown)}."
    values["available_locales"] = [] if type_ == IDENTIFIER else sorted(set(available))
    if attribute is None:  # localizable, scopable and unique are immutable (reference §5.3)
        fixed = type_ == IDENTIFIER
        values["localizable"] = not fixed and is_on(form, "localizable")
        values["scopable"] = not fixed and is_on(form, "scopable")
        values["unique"] = fixed or (applies("unique", type_) and is_on(form, "unique"))
    return values


# -- attribute options ----------------------------------------------------------------------------

def list_options(attribute):
    return attribute.options.order_by(AttributeOption.sort_order, AttributeOption.code)


def add_option(attribute, form):
    errors = {}
    code = parse_code(form, errors, AttributeOption.select().where(
        (AttributeOption.attribute == attribute) & (AttributeOption.code == (form.get("code") or "").strip())), "option")
    labels = parse_labels(form, errors, enabled_locales())
    if errors:
        raise Invalid(errors)
    try:
        with write_txn():
            last = AttributeOption.select(fn.MAX(AttributeOption.sort_order)).where(
                AttributeOption.attribute == attribute).scalar()
            return AttributeOption.create(attribute=attribute, code=code, labels=labels,
                                          sort_order=(last + 1) if last is not None else 0)
    except IntegrityError:
        raise Invalid({"code": f'The option code "{code}" is already used.'}) from None


def update_option(option, form):
    errors = {}
    labels = parse_labels(form, errors, enabled_locales())
    if errors:
        raise Invalid(errors)
    with write_txn():
        AttributeOption.update(labels=labels).where(AttributeOption.id == option.id).execute()
    option.labels = labels
    return option


def move_option(option, direction):
    with write_txn():
        rows = list_options(option.attribute)
        return save_ordered(rows, option, direction)


def option_in_use(option):
    """Whether a product value uses the option (a simple select's text, a multi select's key)."""
    code = option.code
    return ProductValue.select().where(
        (ProductValue.attribute == option.attribute_id)
        & ((ProductValue.text << [code, code.lower()]) | (ProductValue.key == code))
    ).exists()


def delete_option(option):
    if option_in_use(option):
        raise Invalid({"option": f'The option "{option.code}" is used by products and cannot be deleted.'})
    with write_txn():
        option.delete_instance()


def metric_choices():
    """[(family, [units])] for the measurement selects."""
    units = MeasurementUnit.select().order_by(MeasurementUnit.family, MeasurementUnit.sort_order)
    families = MeasurementFamily.select().order_by(MeasurementFamily.code)
    by_family = {}
    for unit in units:
        by_family.setdefault(unit.family_id, []).append(unit)
    return [(family, by_family.get(family.id, [])) for family in families]


def parse_decimal(form, errors, name):
    raw = (form.get(name) or "").strip()
    if not raw:
        return None, None
    try:
        value = Decimal(raw)
        if not value.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors[name] = "Enter a number, like 10 or 2.5."
        return None, None
    return raw, value


def parse_date(form, errors, name):
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw).isoformat()
    except ValueError:
        errors[name] = "Enter a date as YYYY-MM-DD."
        return None


def _type_values(form, errors, type_, attribute):
    """The type-specific properties: validated where they apply, NULL where they don't."""
    values = {"max_characters": None, "validation_rule": None, "validation_regexp": None, "wysiwyg_enabled": None,
              "number_min": None, "number_max": None, "decimals_allowed": None, "negative_allowed": None,
              "date_min": None, "date_max": None, "allowed_extensions": [], "max_file_size": None,
              "metric_family": attribute.metric_family if attribute else None, "default_metric_unit": None}
    if applies("max_characters", type_):
        limit = 65535 if type_ == _TA else 255
        values["max_characters"] = parse_int(form, errors, "max_characters", minimum=1, maximum=limit)
    if applies("validation_rule", type_):
        values.update(_validation_rule(form, errors, type_))
    if applies("wysiwyg_enabled", type_):
        values["wysiwyg_enabled"] = is_on(form, "wysiwyg_enabled")
    if applies("number_min", type_):
        values.update(_number_bounds(form, errors, type_))
    if applies("metric_family", type_):
        values.update(_metric(form, errors, attribute))
    if applies("date_min", type_):
        values["date_min"], values["date_max"] = parse_date(form, errors, "date_min"), parse_date(form, errors, "date_max")
        if values["date_min"] and values["date_max"] and values["date_min"] > values["date_max"]:
            errors["date_max"] = "The maximum date must be on or after the minimum date."
    if applies("allowed_extensions", type_):
        values.update(_file_limits(form, errors))
    return values


def _validation_rule(form, errors, type_):
    rule = (form.get("validation_rule") or "").strip()
    if rule not in VALIDATION_RULES[type_]:
        errors["validation_rule"] = "Choose a validation rule from the list."
        return {}
    if rule != "regexp":
        return {"validation_rule": rule or None, "validation_regexp": None}
    pattern = (form.get("validation_regexp") or "").strip()
    if not pattern:
        errors["validation_regexp"] = "Enter the regular expression that values must match."
    elif len(pattern) > 255:
        errors["validation_regexp"] = "The regular expression has at most 255 characters."
    else:
        try:
            re.compile(pattern)
        except re.error as exc:
            errors["validation_regexp"] = f"This regular expression is not valid: {exc}."
    return {"validation_rule": "regexp", "validation_regexp": pattern}


def _number_bounds(form, errors, type_):
    decimals = is_on(form, "decimals_allowed")
    negative = is_on(form, "negative_allowed") if applies("negative_allowed", type_) else None
    raw_min, low = parse_decimal(form, errors, "number_min")
    raw_max, high = parse_decimal(form, errors, "number_max")
    for name, value in (("number_min", low), ("number_max", high)):
        if value is None:
            continue
        if not decimals and value != value.to_integral_value():
            errors[name] = "Decimals are not allowed: enter a whole number."
        elif negative is False and value < 0:
            errors[name] = "Negative values are not allowed: enter 0 or more."
    if low is not None and high is not None and low > high:
        errors["number_max"] = "The maximum must be greater than or equal to the minimum."
    return {"number_min": raw_min, "number_max": raw_max, "decimals_allowed": decimals, "negative_allowed": negative}


def _metric(form, errors, attribute):
    """The measurement family (required, immutable) and a default unit of that family."""
    family_code = attribute.metric_family if attribute else (form.get("metric_family") or "").strip()
    family = MeasurementFamily.get_or_none(MeasurementFamily.code == family_code) if family_code else None
    if family is None:
        errors["metric_family"] = "Choose the measurement family."
        return {"metric_family": None, "default_metric_unit": None}
    unit = (form.get("default_metric_unit") or "").strip()
    if not MeasurementUnit.select().where((MeasurementUnit.family == family) & (MeasurementUnit.code == unit)).exists():
        errors["default_metric_unit"] = f'Choose a default unit of the "{family.code}" measurement family.'
    return {"metric_family": family.code, "default_metric_unit": unit}


def _file_limits(form, errors):
    raw = (form.get("allowed_extensions") or "").replace(";", ",")
    extensions = sorted({part.strip().lower().lstrip(".") for part in raw.split(",") if part.strip()})
    bad = [ext for ext in extensions if not EXTENSION_RE.match(ext)]
    if bad:
        errors["allowed_extensions"] = f"Not a valid file extension: {', '.join(bad)}."
    raw_size, size = parse_decimal(form, errors, "max_file_size")
    if size is not None and not (0 < size <= 9999):
        errors["max_file_size"] = "The maximum file size is a number of MB between 0 and 9999."
    return {"allowed_extensions": extensions, "max_file_size": raw_size}
