"""Product values: the per-type rules of §6.3/§6.4 and the SQL index rows a stored value becomes.

Everything here is pure (no request, no writes) so that the product service, the generator and the
REST API share one definition of what a valid value is. The values are checked against a snapshot of
the structure (``services.structure.snapshot.Structure``).
"""
import datetime
import re
from decimal import Decimal, InvalidOperation

from pimconnect.services.structure.attribute_types import IDENTIFIER

TEXT_TYPES = {IDENTIFIER, "pim_catalog_text", "pim_catalog_textarea"}
MEDIA_TYPES = {"pim_catalog_image", "pim_catalog_file"}
DEFAULT_MAX_CHARACTERS = {"pim_catalog_text": 255, IDENTIFIER: 255, "pim_catalog_textarea": 65535}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)

# Advisory lock names (db.serialize) for the product writes' check-then-write steps on PostgreSQL.
# Every product write holds OPTIONS_LOCK shared from before it loads the options; deleting an option
# holds it exclusively. Writes of a unique attribute's value serialize on UNIQUE_VALUES_LOCK from the
# "is it taken?" query to their commit. One name for all unique attributes: such values are rare, and
# one lock cannot deadlock with another taken in a different order.
OPTIONS_LOCK = "attribute-options"
UNIQUE_VALUES_LOCK = "unique-values"


# ---------------------------------------------------------------- validation of one value

class ValueError_(Exception):
    """One value's violation; carries the reference's message (and the currency for prices)."""

    def __init__(self, message, currency=None):
        super().__init__(message)
        self.message = message
        self.currency = currency


def php_type(data):
    """The reference's type word for a JSON value, as in 'expects a string as data, "array" given'."""
    if data is None:
        return "NULL"
    if isinstance(data, bool):
        return "boolean"
    if isinstance(data, int):
        return "integer"
    if isinstance(data, float):
        return "double"
    if isinstance(data, str):
        return "string"
    return "array"


def is_empty(data):
    """Empty data erases a value (§6.4): null, a blank string, an empty list."""
    if data is None or data == [] or data == {}:
        return True
    return isinstance(data, str) and not data.strip()


def _expects(attribute, kind, data):
    return ValueError_(f'Property "{attribute.code}" expects {kind} as data, "{php_type(data)}" given.')


def _text(attribute, data):
    if not isinstance(data, str):
        raise _expects(attribute, "a string", data)
    limit = attribute.max_characters or DEFAULT_MAX_CHARACTERS[attribute.type]
    if len(data) > limit:
        raise ValueError_(f"This value is too long. It should have {limit} characters or less.")
    if attribute.type == "pim_catalog_textarea":
        return data
    if "\n" in data:
        raise ValueError_("This value should not contain line breaks.")
    rule = attribute.validation_rule
    if rule == "email" and not EMAIL.match(data):
        raise ValueError_("This value is not a valid email address.")
    if rule == "url" and not URL.match(data):
        raise ValueError_("This value is not a valid URL.")
    if rule == "regexp" and attribute.validation_regexp and not _matches(attribute.validation_regexp, data):
        raise ValueError_(f"The {attribute.code} attribute must match the following regular expression: "
                          f"{attribute.validation_regexp}.")
    return data


def _matches(pattern, data):
    try:
        return re.search(pattern, data) is not None
    except re.error:
        return True  # a broken admin-entered pattern must not block every save


def _decimal(attribute, data, name=None):
    """Parse a number (int, float or numeric string) and apply the sign/decimals/range rules."""
    if isinstance(data, bool) or not isinstance(data, (int, float, str)):
        raise _expects(attribute, "a numeric", data) if name is None else ValueError_(
            f'Property "{attribute.code}" expects a numeric as {name}, "{php_type(data)}" given.')
    try:
        number = Decimal(str(data).strip())
    except InvalidOperation:
        raise ValueError_("This value should be a valid number.") from None
    if not number.is_finite():
        raise ValueError_("This value should be a valid number.")
    if not attribute.decimals_allowed and number != number.to_integral_value():
        raise ValueError_("This value should not be a decimal.")
    if attribute.negative_allowed is False and number < 0:
        raise ValueError_("This value should be greater than or equal to 0.")
    if attribute.number_min not in (None, "") and number < Decimal(attribute.number_min):
        raise ValueError_(f"This value should be {attribute.number_min} or more.")
    if attribute.number_max not in (None, "") and number > Decimal(attribute.number_max):
        raise ValueError_(f"This value should be {attribute.number_max} or less.")
    return number


def _amount(attribute, number, places):
    """Integers stay integers; decimal amounts are strings with fixed decimals, like the reference."""
    if not attribute.decimals_allowed:
        return int(number)
    return f"{number:.{places}f}"


def _number(attribute, data, structure):
    return _amount(attribute, _decimal(attribute, data), 4)


def _metric(attribute, data, structure):
    if not isinstance(data, dict) or "amount" not in data or "unit" not in data:
        raise ValueError_(f'Property "{attribute.code}" expects an array with the keys "amount" and "unit".')
    if is_empty(data["amount"]):
        return None
    units = structure.units.get(attribute.metric_family, {})
    if not isinstance(data["unit"], str) or data["unit"] not in units:
        raise ValueError_(f'Please specify a valid metric unit: "{data["unit"]}" is not a unit of the '
                          f'{attribute.metric_family} measurement family.')
    return {"amount": _amount(attribute, _decimal(attribute, data["amount"], "amount"), 4), "unit": data["unit"]}


def _prices(attribute, data, structure):
    if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
        raise _expects(attribute, "an array", data)
    prices = {}
    for price in data:
        currency = price.get("currency")
        if "amount" not in price or "currency" not in price:
            raise ValueError_(f'Property "{attribute.code}" expects an array with the keys "amount" and "currency".')
        if currency not in structure.currencies:
            raise ValueError_(f'The currency "{currency}" does not exist or is not activated.', currency=currency)
        if currency in prices:
            raise ValueError_(f"The same currency {currency} is set twice.", currency=currency)
        if is_empty(price["amount"]):
            continue
        try:
            prices[currency] = _amount(attribute, _decimal(attribute, price["amount"], "amount"), 2)
        except ValueError_ as exc:
            exc.currency = currency
            raise
    return [{"amount": prices[c], "currency": c} for c in sorted(prices)] or None


def _boolean(attribute, data, structure):
    if not isinstance(data, bool):
        raise _expects(attribute, "a boolean", data)
    return data


def _date(attribute, data, structure):
    if not isinstance(data, str):
        raise _expects(attribute, "a string", data)
    try:
        day = datetime.date.fromisoformat(data[:10])
        if len(data) > 10:
            datetime.datetime.fromisoformat(data.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError_(f'Property "{attribute.code}" expects a string with the format "yyyy-mm-dd" as data, '
                          f'"{data}" given.') from None
    if attribute.date_min and day.isoformat() < attribute.date_min:
        raise ValueError_(f"The date must be {attribute.date_min} or after.")
    if attribute.date_max and day.isoformat() > attribute.date_max:
        raise ValueError_(f"The date must be {attribute.date_max} or before.")
    return f"{day.isoformat()}T00:00:00+00:00"


def _option(attribute, code):
    if not isinstance(code, str):
        raise ValueError_(f'Property "{attribute.code}" expects a string as data, "{php_type(code)}" given.')
    known = attribute.options.get(code.lower())
    if known is None:
        raise ValueError_(f"The {code} value is not in the {attribute.code} attribute option list.")
    return known


def _simpleselect(attribute, data, structure):
    return _option(attribute, data)


def _multiselect(attribute, data, structure):
    if not isinstance(data, list):
        raise _expects(attribute, "an array", data)
    codes = []
    unknown = [c for c in data if isinstance(c, str) and c.lower() not in attribute.options]
    if len(unknown) > 1:
        raise ValueError_(f"The {', '.join(unknown)} values are not in the {attribute.code} attribute option list.")
    for code in data:
        option = _option(attribute, code)
        if option not in codes:
            codes.append(option)
    return sorted(codes) or None


def _media(attribute, data, structure):
    if not isinstance(data, str):
        raise _expects(attribute, "a string", data)
    return data  # existence and extension are checked against MediaFile by the caller, in one query


NORMALIZERS = {
    IDENTIFIER: lambda a, d, s: _text(a, d),
    "pim_catalog_text": lambda a, d, s: _text(a, d),
    "pim_catalog_textarea": lambda a, d, s: _text(a, d),
    "pim_catalog_number": _number,
    "pim_catalog_metric": _metric,
    "pim_catalog_price_collection": _prices,
    "pim_catalog_boolean": _boolean,
    "pim_catalog_date": _date,
    "pim_catalog_simpleselect": _simpleselect,
    "pim_catalog_multiselect": _multiselect,
    "pim_catalog_image": _media,
    "pim_catalog_file": _media,
}


def normalize_data(attribute, data, structure):
    """The stored form of ``data`` (None means: erase), or raise ValueError_ with the reference's message."""
    if is_empty(data):
        return None
    normalizer = NORMALIZERS.get(attribute.type)
    if normalizer is None:
        raise ValueError_(f'The attribute type "{attribute.type}" is not supported.')
    return normalizer(attribute, data, structure)


def check_context(attribute, locale, scope, structure):
    """The locale/scope rules of §6.3; returns a message or None."""
    if attribute.localizable and locale is None:
        return f'Attribute "{attribute.code}" expects a locale, none given.'
    if not attribute.localizable and locale is not None:
        return f'Attribute "{attribute.code}" does not expect a locale, "{locale}" given.'
    if attribute.scopable and scope is None:
        return f'Attribute "{attribute.code}" expects a channel code, none given.'
    if not attribute.scopable and scope is not None:
        return f'Attribute "{attribute.code}" does not expect a channel, "{scope}" given.'
    if scope is not None and scope not in structure.channels:
        return f'Attribute "{attribute.code}" expects an existing scope, "{scope}" given.'
    if locale is not None:
        if locale not in structure.locales:
            return f'Attribute "{attribute.code}" expects an existing and activated locale, "{locale}" given.'
        if attribute.available_locales and locale not in attribute.available_locales:
            return (f'Attribute "{attribute.code}" is locale specific and expects one of its available locales: '
                    f'{", ".join(attribute.available_locales)}, "{locale}" given.')
        if scope is not None and locale not in structure.channels[scope].locales:
            return f'Attribute "{attribute.code}" expects a valid locale, "{locale}" is not bound to channel "{scope}".'
    return None


# ---------------------------------------------------------------- index rows

def _operate(value, op, operand):
    if op == "mul":
        return value * operand
    if op == "div" and operand != 0:
        return value / operand
    if op == "add":
        return value + operand
    if op == "sub":
        return value - operand
    return value


INVERSE = {"mul": "div", "div": "mul", "add": "sub", "sub": "add"}


def to_standard(amount, operations):
    """Apply a unit's ``convert_from_standard`` operations in order (Akeneo's measure converter)."""
    value = Decimal(str(amount))
    for operation in operations:
        value = _operate(value, operation.get("operator"), Decimal(str(operation.get("value", "1"))))
    return float(value)


def from_standard(amount, operations):
    """An amount in a family's standard unit, in the unit whose ``convert_from_standard`` operations
    are given: those operations undone in reverse order (the inverse of ``to_standard``, as Akeneo's
    measure converter computes it)."""
    value = Decimal(str(amount))
    for operation in reversed(operations):
        value = _operate(value, INVERSE.get(operation.get("operator")), Decimal(str(operation.get("value", "1"))))
    return value


def _row(product_id, attribute, locale, scope, key="", text=None, number=None, boolean=None, date=None):
    return {"product": product_id, "attribute": attribute.id, "locale": locale or "", "scope": scope or "",
            "key": key, "text": text, "number": number, "boolean": boolean, "date": date}


def _rows_for(product_id, attribute, locale, scope, data, structure):
    kind = attribute.type
    if kind in TEXT_TYPES or kind in MEDIA_TYPES:
        return [_row(product_id, attribute, locale, scope, text=data.lower()[:255])]
    if kind == "pim_catalog_simpleselect":
        return [_row(product_id, attribute, locale, scope, text=data)]
    if kind == "pim_catalog_multiselect":
        return [_row(product_id, attribute, locale, scope, key=code, text=code) for code in data]
    if kind == "pim_catalog_number":
        return [_row(product_id, attribute, locale, scope, number=float(data))]
    if kind == "pim_catalog_price_collection":
        return [_row(product_id, attribute, locale, scope, key=p["currency"], number=float(p["amount"]))
                for p in data]
    if kind == "pim_catalog_metric":
        operations = structure.units.get(attribute.metric_family, {}).get(data["unit"], [])
        number = to_standard(data["amount"], operations)
        return [_row(product_id, attribute, locale, scope, key=data["unit"], number=number)]
    if kind == "pim_catalog_boolean":
        return [_row(product_id, attribute, locale, scope, boolean=data)]
    if kind == "pim_catalog_date":
        return [_row(product_id, attribute, locale, scope, date=datetime.date.fromisoformat(data[:10]))]
    return []


def index_rows(product_id, values, structure):
    """The ProductValue rows (as dicts for ``insert_many``) of a stored values document."""
    rows = []
    for code, entries in values.items():
        attribute = structure.attributes.get(code)
        if attribute is None:
            continue
        for entry in entries:
            rows.extend(_rows_for(product_id, attribute, entry.get("locale"), entry.get("scope"),
                                  entry["data"], structure))
    return rows
