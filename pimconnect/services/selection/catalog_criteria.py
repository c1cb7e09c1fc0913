"""Validation of an app catalog's stored selection criteria (catalogs-for-apps.md §4.1–§4.4): every
problem with its path, worded with the catalog's messages, and the resolved criteria the SQL
builders take (the same forms as a REST search's, so one builder serves both).

The criteria are the stored JSON as is (a list of ``{field, operator, value[, scope, locale]}``),
since the shape itself is checked: a map instead of a list, a missing or unexpected key.
"""
import datetime
import re

from peewee import Value

from pimconnect.services.products.values import to_standard
from pimconnect.services.selection import registry
from pimconnect.services.selection.checks import number_of
from pimconnect.services.selection.model import CATALOG_CRITERIA, Problem, Resolved
from pimconnect.services.selection.sql import sql_text

MAX_CRITERIA = 25
SYSTEM_CRITERIA = ("enabled", "family", "categories")  # these three keys only (§4.1)
SYSTEM_KEYS = ("field", "operator", "value")
ALL_KEYS = ("field", "operator", "value", "scope", "locale")
EMPTY_OPERATORS = ("EMPTY", "NOT EMPTY", "UNCLASSIFIED")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

MESSAGES = {  # catalogs-for-apps.md §4.1, §4.4 (translations/validators.en_US.yml)
    "criteria.not_list": "Invalid array structure.",
    "criteria.too_many": "Too many criteria.",
    "field.missing": "Missing field value",
    "field.invalid": "Invalid field value",
    "key.missing": "This field is missing.",
    "key.unexpected": "This field was not expected.",
    "operator.invalid": "The value you selected is not a valid choice.",
    "value.invalid": "This value is not valid.",
    "value.must_be_empty": "This value must be empty.",
    "value.must_not_be_empty": "This value must not be empty.",
    "channel.must_be_empty": "This channel must be empty.",
    "channel.must_not_be_empty": "This channel must not be empty.",
    "channel.deactivated": "This channel has been deactivated. Please check your channel settings or remove this "
                           "criterion.",
    "locale.must_be_empty": "This locale must be empty.",
    "locale.must_not_be_empty": "This locale must not be empty.",
    "locale.does_not_exist": "This locale does not exist.",
    "locale.disabled_for_channel": "This locale is disabled for this channel. Please check your channel settings or "
                                   "remove this criterion.",
    "completeness.range": "Completeness value must be between 0 and 100 percent.",
    "family.unknown": "At least one selected family does not exist.",
    "categories.unknown": "The following categories do not exist anymore: {codes}. Please remove them from the "
                          "criterion value.",
    "options.unknown": "At least one selected option does not exists.",
    "unit.unknown": 'The unit of the field "{field}" does not exist.',
    "unit.blank": "The unit must not be empty.",
    "dates.pair": "These values must not be empty.",
}


def word(problem):
    """A problem in the catalog editor's words."""
    params = {**problem.params, "codes": ", ".join(problem.params.get("codes", ()))}
    return MESSAGES[problem.code].format(**params)


def check(selection, structure):
    """(problems, resolved criteria) of stored catalog criteria."""
    stored = selection.criteria
    if not isinstance(stored, list):
        return [Problem("criteria.not_list", "criteria")], []
    problems = [Problem("criteria.too_many", "criteria", limit=MAX_CRITERIA)] if len(stored) > MAX_CRITERIA else []
    resolved = []
    for index, item in enumerate(stored):
        found = _criterion(item, structure)
        if isinstance(found, Resolved):
            resolved.append(found)
            continue
        for problem in found:
            problem.path = f"criteria[{index}].{problem.path}"
            problems.append(problem)
    return problems, resolved


class Problems(list):
    """A criterion's problems (a list of its own type: a resolved value may be a list too)."""


def _problem(code, part, **params):
    """A problem at ``part`` of its criterion (``value``, ``value.unit``…); ``check`` prefixes it."""
    return Problems([Problem(code, part, **params)])


def _criterion(item, structure):
    """The criterion resolved, or its problems (paths relative to the criterion)."""
    if not isinstance(item, dict) or not isinstance(item.get("field"), str):
        return _problem("field.missing", "field")
    code = item["field"]
    attribute = None if code in SYSTEM_CRITERIA + ("completeness",) else structure.attribute(code)
    field = registry.PROPERTIES[code] if attribute is None and code in registry.PROPERTIES else \
        registry.field_of(code, attribute)
    if field is None or not registry.operators_for(field, CATALOG_CRITERIA):
        return _problem("field.invalid", "field")
    keys = SYSTEM_KEYS if code in SYSTEM_CRITERIA else ALL_KEYS
    problems = Problems(p for key in keys if key not in item for p in _problem("key.missing", key))
    problems += [p for key in item if key not in keys for p in _problem("key.unexpected", key)]
    if problems:
        return problems
    operator = item["operator"]
    if field.operation(operator, CATALOG_CRITERIA) is None:
        return _problem("operator.invalid", "operator")
    value = item["value"]
    is_empty = value is None or value == "" or value == []
    if operator in EMPTY_OPERATORS:
        return _problem("value.must_be_empty", "value") if not is_empty else _resolved(
            field, operator, None, attribute, item, structure)
    if is_empty and code != "enabled":
        return _problem("value.must_not_be_empty", "value")
    return _resolved(field, operator, value, attribute, item, structure)


def _resolved(field, operator, value, attribute, item, structure):
    if field.code == "completeness":
        return _completeness(field, operator, value, item, structure)
    if attribute is not None:
        problems = _attribute_context(attribute, item, structure)
        checked = _attribute_value(field, operator, value, attribute, structure)
        if problems or isinstance(checked, Problems):
            return Problems(problems + (checked if isinstance(checked, Problems) else []))
        return Resolved(field, operator, checked, attribute, item["locale"], item["scope"])
    checked = _system_value(field.code, operator, value, structure)
    return checked if isinstance(checked, Problems) else Resolved(field, operator, checked)


def _system_value(code, operator, value, structure):
    if code == "enabled":
        return value if isinstance(value, bool) else _problem("value.invalid", "value")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(c, str) and c.strip() for c in value):
        return _problem("value.invalid", "value")
    if code == "family":
        found = structure.families(value)
        unknown = [c for c in value if c.lower() not in found]
        return _problem("family.unknown", "value") if unknown else [found[c.lower()] for c in value]
    found = structure.categories([sql_text(c) for c in value])
    unknown = [c for c in value if sql_text(c) not in found]
    return _problem("categories.unknown", "value", codes=unknown) if unknown else [found[sql_text(c)] for c in value]


def _completeness(field, operator, value, item, structure):
    problems = Problems()
    if isinstance(value, bool) or not isinstance(value, int):
        problems.extend(_problem("value.invalid", "value"))
    elif not 0 <= value <= 100:
        problems.extend(_problem("completeness.range", "value"))
    scope, locale = item["scope"], item["locale"]
    channel = structure.channel(scope) if isinstance(scope, str) and scope else None
    if not (isinstance(scope, str) and scope):
        problems.extend(_problem("channel.must_not_be_empty", "scope"))
    elif channel is None:
        problems.extend(_problem("channel.deactivated", "scope"))
    if not (isinstance(locale, str) and locale):
        problems.extend(_problem("locale.must_not_be_empty", "locale"))
    elif channel is not None and (locale not in channel.locales or locale not in structure.locales):
        problems.extend(_problem("locale.disabled_for_channel", "locale"))
    if problems:
        return problems
    return Resolved(field, operator, {"channel": channel, "value": Value(value, converter=False),
                                      "locale_ids": [structure.locales[locale]]}, locale=locale, scope=scope)


def _attribute_context(attribute, item, structure):
    """The seven channel and locale rules of §4.4."""
    scope, locale, problems = item["scope"], item["locale"], Problems()
    channel = None
    if not attribute.scopable and scope is not None:
        problems.extend(_problem("channel.must_be_empty", "scope"))
    elif attribute.scopable and scope is None:
        problems.extend(_problem("channel.must_not_be_empty", "scope"))
    elif attribute.scopable:
        channel = structure.channel(scope)
        if channel is None:
            problems.extend(_problem("channel.deactivated", "scope"))
    if not attribute.localizable and locale is not None:
        problems.extend(_problem("locale.must_be_empty", "locale"))
    elif attribute.localizable and locale is None:
        problems.extend(_problem("locale.must_not_be_empty", "locale"))
    elif attribute.localizable and not attribute.scopable and locale not in structure.locales:
        problems.extend(_problem("locale.does_not_exist", "locale"))
    elif attribute.localizable and channel is not None and (locale not in channel.locales
                                                            or locale not in structure.locales):
        problems.extend(_problem("locale.disabled_for_channel", "locale"))
    return problems


def _attribute_value(field, operator, value, attribute, structure):
    """The value in its builder's form, or its problems."""
    if value is None:
        return None
    shape = field.operations[operator].shape
    invalid = _problem("value.invalid", "value")
    if shape == "string":
        return value if isinstance(value, str) else invalid
    if shape in ("strings", "options"):
        if not isinstance(value, list) or not all(isinstance(c, str) and c.strip() for c in value):
            return invalid
        if shape == "strings":
            return value
        known = structure.options(attribute, value)
        unknown = [c for c in value if sql_text(c).lower() not in known]
        return _problem("options.unknown", "value") if unknown else [known[sql_text(c).lower()] for c in value]
    if shape == "number":
        number = number_of(value)
        return invalid if number is None else number
    if shape == "boolean":
        return value if isinstance(value, bool) else invalid
    if shape == "metric":
        return _metric(value, attribute, structure)
    if shape == "date":
        return _date(value) or invalid
    pair = [_date(v) for v in value] if isinstance(value, list) and len(value) == 2 else None
    return pair if pair and all(pair) else _problem("dates.pair", "value")


def _metric(value, attribute, structure):
    if not isinstance(value, dict) or set(value) != {"amount", "unit"}:
        return _problem("value.invalid", "value")
    problems = Problems()
    if number_of(value["amount"]) is None or (isinstance(value["amount"], str) and not value["amount"].strip()):
        problems.extend(_problem("value.invalid", "value.amount"))
    units = structure.units(attribute.metric_family)
    if not isinstance(value["unit"], str) or not value["unit"].strip():
        problems.extend(_problem("unit.blank", "value.unit"))
    elif value["unit"] not in units:
        problems.extend(_problem("unit.unknown", "value.unit", field=attribute.code))
    if problems:
        return problems
    return to_standard(str(value["amount"]).strip(), units[value["unit"]])


def _date(value):
    if not isinstance(value, str) or not DATE.fullmatch(value):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None
