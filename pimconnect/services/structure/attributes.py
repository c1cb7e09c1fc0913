"""Attribute groups, attributes and attribute options: validation and writes (no request access).

Each entity is checked and written in one place (``write_group``, ``write_attribute``,
``write_option``) from a *state*: its properties as plain typed values. The settings forms and the
REST API build that state their own way (form fields; a JSON body merged into the stored
properties) and share the rules. A state that cannot be saved raises ``Invalid`` with one message
per property, before anything is written.
"""
import datetime
import re
from decimal import Decimal, InvalidOperation

from peewee import JOIN, IntegrityError, fn

from pimconnect.db import serialize, write_txn
from pimconnect.models import Attribute, AttributeGroup, AttributeOption, AttributeRequirement, Family, Locale
from pimconnect.models import MeasurementFamily, MeasurementUnit, ProductValue
from pimconnect.models.structure import utcnow
from pimconnect.services import jobs
from pimconnect.services.products.completeness import enqueue_recompute_family
from pimconnect.services.errors import Invalid
from pimconnect.services.products.values import OPTIONS_LOCK

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
STATE_FIELDS = ("code", "type", "group", "labels", "sort_order", "localizable", "scopable", "unique", "available_locales",
                "useable_as_grid_filter") + TYPE_SPECIFIC
IMMUTABLE = ("type", "localizable", "scopable", "unique", "metric_family")
VALIDATION_RULES = {IDENTIFIER: ("", "regexp"), _T: ("", "email", "url", "regexp")}
CODE_RE = re.compile(r"^[A-Za-z0-9_]+$")
EXTENSION_RE = re.compile(r"^[a-z0-9]{1,10}$")
RESERVED_CODES = {"id", "uuid", "associations", "categories", "category", "completeness", "enabled", "family",
                  "groups", "parent", "scope", "values", "attributes", "entity_type", "label", "products"}
DEFAULT_GROUP = "other"  # where attributes removed from a group go (the reference's default group)
MAX_SORT_ORDER = 2**31 - 1  # the database INTEGER
CANNOT_CHANGE = "This property cannot be changed."


def applies(prop, type_):
    """Whether the type-specific property ``prop`` is shown and stored for attributes of ``type_``."""
    return type_ in PROPERTY_TYPES.get(COMPANIONS.get(prop, prop), ())


def enabled_locales():
    return [row.code for row in Locale.select(Locale.code).where(Locale.enabled == True).order_by(Locale.code)]  # noqa: E712


def is_on(form, name):
    return form.get(name) in ("1", "on", "true", "yes")


def check_code(code, errors, taken_query, what):
    """A new code: letters, digits and underscores, not reserved, not used yet."""
    if not code:
        errors.setdefault("code", "The code is required.")
    elif len(code) > 100 or not CODE_RE.match(code) or code.isdigit():
        errors.setdefault("code", "The code may only contain letters, digits and underscores (at most 100 characters).")
    elif code.lower() in RESERVED_CODES:
        errors.setdefault("code", f'The code "{code}" is reserved.')
    elif taken_query.exists():
        errors.setdefault("code", f'The {what} code "{code}" is already used.')


def parse_code(form, errors, taken_query, what):
    code = (form.get("code") or "").strip()
    check_code(code, errors, taken_query, what)
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


def check_labels(labels, errors):
    """Labels given as data: each for an enabled locale, at most 255 characters."""
    enabled = set(enabled_locales()) if labels else set()
    for locale, label in labels.items():
        if locale not in enabled:
            errors.setdefault("labels", f'The locale "{locale}" does not exist or is not activated.')
        elif len(label) > 255:
            errors.setdefault("labels", "A label has at most 255 characters.")


def check_sort_order(value, errors):
    if value is not None and not 0 <= value <= MAX_SORT_ORDER:
        errors.setdefault("sort_order", f"Enter a number between 0 and {MAX_SORT_ORDER}.")


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


def _next_sort_order(query, column):
    last = query.select(fn.MAX(column)).scalar()
    return (last + 1) if last is not None else 0


# -- attribute groups -----------------------------------------------------------------------------

def list_groups():
    """Every group in display order, with ``attribute_count``."""
    return (AttributeGroup.select(AttributeGroup, fn.COUNT(Attribute.id).alias("attribute_count"))
            .join(Attribute, JOIN.LEFT_OUTER).group_by(AttributeGroup.id)
            .order_by(AttributeGroup.sort_order, AttributeGroup.id))


def save_group(group, form):
    """Create (``group`` None) or update a group's labels from the settings form; return the group."""
    errors = {}
    labels = parse_labels(form, errors, enabled_locales())
    return write_group(group, {"code": (form.get("code") or "").strip(), "labels": labels}, errors)


def write_group(group, state, errors=None):
    """Create (``group`` None) or update a group from ``state``: ``code`` (creation), ``labels``, and
    optionally ``sort_order`` (a new group goes last) and ``attributes`` (the codes it holds: those it
    loses go to the default group)."""
    errors = dict(errors or {})
    code = group.code if group else state["code"]
    if group is None:
        check_code(code, errors, AttributeGroup.select().where(AttributeGroup.code == code), "attribute group")
    check_labels(state["labels"], errors)
    check_sort_order(state.get("sort_order"), errors)
    codes = state.get("attributes")
    if codes is not None:
        _check_group_attributes(group, codes, errors)
    if errors:
        raise Invalid(errors)
    try:
        with write_txn():
            if group is None:
                sort_order = state.get("sort_order")
                if sort_order is None:
                    sort_order = _next_sort_order(AttributeGroup.select(), AttributeGroup.sort_order)
                group = AttributeGroup.create(code=code, labels=state["labels"], sort_order=sort_order)
            else:
                group.labels, group.updated = state["labels"], utcnow()
                if state.get("sort_order") is not None:
                    group.sort_order = state["sort_order"]
                group.save()
            if codes is not None:
                _move_attributes(group, codes)
            return group
    except IntegrityError:
        raise Invalid({"code": f'The attribute group code "{code}" is already used.'}) from None


def _check_group_attributes(group, codes, errors):
    found = {code for (code,) in Attribute.select(Attribute.code).where(Attribute.code.in_(codes)).tuples()}
    unknown = sorted(set(codes) - found)
    if unknown:
        errors.setdefault("attributes", f"Unknown attributes: {', '.join(unknown)}.")
    elif group is not None and group.code != DEFAULT_GROUP:
        leaving = Attribute.select().where((Attribute.group == group) & Attribute.code.not_in(codes))
        if leaving.exists() and not AttributeGroup.select().where(AttributeGroup.code == DEFAULT_GROUP).exists():
            errors.setdefault("attributes", f'Attributes cannot leave the group: the default group "{DEFAULT_GROUP}" '
                                            "that would take them does not exist.")


def _move_attributes(group, codes):
    """Put the attributes ``codes`` in ``group``; the others it held go to the default group (whose own
    list cannot be changed, as in the reference). Every group that gains or loses one is updated."""
    if group.code == DEFAULT_GROUP:
        return
    now = utcnow()
    moving_in = Attribute.code.in_(codes) & (Attribute.group != group)
    arriving = Attribute.select(Attribute.id, Attribute.group).where(moving_in)
    leaving = Attribute.select(Attribute.id).where((Attribute.group == group) & Attribute.code.not_in(codes))
    touched = {row.group_id for row in arriving}
    leaving_ids = [row.id for row in leaving]
    if leaving_ids:
        default = AttributeGroup.get(AttributeGroup.code == DEFAULT_GROUP)
        Attribute.update(group=default, updated=now).where(Attribute.id.in_(leaving_ids)).execute()
        touched.add(default.id)
    if touched:
        Attribute.update(group=group, updated=now).where(moving_in).execute()
        AttributeGroup.update(updated=now).where(AttributeGroup.id.in_(list(touched))).execute()


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


def new_attribute_state(code, type_):
    """The properties of a new attribute of ``type_`` before any is given."""
    state = dict.fromkeys(STATE_FIELDS)
    state.update(code=code, type=type_, labels={}, sort_order=0, localizable=False, scopable=False,
                 unique=type_ == IDENTIFIER, available_locales=[], useable_as_grid_filter=type_ == IDENTIFIER,
                 allowed_extensions=[])
    for flag in ("wysiwyg_enabled", "decimals_allowed", "negative_allowed"):
        if applies(flag, type_):
            state[flag] = False
    return state


def attribute_state(attribute):
    """The stored properties of ``attribute`` (its group as a code)."""
    state = {name: getattr(attribute, name) for name in STATE_FIELDS if name != "group"}
    state["group"] = AttributeGroup.get_by_id(attribute.group_id).code
    state["labels"] = dict(attribute.labels or {})
    state["available_locales"] = list(attribute.available_locales or [])
    state["allowed_extensions"] = list(attribute.allowed_extensions or [])
    return state


def save_attribute(attribute, form, type_=None):
    """Create an attribute of ``type_`` (``attribute`` None) or update one from the settings form."""
    type_ = attribute.type if attribute else type_
    if type_ not in TYPES:
        raise Invalid({"type": "Choose a valid attribute type."})
    errors = {}
    state = attribute_state(attribute) if attribute else new_attribute_state((form.get("code") or "").strip(), type_)
    state.update(_form_common(form, errors, type_, creating=attribute is None))
    state.update(_form_type_specific(form, errors, type_, creating=attribute is None))
    return write_attribute(attribute, state, errors)


def _form_common(form, errors, type_, creating):
    """Labels, group, order, grid filter, locale specificity; the immutable flags only on creation.
    The identifier's flags are fixed: unique, always a grid filter, neither localizable nor scopable."""
    fixed = type_ == IDENTIFIER
    values = {"labels": parse_labels(form, errors, enabled_locales()), "group": (form.get("group") or ""),
              "sort_order": parse_int(form, errors, "sort_order", default=0),
              "useable_as_grid_filter": fixed or is_on(form, "useable_as_grid_filter"),
              "available_locales": [] if fixed else sorted({code for code in form.getlist("available_locales") if code})}
    if creating:
        values["localizable"] = not fixed and is_on(form, "localizable")
        values["scopable"] = not fixed and is_on(form, "scopable")
        values["unique"] = fixed or (applies("unique", type_) and is_on(form, "unique"))
    return values


def _form_type_specific(form, errors, type_, creating):
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


def write_attribute(attribute, state, errors=None):
    """Create (``attribute`` None) or update an attribute from ``state``; return it.

    Moving the attribute to another group updates both groups (their attribute lists changed). A
    change of the locales a locale-specific attribute is available in changes which values count for
    completeness: the write queues the recompute of the families requiring the attribute.
    """
    errors = dict(errors or {})
    values = _checked_values(attribute, state, errors)
    if errors:
        raise Invalid(errors)
    before = list(attribute.available_locales or []) if attribute else None
    try:
        with write_txn():
            if attribute is None:
                attribute = Attribute.create(**values)
            else:
                old_group = attribute.group_id
                for name, value in values.items():
                    setattr(attribute, name, value)
                attribute.updated = utcnow()
                attribute.save()
                if old_group != attribute.group_id:
                    AttributeGroup.update(updated=attribute.updated).where(
                        AttributeGroup.id.in_([old_group, attribute.group_id])).execute()
                if before != values["available_locales"]:
                    _enqueue_requiring_families(attribute)
    except IntegrityError:
        raise Invalid({"code": "This attribute could not be saved: its code is already used."}) from None
    jobs.kick()
    return attribute


def _enqueue_requiring_families(attribute):
    """Queue the recompute of the families that require ``attribute`` (inside the write transaction)."""
    requiring = Family.select().where(Family.id.in_(
        AttributeRequirement.select(AttributeRequirement.family).where(AttributeRequirement.attribute == attribute)))
    for family in requiring:
        enqueue_recompute_family(family)


def _checked_values(attribute, state, errors):
    """The model's column values for ``state``, or messages in ``errors``."""
    type_ = attribute.type if attribute else state["type"]
    if attribute is not None:
        for name in IMMUTABLE:
            if state[name] != getattr(attribute, name):
                errors.setdefault(name, CANNOT_CHANGE)
    if type_ not in TYPES:
        errors.setdefault("type", "Choose a valid attribute type.")
        return {}
    values = {}
    if attribute is None:
        check_code(state["code"], errors, Attribute.select().where(Attribute.code == state["code"]), "attribute")
        if type_ == IDENTIFIER and identifier_exists():
            errors.setdefault("type", "An identifier attribute already exists: there can only be one.")
        values.update(code=state["code"], type=type_, localizable=state["localizable"], scopable=state["scopable"],
                      unique=state["unique"])
    values.update(_common_values(state, errors, type_))
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


def _common_values(state, errors, type_):
    """Labels, group, order, grid filter, locale specificity, and the flags fixed by the type."""
    check_labels(state["labels"], errors)
    group = AttributeGroup.get_or_none(AttributeGroup.code == state["group"]) if state["group"] else None
    if group is None:
        errors.setdefault("group", "Choose the attribute group.")
    check_sort_order(state["sort_order"], errors)
    unknown = sorted(set(state["available_locales"]) - set(enabled_locales()))
    if unknown:
        errors.setdefault("available_locales", f"These locales are not enabled: {', '.join(unknown)}.")
    if type_ == IDENTIFIER:
        if state["available_locales"]:
            errors.setdefault("available_locales", "This attribute cannot have available locales.")
        if not state["useable_as_grid_filter"]:
            errors.setdefault("useable_as_grid_filter", "The identifier attribute is always usable as a grid filter.")
        for flag in ("localizable", "scopable"):
            if state[flag]:
                errors.setdefault(flag, "The identifier attribute can be neither localizable nor scopable.")
        if not state["unique"]:
            errors.setdefault("unique", "This attribute type must be unique")
    elif state["unique"] and not applies("unique", type_):
        errors.setdefault("unique", "This attribute type can't have unique value")
    return {"labels": state["labels"], "group": group, "sort_order": state["sort_order"],
            "useable_as_grid_filter": bool(state["useable_as_grid_filter"]),
            "available_locales": sorted(set(state["available_locales"]))}


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


# -- attribute options ----------------------------------------------------------------------------

def list_options(attribute):
    return attribute.options.order_by(AttributeOption.sort_order, AttributeOption.code)


def add_option(attribute, form):
    errors = {}
    labels = parse_labels(form, errors, enabled_locales())
    return write_option(attribute, None, {"code": (form.get("code") or "").strip(), "labels": labels}, errors)


def update_option(option, form):
    errors = {}
    labels = parse_labels(form, errors, enabled_locales())
    return write_option(option.attribute, option, {"labels": labels}, errors)


def write_option(attribute, option, state, errors=None):
    """Create (``option`` None) or update an option of ``attribute`` from ``state``: ``code`` (creation),
    ``labels`` and optionally ``sort_order`` (a new option goes last)."""
    errors = dict(errors or {})
    if option is None:
        check_code(state["code"], errors, AttributeOption.select().where(
            (AttributeOption.attribute == attribute) & (AttributeOption.code == state["code"])), "option")
    check_labels(state["labels"], errors)
    check_sort_order(state.get("sort_order"), errors)
    if errors:
        raise Invalid(errors)
    sort_order = state.get("sort_order")
    try:
        with write_txn():
            if option is None:
                if sort_order is None:
                    siblings = AttributeOption.select().where(AttributeOption.attribute == attribute)
                    sort_order = _next_sort_order(siblings, AttributeOption.sort_order)
                return AttributeOption.create(attribute=attribute, code=state["code"], labels=state["labels"],
                                              sort_order=sort_order)
            option.labels = state["labels"]
            option.sort_order = option.sort_order if sort_order is None else sort_order
            AttributeOption.update(labels=option.labels, sort_order=option.sort_order).where(
                AttributeOption.id == option.id).execute()
            return option
    except IntegrityError:
        raise Invalid({"code": f'The option code "{state.get("code")}" is already used.'}) from None


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
    """Delete an option no product uses. The check and the delete share one transaction that waits for
    every product write in progress (OPTIONS_LOCK): a product saved with the option meanwhile either
    committed first (the check sees it) or loads the options after the delete (and refuses it)."""
    with write_txn():
        serialize(OPTIONS_LOCK)
        if option_in_use(option):
            raise Invalid({"option": f'The option "{option.code}" is used by products and cannot be deleted.'})
        option.delete_instance()
