"""Attribute-value criteria: for each kind of attribute, its operators' value checks and SQL, a
condition on ProductValue.

ProductValue holds the typed index of every value (services/products/values.index_rows): ``text``
is the lower-cased text cut at 255 characters, an option code or a media code; ``number`` a
number, one price per currency (``key``) or a metric in its family's standard unit; ``boolean``;
``date``. Most criteria probe the product's own rows by the head of the unique index (product,
attribute, locale, scope, key), so a page reads products in uuid order and stops at its 100th
match, one index probe per product read, however big the catalog. Equal texts, which few products
share, are looked up by value instead (``ValueRows.holding``).
"""
import operator
from functools import reduce

from peewee import SQL, fn

from pimconnect.db import is_sqlite
from pimconnect.models import FamilyAttribute, Product, ProductValue
from pimconnect.services.products.values import php_type, to_standard
from pimconnect.services.selection import checks
from pimconnect.services.selection.checks import expects, number_of, php_string
from pimconnect.services.selection.model import CATALOG, Problem
from pimconnect.services.selection.sql import escape_like, like, probe, probed, raw, sql_text

TEXT_PREFIX = 255  # characters of the lower-cased text that ProductValue.text keeps
MEDIA_NAME_START = 50  # a media code is "a/b/c/d/<40 hex>_<file name>": the name starts at character 50
COMPARISONS = {"<": operator.lt, "<=": operator.le, "=": operator.eq, "!=": operator.ne,
               ">=": operator.ge, ">": operator.gt}


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

    def empty(self, semantics):
        """No value. REST (the reference's EMPTY filters): only products whose family has the
        attribute; catalog criteria: any product."""
        if semantics == CATALOG:
            return ~self.exist()
        families = FamilyAttribute.select(FamilyAttribute.family).where(FamilyAttribute.attribute == self.attribute.id)
        return probed(Product.family).in_(families) & ~self.exist()

    def none_of(self, condition, semantics):
        """No row holds ``condition`` (NOT IN): REST keeps products without a value, catalog
        criteria exclude them."""
        if semantics == CATALOG:
            return self.exist() & ~self.exist(condition)
        return ~self.exist(condition)

    def document_text(self, comparison, operand):
        """The document's text for this locale and scope, lower-cased, ``comparison`` (``= {}``,
        ``LIKE {} ESCAPE ...``) ``operand``: what decides past the 255 indexed characters.

        Read from the row's product (not the outer query's): a walk of the catalog then reads a
        product's row — which holds the document — only for the few texts the index cut.
        SQLite's lower() folds ASCII letters only, so past character 255 the comparison is
        case-insensitive for ASCII letters only.
        """
        return fn.EXISTS(Product.select(SQL("1")).where(
            Product.uuid == ProductValue.product, self._document_text(comparison, operand)))

    def _document_text(self, comparison, operand):
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
        "STARTS WITH": (checks.string, lambda rows, v, s: rows.exist(matches(rows, "starts", v))),
        "CONTAINS": (checks.string, lambda rows, v, s: rows.exist(matches(rows, "contains", v))),
        "DOES NOT CONTAIN": (checks.string, lambda rows, v, s: rows.exist(~matches(rows, "contains", v))),
        "=": (checks.string, equal),
        "!=": (checks.string, lambda rows, v, s: rows.exist(~matches(rows, "equals", v))),
    }


# --- numbers, metrics, prices -----------------------------------------------------------------

def metric_amount(value, attribute, structure):
    """The amount of ``{"amount", "unit"}`` in the family's standard unit (as index_rows stores it)."""
    if not isinstance(value, (dict, list)):
        raise expects("an array", value)
    for name in ("amount", "unit"):
        if not isinstance(value, dict) or name not in value:
            raise Problem("value.key_missing", key=name)
    if number_of(value["amount"]) is None:
        raise Problem("value.key_type", key="amount", expected="numeric", given=php_type(value["amount"]))
    if not isinstance(value["unit"], str):
        raise Problem("value.key_type", key="unit", expected="string", given=php_type(value["unit"]))
    units = structure.units(attribute.metric_family)
    if value["unit"] not in units:
        raise Problem("unit.unknown", family=attribute.metric_family, given=value["unit"])
    return to_standard(str(value["amount"]).strip(), units[value["unit"]])


def price(value, attribute, structure):
    """(amount, currency) of ``{"amount", "currency"}``; the currency must be activated."""
    if not isinstance(value, (dict, list)):
        raise expects("an array", value)
    if not isinstance(value, dict) or "amount" not in value:
        raise Problem("value.key_missing", key="amount")
    amount = number_of(value["amount"])
    if amount is None:
        raise expects("a numeric", value["amount"])
    if "currency" not in value:
        raise Problem("value.key_missing", key="currency")
    currency = value["currency"]
    if not (isinstance(currency, str) and structure.currency_activated(currency)):
        raise Problem("currency.unknown", given=php_string(currency))
    return amount, currency


def option_codes(value, attribute, structure):
    """The stored codes of the options named (case-insensitively, as the reference); unknown -> problem."""
    codes = checks.codes(value)
    known = structure.options(attribute, codes) if codes else {}
    unknown = [c for c in codes if sql_text(c).lower() not in known]
    if unknown:
        kind = "options" if attribute.type == "pim_catalog_multiselect" else "option"
        raise Problem("code.unknown", kind=kind, code=unknown[0], codes=unknown)
    return [known[sql_text(c).lower()] for c in codes]


def _comparisons(parse, compare):
    return {op: (parse, lambda rows, v, s, test=test: compare(rows, test, v)) for op, test in COMPARISONS.items()}


def _on_number(rows, test, v):
    return rows.exist(test(probed(ProductValue.number), v))


def _on_price(rows, test, v):
    return rows.exist(ProductValue.key == v[1], test(probed(ProductValue.number), v[0]))


def _between(bounds):
    return probed(ProductValue.date).between(bounds[0], bounds[1])


# --- the operator tables ----------------------------------------------------------------------

def _value_only(check):
    """A check of the value alone, for a table whose checks also take the attribute and structure."""
    return lambda value, attribute, structure: check(value)


def _kind_operators():
    """{kind: {operator: (check(value, attribute, structure) or None, build(rows, checked, semantics))}}."""
    text = _text_operators(text_matches, lambda rows, v, s: _equal_text(rows, [v]))
    text.update({
        "IN": (checks.strings, lambda rows, v, s: _equal_text(rows, v)),
        "NOT IN": (checks.strings, lambda rows, v, s: rows.none_of(_any_text(rows, v), s)),
    })
    media = _text_operators(name_matches, lambda rows, v, s: rows.exist(name_matches(rows, "equals", v)))
    options = {
        "IN": (option_codes, lambda rows, codes, s: rows.exist(probed(ProductValue.text).in_(codes))),
        "NOT IN": (option_codes, lambda rows, codes, s: rows.none_of(probed(ProductValue.text).in_(codes), s)),
    }
    boolean = {
        "=": (checks.boolean, lambda rows, v, s: rows.exist(probed(ProductValue.boolean) == v)),
        "!=": (checks.boolean, lambda rows, v, s: rows.exist(probed(ProductValue.boolean) != v)),
    }
    date = {op: (checks.date, lambda rows, v, s, test=COMPARISONS[op]: rows.exist(test(probed(ProductValue.date), v)))
            for op in ("<", "=", "!=", ">")}
    date.update({
        "BETWEEN": (checks.dates, lambda rows, v, s: rows.exist(_between(v))),
        "NOT BETWEEN": (checks.dates, lambda rows, v, s: rows.exist(~_between(v))),
    })
    kinds = {"text": text, "media": media, "number": _comparisons(checks.numeric, _on_number),
             "metric": _comparisons(metric_amount, _on_number), "price": _comparisons(price, _on_price),
             "option": options, "boolean": boolean, "date": date}
    for operators in kinds.values():
        for code, (check, build) in list(operators.items()):
            if check not in (metric_amount, price, option_codes):
                operators[code] = (_value_only(check), build)
        operators["EMPTY"] = (None, lambda rows, v, s: rows.empty(s))
        operators["NOT EMPTY"] = (None, lambda rows, v, s: rows.exist())
    return kinds


KIND_OF_TYPE = {
    "pim_catalog_identifier": "text", "pim_catalog_text": "text", "pim_catalog_textarea": "text",
    "pim_catalog_number": "number", "pim_catalog_metric": "metric", "pim_catalog_price_collection": "price",
    "pim_catalog_simpleselect": "option", "pim_catalog_multiselect": "option", "pim_catalog_boolean": "boolean",
    "pim_catalog_date": "date", "pim_catalog_image": "media", "pim_catalog_file": "media",
}
OPERATORS = _kind_operators()


def condition(resolved, semantics):
    """The SQL of a resolved attribute criterion."""
    build = OPERATORS[KIND_OF_TYPE[resolved.attribute.type]][resolved.operator][1]
    return build(ValueRows(resolved.attribute, resolved.locale, resolved.scope), resolved.value, semantics)


class RowCount(ValueRows):
    """The rows a positive criterion holds, read through the (attribute, locale, scope, column)
    index instead of probed product by product: their count (``column`` None) or their products.

    An attribute has at most one row per product at a locale and scope (a price one per currency,
    which its criterion names), so counting rows counts products; a multi-select has one row per
    option, so only a one-option IN counts so (its products are right whatever the criterion).
    """

    def __init__(self, attribute, locale, scope, column=None):
        super().__init__(attribute, locale, scope)
        self.column = column

    def exist(self, *conditions):
        # The typed column's IS NOT NULL (always true of this attribute's rows) lets that index
        # serve: the compared column is ``+column``, which would leave SQLite free to pick any
        # index starting with (attribute, locale, scope), and read the table for the column.
        typed = getattr(ProductValue, TYPED_COLUMN[KIND_OF_TYPE[self.attribute.type]])
        selected = fn.COUNT(SQL("*")) if self.column is None else self.column
        return ProductValue.select(selected).where(
            ProductValue.attribute == self.attribute.id, ProductValue.locale == self.locale,
            ProductValue.scope == self.scope, typed.is_null(False), *conditions)

    holding = exist


TYPED_COLUMN = {"text": "text", "media": "text", "option": "text", "number": "number", "metric": "number",
                "price": "number", "boolean": "boolean", "date": "date"}
POSITIVE = {"STARTS WITH", "CONTAINS", "DOES NOT CONTAIN", "=", "!=", "IN", "<", "<=", ">", ">=", "BETWEEN",
            "NOT BETWEEN", "NOT EMPTY"}


def _rows(resolved, semantics, column=None):
    """The RowCount query of a positive criterion (None for a negation: NOT IN, EMPTY)."""
    if resolved.operator not in POSITIVE:
        return None
    build = OPERATORS[KIND_OF_TYPE[resolved.attribute.type]][resolved.operator][1]
    return build(RowCount(resolved.attribute, resolved.locale, resolved.scope, column), resolved.value, semantics)


MANY_ROWS = {"pim_catalog_multiselect", "pim_catalog_price_collection"}  # a row per option, per currency


def _one_row_per_product(resolved):
    """Whether the criterion's rows are one per product: a multi-select's one-option IN, a price's
    comparison (in its currency), any other type's criterion."""
    if resolved.attribute.type == "pim_catalog_multiselect":
        return resolved.operator == "IN" and len(set(resolved.value)) == 1
    if resolved.attribute.type == "pim_catalog_price_collection":
        return resolved.operator in COMPARISONS
    return True


def row_count(resolved, semantics, total):
    """The exact count of a one-criterion selection through the value index, or None. NOT IN and
    EMPTY count by difference: the products with a value (REST's NOT IN: every product) less
    those holding a listed option or text; every product less those with a value."""
    kind = KIND_OF_TYPE[resolved.attribute.type]
    if resolved.operator in POSITIVE:
        return _rows(resolved, semantics).scalar() if _one_row_per_product(resolved) else None
    if resolved.attribute.type in MANY_ROWS:
        return None
    rows = RowCount(resolved.attribute, resolved.locale, resolved.scope)
    if resolved.operator == "NOT IN" and kind in ("text", "option"):
        condition = (probed(ProductValue.text).in_(resolved.value) if kind == "option"
                     else _any_text(rows, resolved.value))
        holding = rows.exist(condition).scalar()
        return (rows.exist().scalar() if semantics == CATALOG else total()) - holding
    if resolved.operator == "EMPTY" and semantics == CATALOG:
        return total() - rows.exist().scalar()
    return None


def driver(resolved, semantics, column):
    """``column`` (the product, or a constant the index alone answers) of the rows a positive
    criterion holds, read through the value index (a count driven by its rarest criterion), or None."""
    return _rows(resolved, semantics, column)
