"""Attribute-value criteria of the products ``search`` (§6.5): one operator table per kind of attribute,
each operator compiled to a condition on ProductValue.

ProductValue holds the typed index of every value (services/values.index_rows): ``text`` is the
lower-cased text cut at 255 characters, an option code or a media code; ``number`` a number, one
price per currency (``key``) or a metric in its family's standard unit; ``boolean``; ``date``. Most
criteria probe the product's own rows by the head of the unique index (product, attribute, locale,
scope, key), so a page reads products in uuid order and stops at its 100th match, one index probe
per product read, however big the catalog. Equal texts, which few products share, are looked up by
value instead (``ValueRows.holding``).

Value checks and messages are the reference's filters' (akeneo/pim-community-dev
src/Akeneo/Pim/Enrichment/Bundle/Elasticsearch/Filter/Attribute/*.php, InvalidPropertyTypeException).
"""
import datetime
import math
import operator
import re
from functools import reduce

from peewee import SQL, Node, NodeList, Value, fn

from pimconnect.api.core import ApiError
from pimconnect.db import is_sqlite
from pimconnect.models import AttributeOption, Currency, FamilyAttribute, MeasurementFamily, MeasurementUnit
from pimconnect.models import Product, ProductValue
from pimconnect.services.products.values import php_type, to_standard

TEXT_PREFIX = 255  # characters of the lower-cased text that ProductValue.text keeps
MEDIA_NAME_START = 50  # a media code is "a/b/c/d/<40 hex>_<file name>": the name starts at character 50
ALL = SQL("1 = 1")
NONE = SQL("1 = 0")
COMPARISONS = {"<": operator.lt, "<=": operator.le, "=": operator.eq, "!=": operator.ne,
               ">=": operator.ge, ">": operator.gt}
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")  # PHP's is_numeric strings


# --- messages and value checks shared with the property criteria ------------------------------

def invalid(message):
    return ApiError(422, message)


def expects(key, what, value):
    """The reference's type error: ``Property "k" expects <what> as data, "<type>" given.``"""
    return invalid(f'Property "{key}" expects {what} as data, "{php_type(value)}" given.')


def php_string(value):
    """A value as PHP prints it in a message's ``"%s" given``."""
    if isinstance(value, bool):
        return "1" if value else ""
    if value is None:
        return ""
    return "Array" if isinstance(value, (list, dict)) else str(value)


def sql_text(text):
    """A user string made safe as a SQL parameter. PostgreSQL text cannot hold NUL and no driver
    encodes a lone surrogate (JSON escapes can produce one); stored data holds neither, so U+FFFD
    in their place changes no match."""
    return UNSTORABLE.sub("\ufffd", text)


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


def check_string(key, value, attribute=None):
    if not isinstance(value, str):
        raise expects(key, "a string", value)
    return value


def check_strings(key, value, attribute=None):
    if not isinstance(value, list):
        raise expects(key, "an array", value)
    if not all(isinstance(item, str) for item in value):
        raise invalid(f'Property "{key}" expects an array of strings as data.')
    return value


def check_codes(key, value):
    """A list of codes (strings or numbers, as FieldFilterHelper::checkIdentifier allows), as strings
    ready for SQL."""
    if not isinstance(value, list):
        raise expects(key, "an array", value)
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise expects(key, "a string", item)
    return [sql_text(php_string(item)) for item in value]


def check_numeric(key, value, attribute=None):
    number = number_of(value)
    if number is None:
        raise expects(key, "a numeric", value)
    return number


def like(column, pattern):
    """``column LIKE pattern`` with ``\\`` escaping (the pattern is built with ``escape_like``)."""
    return NodeList((column, SQL("LIKE"), Value(pattern), SQL("ESCAPE '\\'")), parens=True)


def escape_like(text):
    """User text inside a LIKE pattern: ``%`` and ``_`` match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def raw(template, *parts):
    """SQL from a template whose ``{}`` take nodes (columns, expressions) or bound values."""
    pieces = template.split("{}")
    nodes = [SQL(pieces[0])]
    for part, text in zip(parts, pieces[1:]):
        nodes += [part if isinstance(part, Node) else Value(part), SQL(text)]
    return NodeList(nodes, glue="")


def probed(column):
    """``column`` where the page must be read in uuid order and each product probed by its own rows.

    SQLite is given ``+column``, which no index can serve. Left free, it walks the index on the
    compared column for every product of the page (inside a correlated probe), or reads every
    product of a family or status and sorts them; with a broad filter both cost the whole catalog.
    PostgreSQL's planner weighs the LIMIT itself."""
    return NodeList((SQL("+"), column), glue="") if is_sqlite() else column


def probe(query):
    """``EXISTS (query)``, evaluated for each product the page reads.

    On PostgreSQL, ``OFFSET 0`` keeps the planner from turning it into a join: it misjudges how many
    ProductValue rows match (a boolean's or a number's condition correlates with the attribute,
    which it assumes independent) and, thinking them few, would read and sort every match for each
    page. SQLite always evaluates it so.
    """
    return fn.EXISTS(query if is_sqlite() else query.offset(0))


# --- the rows of one attribute value ----------------------------------------------------------

class ValueRows:
    """The ProductValue rows of one attribute at one locale and scope ('' when not applicable)."""

    def __init__(self, attribute, locale, scope):
        self.attribute = attribute
        self.locale = locale or ""
        self.scope = scope or ""

    def exist(self, *conditions):
        rows = ProductValue.select(SQL("1")).where(
            ProductValue.product == Product.uuid, ProductValue.attribute == self.attribute.id,
            ProductValue.locale == self.locale, ProductValue.scope == self.scope, *conditions)
        return probe(rows)

    def holding(self, *conditions):
        """Products with such a row, looked up by the compared column's index: for equal texts (an
        identifier, a name), which few products share and a page would probe the catalog to find."""
        rows = ProductValue.select(ProductValue.product).where(
            ProductValue.attribute == self.attribute.id, ProductValue.locale == self.locale,
            ProductValue.scope == self.scope, *conditions)
        return Product.uuid.in_(rows)

    def empty(self):
        """No value though the product's family has the attribute (the reference's EMPTY filters)."""
        families = FamilyAttribute.select(FamilyAttribute.family).where(FamilyAttribute.attribute == self.attribute.id)
        return probed(Product.family).in_(families) & ~self.exist()

    def document_text(self, comparison, operand):
        """The document's text for this locale and scope, lower-cased, ``comparison`` (``= {}``,
        ``LIKE {} ESCAPE ...``) ``operand``: what decides past the 255 indexed characters.

        SQLite's lower() folds ASCII letters only, so past character 255 the comparison is
        case-insensitive for ASCII letters only.
        """
        locale, scope = self.locale or None, self.scope or None
        if is_sqlite():
            return raw("EXISTS (SELECT 1 FROM json_each({}, {}) AS e WHERE json_extract(e.value, '$.locale') IS {}"
                       " AND json_extract(e.value, '$.scope') IS {} AND lower(json_extract(e.value, '$.data')) "
                       + comparison + ")", Product.values, f'$."{self.attribute.code}"', locale, scope, operand)
        return raw("EXISTS (SELECT 1 FROM jsonb_array_elements({} -> CAST({} AS text)) AS e"
                   " WHERE (e.value ->> 'locale') IS NOT DISTINCT FROM CAST({} AS text)"
                   " AND (e.value ->> 'scope') IS NOT DISTINCT FROM CAST({} AS text)"
                   " AND lower(e.value ->> 'data') " + comparison + ")",
                   Product.values, self.attribute.code, locale, scope, operand)


# --- texts (identifier, text, textarea) and media file names ----------------------------------

def text_matches(rows, how, needle):
    """The row's text ``how`` (starts, equals, contains) ``needle``, case-insensitively.

    The index keeps 255 characters: within them it decides alone; past them the JSON document does.
    """
    needle = sql_text(needle).lower()
    column = probed(ProductValue.text)
    if how == "starts" and len(needle) <= TEXT_PREFIX:
        return like(column, escape_like(needle) + "%")
    if how == "starts":
        pattern = escape_like(needle) + "%"
        return (column == needle[:TEXT_PREFIX]) & rows.document_text("LIKE {} ESCAPE '\\'", pattern)
    if how == "equals" and len(needle) < TEXT_PREFIX:
        return column == needle
    if how == "equals":
        return (column == needle[:TEXT_PREFIX]) & rows.document_text("= {}", needle)
    pattern = "%" + escape_like(needle) + "%"
    return like(column, pattern) | ((fn.LENGTH(column) >= TEXT_PREFIX)
                                    & rows.document_text("LIKE {} ESCAPE '\\'", pattern))


def name_matches(rows, how, needle):
    """A media value's file name (the code's part after the hash, never cut) ``how`` ``needle``."""
    name = fn.SUBSTR(ProductValue.text, SQL(str(MEDIA_NAME_START)))
    needle = sql_text(needle).lower()
    if how == "equals":
        return name == needle
    pattern = escape_like(needle) + "%"
    return like(name, pattern if how == "starts" else "%" + pattern)


def _any_text(rows, needles):
    """Equal to one of ``needles``: one IN for those the index holds whole, a test for each longer one."""
    lowered = [sql_text(n).lower() for n in needles]
    short = [n for n in lowered if len(n) < TEXT_PREFIX]
    longer = [text_matches(rows, "equals", n) for n in lowered if len(n) >= TEXT_PREFIX]
    return reduce(operator.or_, longer, probed(ProductValue.text).in_(short))


def _equal_text(rows, needles):
    """Products whose text equals one of ``needles``, looked up by value when the index holds them whole."""
    lowered = [sql_text(n).lower() for n in needles]
    if all(len(n) < TEXT_PREFIX for n in lowered):
        return rows.holding(ProductValue.text.in_(lowered))
    return rows.exist(_any_text(rows, needles))


def _text_operators(matches, equal):
    return {
        "STARTS WITH": (check_string, lambda rows, v: rows.exist(matches(rows, "starts", v))),
        "CONTAINS": (check_string, lambda rows, v: rows.exist(matches(rows, "contains", v))),
        "DOES NOT CONTAIN": (check_string, lambda rows, v: rows.exist(~matches(rows, "contains", v))),
        "=": (check_string, equal),
        "!=": (check_string, lambda rows, v: rows.exist(~matches(rows, "equals", v))),
    }


# --- numbers, metrics, prices -----------------------------------------------------------------

def _metric_value(key, value, attribute):
    """The amount of ``{"amount", "unit"}`` in the family's standard unit (as values.index_rows stores it)."""
    if not isinstance(value, (dict, list)):
        raise expects(key, "an array", value)
    for name in ("amount", "unit"):
        if not isinstance(value, dict) or name not in value:
            raise invalid(f'Property "{key}" expects an array with the key "{name}".')
    if number_of(value["amount"]) is None:
        raise invalid(f'Property "{key}" expects an array with valid data, key "amount" has to be a numeric, '
                      f'"{php_type(value["amount"])}" given.')
    if not isinstance(value["unit"], str):
        raise invalid(f'Property "{key}" expects an array with valid data, key "unit" has to be a string, '
                      f'"{php_type(value["unit"])}" given.')
    units = dict(MeasurementUnit.select(MeasurementUnit.code, MeasurementUnit.convert_from_standard)
                 .join(MeasurementFamily).where(MeasurementFamily.code == attribute.metric_family).tuples())
    if value["unit"] not in units:
        raise invalid(f'Property "{key}" expects a valid unit. The unit does not exist in the attribute\'s family '
                      f'"{attribute.metric_family}", "{value["unit"]}" given.')
    return to_standard(str(value["amount"]).strip(), units[value["unit"]] or [])


def _price_value(key, value, attribute=None):
    """(amount, currency) of ``{"amount", "currency"}``; the currency must be activated."""
    if not isinstance(value, (dict, list)):
        raise expects(key, "an array", value)
    if not isinstance(value, dict) or "amount" not in value:
        raise invalid(f'Property "{key}" expects an array with the key "amount".')
    amount = number_of(value["amount"])
    if amount is None:
        raise expects(key, "a numeric", value["amount"])
    if "currency" not in value:
        raise invalid(f'Property "{key}" expects an array with the key "currency".')
    currency = value["currency"]
    activated = isinstance(currency, str) and Currency.select().where(
        Currency.code == sql_text(currency), Currency.enabled).exists()
    if not activated:
        raise invalid(f'Property "{key}" expects a valid currency. The currency does not exist, '
                      f'"{php_string(currency)}" given.')
    return amount, currency


def _comparisons(parse, compare):
    return {op: (parse, lambda rows, v, test=test: compare(rows, test, v)) for op, test in COMPARISONS.items()}


def _number_operators():
    return _comparisons(check_numeric, lambda rows, test, v: rows.exist(test(probed(ProductValue.number), v)))


def _metric_operators():
    return _comparisons(_metric_value, lambda rows, test, v: rows.exist(test(probed(ProductValue.number), v)))


def _price_operators():
    return _comparisons(_price_value, lambda rows, test, v: rows.exist(ProductValue.key == v[1],
                                                                       test(probed(ProductValue.number), v[0])))


# --- options, booleans, dates -----------------------------------------------------------------

def _option_codes(key, value, attribute):
    """The stored codes of the options named (case-insensitively, as the reference); unknown -> 422."""
    codes = check_codes(key, value)
    lowered = [sql_text(c).lower() for c in codes]
    known = {}
    if codes:
        query = AttributeOption.select(AttributeOption.code).where(
            AttributeOption.attribute == attribute.id, fn.LOWER(AttributeOption.code).in_(lowered))
        known = {code.lower(): code for (code,) in query.tuples()}
    unknown = [c for c, low in zip(codes, lowered) if low not in known]
    if unknown:
        kind = "options" if attribute.type == "pim_catalog_multiselect" else "option"
        raise invalid(f'Object "{kind}" with code "{unknown[0]}" does not exist')
    return [known[c] for c in lowered]


def _boolean(key, value, attribute):
    if not isinstance(value, bool):
        raise expects(key, "a boolean", value)
    return value


def parse_date(key, value, python_format, shown_format):
    """A date or date-time in the reference's format; 422 ``expects a string with the format`` else."""
    if isinstance(value, str):
        try:
            return datetime.datetime.strptime(value, python_format)
        except ValueError:
            pass
    raise invalid(f'Property "{key}" expects a string with the format "{shown_format}" as data, '
                  f'"{php_string(value)}" given.')


def date_pair(key, value, parse, shown_format):
    """BETWEEN's two bounds, in order given."""
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        raise expects(key, "an array", value)
    if len(value) != 2:
        raise invalid(f'Property "{key}" expects an array with valid data, should contain 2 strings with the format '
                      f'"{shown_format}".')
    return [parse(key, item) for item in value]


def _date(key, value, attribute=None):
    return parse_date(key, value, "%Y-%m-%d", "yyyy-mm-dd").date()


def _dates(key, value, attribute=None):
    return date_pair(key, value, _date, "yyyy-mm-dd")


def _between(bounds):
    return probed(ProductValue.date).between(bounds[0], bounds[1])


# --- the operator tables ----------------------------------------------------------------------


def _kind_operators():
    """{kind: {operator: (check(key, value, attribute) or None, build(rows, checked value))}}."""
    text = _text_operators(text_matches, lambda rows, v: _equal_text(rows, [v]))
    text.update({
        "IN": (check_strings, _equal_text),
        "NOT IN": (check_strings, lambda rows, v: ~rows.exist(_any_text(rows, v))),
    })
    media = _text_operators(name_matches, lambda rows, v: rows.exist(name_matches(rows, "equals", v)))
    options = {
        "IN": (_option_codes, lambda rows, codes: rows.exist(probed(ProductValue.text).in_(codes))),
        "NOT IN": (_option_codes, lambda rows, codes: ~rows.exist(probed(ProductValue.text).in_(codes))),
    }
    boolean = {
        "=": (_boolean, lambda rows, v: rows.exist(probed(ProductValue.boolean) == v)),
        "!=": (_boolean, lambda rows, v: rows.exist(probed(ProductValue.boolean) != v)),
    }
    date = {op: (_date, lambda rows, v, test=COMPARISONS[op]: rows.exist(test(probed(ProductValue.date), v)))
            for op in ("<", "=", "!=", ">")}
    date.update({
        "BETWEEN": (_dates, lambda rows, v: rows.exist(_between(v))),
        "NOT BETWEEN": (_dates, lambda rows, v: rows.exist(~_between(v))),
    })
    kinds = {"text": text, "media": media, "number": _number_operators(), "metric": _metric_operators(),
             "price": _price_operators(), "option": options, "boolean": boolean, "date": date}
    for operators in kinds.values():
        operators["EMPTY"] = (None, lambda rows, v: rows.empty())
        operators["NOT EMPTY"] = (None, lambda rows, v: rows.exist())
    return kinds


KIND_OF_TYPE = {
    "pim_catalog_identifier": "text", "pim_catalog_text": "text", "pim_catalog_textarea": "text",
    "pim_catalog_number": "number", "pim_catalog_metric": "metric", "pim_catalog_price_collection": "price",
    "pim_catalog_simpleselect": "option", "pim_catalog_multiselect": "option", "pim_catalog_boolean": "boolean",
    "pim_catalog_date": "date", "pim_catalog_image": "media", "pim_catalog_file": "media",
}
OPERATORS = _kind_operators()


def operators_of(attribute):
    """The operators the attribute's type supports ({} for a type the search does not know)."""
    return OPERATORS.get(KIND_OF_TYPE.get(attribute.type), {})


def value_condition(key, attribute, operator_code, value, locale, scope):
    """The condition of one criterion on ``attribute`` (named ``key`` in messages) whose operator is
    supported and whose locale and scope are checked."""
    check, build = operators_of(attribute)[operator_code]
    checked = None if check is None else check(key, value, attribute)
    return build(ValueRows(attribute, locale, scope), checked)
