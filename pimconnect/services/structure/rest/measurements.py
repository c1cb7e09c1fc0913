"""Measurement families for the REST API (§5.8): the whole list, and a PATCH of a JSON array of families,
each created, or merged into the stored one, in its own transaction and answered on its own result line.

The stored conversions are what the product values code applies (``values.to_standard``): operations
``mul|div|add|sub`` with a numeric string, the standard unit a multiplication by 1. Once a product attribute
uses a family, its standard unit and its units' operations are locked, so the amounts already indexed in
the standard unit stay right; units can still be added and labels and symbols edited.
"""
import re
from collections import defaultdict
from decimal import Decimal

from peewee import IntegrityError

from pimconnect.db import serialize, write_txn
from pimconnect.models import Attribute, MeasurementFamily, MeasurementUnit
from pimconnect.services.structure.rest.common import (
    BLANK,
    CODE_MAX,
    CODE_PATTERN,
    LABEL_MAX,
    NUL,
    find_by_code,
    is_storable,
    php_string,
)

MAX_FAMILIES = 100
MAX_UNITS = 50
MAX_OPERATIONS = 5
SYMBOL_MAX = 255  # the reference allows 255 characters
OPERATORS = ("mul", "div", "add", "sub")
INVALID_LIST = "The list of measurement families has an invalid format."
INVALID_FORMAT = "The measurement family has an invalid format."
BUSINESS_RULES = "The measurement family has data that does not comply with the business rules."
CODE_PATTERN_MESSAGE = "This field can only contain letters, numbers, and underscores."
TOO_LONG = "This value is too long. It should have {} characters or less."
NOT_A_NUMBER = 'The conversion value should be a number represented in a string (example: "0.2561")'
LOCKED = ("A product attribute is linked to this measurement family. You can only edit the translated labels "
          "and symbol of a unit")
NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
MAX_EXPONENT = 50  # conversion factors between 1e-50 and 1e50: enough for any unit, no overflow in to_standard
FAMILY_FIELDS = ("_links", "code", "labels", "standard_unit_code", "units")


class Rejected(Exception):
    """One family refused: its result line's message and errors."""

    def __init__(self, message, errors):
        super().__init__(message)
        self.message = message
        self.errors = errors


# --- reading --------------------------------------------------------------------------------------

def _unit(unit):
    return {"code": unit.code, "labels": unit.labels or {}, "convert_from_standard": unit.convert_from_standard or [],
            "symbol": unit.symbol}


def _units_by_family(family_ids=None):
    query = MeasurementUnit.select().order_by(MeasurementUnit.sort_order, MeasurementUnit.code)
    if family_ids is not None:
        query = query.where(MeasurementUnit.family.in_(family_ids))
    units = defaultdict(dict)
    for unit in query:
        units[unit.family_id][unit.code] = _unit(unit)
    return units


def _represent(family, units):
    """The reference's shape: units indexed by their code."""
    return {"code": family.code, "labels": family.labels or {}, "standard_unit_code": family.standard_unit,
            "units": units}


def list_families():
    """Every measurement family by code, in two queries."""
    units = _units_by_family()
    return [_represent(f, units[f.id]) for f in MeasurementFamily.select().order_by(MeasurementFamily.code)]


# --- the PATCH ------------------------------------------------------------------------------------

def list_errors(body):
    """The reference's check of the PATCH body: a JSON array of objects (JSON-schema wording)."""
    if not isinstance(body, list):
        return [{"property": "", "message": f"{_found(body)} value found, but an array is required"}]
    return [{"property": f"[{i}]", "message": f"{_found(item)} value found, but an object is required"}
            for i, item in enumerate(body) if not isinstance(item, dict)]


def save_family(item):
    """Create or update one family of the PATCH body; its result line."""
    code = item.get("code", "")
    if not isinstance(code, str):
        echoed = "" if isinstance(code, (dict, list)) else php_string(code)
        return _line(echoed, 422, INVALID_FORMAT, [_type_error("code", code, "string")])
    if "code" not in item:
        return _line(code, 422, INVALID_FORMAT, [{"property": "code", "message": "The property code is required"}])
    try:
        with write_txn():
            return {"code": code, "status_code": _write(item)}
    except Rejected as refused:
        return _line(code, 422, refused.message, refused.errors)
    except IntegrityError:  # a concurrent request created the same family first (PostgreSQL)
        return _line(code, 422, BUSINESS_RULES,
                     [{"property": "code", "message": "This measurement family code already exists."}])


def _line(code, status, message, errors):
    return {"code": code, "status_code": status, "message": message, "errors": errors}


def _write(item):
    family = find_by_code(MeasurementFamily, item["code"])
    stored = _represent(family, _units_by_family([family.id])[family.id]) if family else None
    document = _merged(stored, item) if stored else {"labels": {}, **item}
    errors = _schema_errors(document)
    if errors:
        raise Rejected(INVALID_FORMAT, errors)
    document["units"] = dict(document["units"] or {})
    errors = [{"property": f"[units][{key}]", "message": "The index does not match the unit code."}
              for key, unit in document["units"].items() if unit["code"] != key]
    errors = errors or _business_errors(document, stored)
    if errors:
        raise Rejected(BUSINESS_RULES, errors)
    _store(family, document)
    return 204 if family else 201


def _merged(stored, item):
    """The stored family with the body merged in, as the reference does: labels and units merge by key,
    a unit's labels merge; anything else (a unit's operations included) is replaced."""
    document = {**stored, **{k: v for k, v in item.items() if k not in ("labels", "units")}}
    if "labels" in item:
        document["labels"] = _merge(stored["labels"], item["labels"])
    if "units" in item:
        units = item["units"]
        if isinstance(units, dict):
            units = dict(stored["units"])
            for key, unit in item["units"].items():
                old = units.get(key)
                if isinstance(old, dict) and isinstance(unit, dict):
                    unit = {**old, **unit, "labels": _merge(old["labels"], unit.get("labels", {}))}
                units[key] = unit
        document["units"] = units
    return document


def _merge(old, new):
    return {**old, **new} if isinstance(old, dict) and isinstance(new, dict) else new


# --- the JSON-schema step (the reference's wording: "String value found, but an object is required") --

def _found(value):
    if value is None:
        return "NULL"
    names = {bool: "Boolean", int: "Integer", float: "Number", str: "String", list: "Array", dict: "Object"}
    return names[type(value)]


def _type_error(path, value, expected):
    article = "an" if expected[0] in "aeiou" else "a"
    return {"property": path, "message": f"{_found(value)} value found, but {article} {expected} is required"}


def _is_object(value):
    """An object, or the empty list a PHP client sends for an empty object."""
    return isinstance(value, dict) or value == []


def _labels_errors(path, labels):
    if not _is_object(labels):
        return [_type_error(path, labels, "object")]
    return [_type_error(f"{path}.{locale}", label, "string") for locale, label in dict(labels or {}).items()
            if not isinstance(label, str)]


def _schema_errors(document):
    errors = []
    for field in ("code", "units", "standard_unit_code"):
        if field not in document:
            errors.append({"property": field, "message": f"The property {field} is required"})
    errors += [{"property": "", "message": f"The property {key} is not defined and the definition does not allow "
                                          "additional properties"} for key in document if key not in FAMILY_FIELDS]
    if "standard_unit_code" in document and not isinstance(document["standard_unit_code"], str):
        errors.append(_type_error("standard_unit_code", document["standard_unit_code"], "string"))
    errors += _labels_errors("labels", document.get("labels", {}))
    units = document.get("units", {})
    if not _is_object(units):
        return errors + [_type_error("units", units, "object")]
    for key, unit in dict(units or {}).items():
        errors += _unit_schema_errors(f"units.{key}", unit)
    return errors


def _unit_schema_errors(path, unit):
    if not isinstance(unit, dict):
        return [_type_error(path, unit, "object")]
    errors = [{"property": f"{path}.{field}", "message": f"The property {field} is required"}
              for field in ("code", "convert_from_standard") if field not in unit]
    errors += [_type_error(f"{path}.{field}", unit[field], "string") for field in ("code", "symbol")
               if field in unit and not isinstance(unit[field], str)]
    errors += _labels_errors(f"{path}.labels", unit.get("labels", {}))
    operations = unit.get("convert_from_standard", [])
    if not isinstance(operations, list):
        return errors + [_type_error(f"{path}.convert_from_standard", operations, "array")]
    for i, operation in enumerate(operations):
        at = f"{path}.convert_from_standard[{i}]"
        if not isinstance(operation, dict):
            errors.append(_type_error(at, operation, "object"))
            continue
        for field in ("operator", "value"):
            if field not in operation:
                errors.append({"property": f"{at}.{field}", "message": f"The property {field} is required"})
            elif not isinstance(operation[field], str):
                errors.append(_type_error(f"{at}.{field}", operation[field], "string"))
    return errors


# --- the business rules ---------------------------------------------------------------------------

def _code_errors(path, code):
    if code == "":
        return [{"property": path, "message": BLANK}]
    errors = [] if CODE_PATTERN.fullmatch(code) else [{"property": path, "message": CODE_PATTERN_MESSAGE}]
    if len(code) > CODE_MAX:
        errors.append({"property": path, "message": TOO_LONG.format(CODE_MAX)})
    return errors


def _text_errors(path, text, limit):
    if len(text) > limit:
        return [{"property": path, "message": TOO_LONG.format(limit)}]
    return [] if is_storable(text) else [{"property": path, "message": NUL}]


def _label_errors(path, labels):
    errors = []
    for locale, label in dict(labels or {}).items():
        errors += _text_errors(f"{path}[{locale}]", locale, LABEL_MAX) or _text_errors(f"{path}[{locale}]", label,
                                                                                       LABEL_MAX)
    return errors


def _business_errors(document, stored):
    code, standard = document["code"], document["standard_unit_code"]
    units = list(dict(document["units"] or {}).values())
    errors = _code_errors("code", code) + _label_errors("labels", document["labels"])
    if standard == "":
        errors.append({"property": "standard_unit_code", "message": "The standard unit is required."})
    elif standard not in {unit["code"] for unit in units}:
        errors.append({"property": "standard_unit_code", "message": f'The "{standard}" standard unit code does not '
                       f'exist in the list of units for the "{code}" measurement family.'})
    if stored and standard != stored["standard_unit_code"]:
        errors.append({"property": "standard_unit_code", "message": f'The standard unit code of the "{code}" '
                                                                    "measurement family cannot be changed"})
    if not units:
        errors.append({"property": "units", "message": "There should be at least 1 unit in the measurement family."})
    if len(units) > MAX_UNITS:  # the reference's text for this limit, verbatim
        errors.append({"property": "units",
                       "message": f"You’ve reached the limit of {MAX_UNITS} conversion operations per unit."})
    for i, unit in enumerate(units):
        errors += _unit_errors(f"units[{i}]", unit, code, standard)
    if stored and _is_used(code) and any(_operations(unit) != _operations(document["units"][key])
                                         for key, unit in stored["units"].items()):
        errors.append({"property": "", "message": LOCKED})
    if not stored:
        serialize("measurement_families")  # count once any concurrent creation ended (PostgreSQL)
        if MeasurementFamily.select().count() >= MAX_FAMILIES:
            errors.append({"property": "",
                           "message": f"You’ve reached the limit of {MAX_FAMILIES} measurement families."})
    return errors


def _operations(unit):
    return [{"operator": o["operator"], "value": o["value"].strip()} for o in unit["convert_from_standard"]]


def _is_used(code):
    return Attribute.select().where(Attribute.metric_family == code).exists()


def _unit_errors(path, unit, family_code, standard):
    errors = _code_errors(f"{path}[code]", unit["code"]) + _label_errors(f"{path}[labels]", unit.get("labels"))
    errors += _text_errors(f"{path}[symbol]", unit.get("symbol", ""), SYMBOL_MAX)
    operations = unit["convert_from_standard"]
    if not operations:
        errors.append({"property": f"{path}[convert_from_standard]",
                       "message": "A minimum of one conversion operation per unit is required."})
    if len(operations) > MAX_OPERATIONS:
        errors.append({"property": f"{path}[convert_from_standard]",
                       "message": f"You’ve reached the limit of {MAX_OPERATIONS} conversion operations per unit."})
    for j, operation in enumerate(operations):
        errors += _operation_errors(f"{path}[convert_from_standard][{j}]", operation)
    if unit["code"] == standard and not _is_identity(operations):
        errors.append({"property": f"{path}.convert_from_standard", "message": f'The standard unit code of the '
                       f'"{family_code}" measurement family should be a multiply-by-1 operation'})
    return errors


def _operation_errors(path, operation):
    errors = []
    operator, value = operation["operator"], operation["value"]
    if operator == "":
        errors.append({"property": f"{path}[operator]", "message": BLANK})
    elif operator not in OPERATORS:
        errors.append({"property": f"{path}[operator]", "message": f'The "{operator}" operator is invalid, please '
                                                                   'use "mul", "div", "add", "sub" instead.'})
    if value.strip() == "":
        errors.append({"property": f"{path}[value]", "message": BLANK})
    elif not NUMBER.fullmatch(value) or abs(Decimal(value.strip()).adjusted()) > MAX_EXPONENT:
        errors.append({"property": f"{path}[value]", "message": NOT_A_NUMBER})
    elif operator == "div" and Decimal(value.strip()) == 0:
        errors.append({"property": f"{path}[value]", "message": "A conversion cannot divide by zero."})
    return errors


def _is_identity(operations):
    return (len(operations) == 1 and operations[0]["operator"] == "mul" and NUMBER.fullmatch(operations[0]["value"])
            and Decimal(operations[0]["value"].strip()) == 1)


# --- storing --------------------------------------------------------------------------------------

def _clean_labels(labels):
    return {locale: label for locale, label in dict(labels or {}).items() if label}


def _store(family, document):
    labels = _clean_labels(document["labels"])
    if family is None:
        family = MeasurementFamily.create(code=document["code"], labels=labels,
                                          standard_unit=document["standard_unit_code"])
    elif labels != (family.labels or {}):
        MeasurementFamily.update(labels=labels).where(MeasurementFamily.id == family.id).execute()
    existing = {u.code: u for u in MeasurementUnit.select().where(MeasurementUnit.family == family)}
    position = max((u.sort_order for u in existing.values()), default=-1)
    for unit in document["units"].values():
        fields = {"labels": _clean_labels(unit.get("labels")), "symbol": unit.get("symbol", ""),
                  "convert_from_standard": _operations(unit)}
        old = existing.get(unit["code"])
        if old is None:
            position += 1
            MeasurementUnit.create(family=family, code=unit["code"], sort_order=position, **fields)
        elif fields != {"labels": old.labels, "symbol": old.symbol, "convert_from_standard": old.convert_from_standard}:
            MeasurementUnit.update(**fields).where(MeasurementUnit.id == old.id).execute()
