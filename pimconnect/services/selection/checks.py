"""Checks of a criterion's value shared by the fields: each returns the value in the form the SQL
builder takes, or raises a Problem (whose code the caller words; REST keeps Akeneo's messages of
akeneo/pim-community-dev …/Elasticsearch/Filter/*, InvalidPropertyTypeException)."""
import datetime
import math
import re

from pimconnect.services.products.values import php_type
from pimconnect.services.selection.model import Problem
from pimconnect.services.selection.sql import sql_text

NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")  # PHP's is_numeric strings
DATE_FORMAT, DATE_SHOWN = "%Y-%m-%d", "yyyy-mm-dd"
MOMENT_FORMAT, MOMENT_SHOWN = "%Y-%m-%d %H:%M:%S", "yyyy-mm-dd H:i:s"


def php_string(value):
    """A value as PHP prints it in a message's ``"%s" given``."""
    if isinstance(value, bool):
        return "1" if value else ""
    if value is None:
        return ""
    return "Array" if isinstance(value, (list, dict)) else str(value)


def expects(what, value):
    """The reference's type error: ``Property "k" expects <what> as data, "<type>" given.``"""
    return Problem("value.type", expected=what, given=php_type(value))


def number_of(value):
    """The float of a JSON number or numeric string (PHP's is_numeric), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    if isinstance(value, str) and not NUMERIC.fullmatch(value):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return None
    return number if math.isfinite(number) else None


def string(value):
    if not isinstance(value, str):
        raise expects("a string", value)
    return value


def strings(value):
    if not isinstance(value, list):
        raise expects("an array", value)
    if not all(isinstance(item, str) for item in value):
        raise Problem("value.strings")
    return value


def codes(value):
    """A list of codes (strings or numbers, as FieldFilterHelper::checkIdentifier allows), as strings
    ready for SQL."""
    if not isinstance(value, list):
        raise expects("an array", value)
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise expects("a string", item)
    return [sql_text(php_string(item)) for item in value]


def numeric(value):
    number = number_of(value)
    if number is None:
        raise expects("a numeric", value)
    return number


def boolean(value):
    if not isinstance(value, bool):
        raise expects("a boolean", value)
    return value


def parse_date(value, python_format=DATE_FORMAT, shown_format=DATE_SHOWN):
    """A date or date-time in the reference's format."""
    if isinstance(value, str):
        try:
            return datetime.datetime.strptime(value, python_format)
        except ValueError:
            pass
    raise Problem("date.format", format=shown_format, given=php_string(value))


def date_pair(value, parse, shown_format):
    """BETWEEN's two bounds, in order given."""
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        raise expects("an array", value)
    if len(value) != 2:
        raise Problem("date.pair", format=shown_format)
    return [parse(item) for item in value]


def date(value):
    return parse_date(value).date()


def dates(value):
    return date_pair(value, date, DATE_SHOWN)


def moment(value):
    return parse_date(value, MOMENT_FORMAT, MOMENT_SHOWN)


def moments(value):
    return date_pair(value, moment, MOMENT_SHOWN)
