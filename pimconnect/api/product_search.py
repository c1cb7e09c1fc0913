"""The products ``search`` parameter (§6.5, §8.2) compiled to one SQL condition over Product.

``product_filter()`` takes the structure-checked search of ``core.parse_search()`` and returns a
peewee expression for ``Product.select().where(...)``. Nothing is filtered in Python: properties are
conditions on Product's columns, categories a correlated EXISTS on ProductCategory (product,
category), completeness on ProductCompleteness (product, channel, locale) and attribute values on
ProductValue (product_search_values). A page listed in uuid order thus reads its product rows plus
one index probe per criterion, whatever the catalog size (bench/search_plans.py prints the plans).

Checks run in the reference's order (ListProductsQueryValidator): the categories named exist, every
key is a property or an attribute, the identifier list limit, the locales; then each criterion's
operator and value, with the messages of the reference's filters.
"""
import datetime
import json
import operator
import uuid
from dataclasses import dataclass
from functools import cached_property, partial, reduce

from peewee import SQL, Value, fn

from pimconnect.api.core import ApiError, unsupported_filter
from pimconnect.api.product_search_values import (
    ALL,
    COMPARISONS,
    NONE,
    check_codes,
    check_numeric,
    check_strings,
    date_pair,
    escape_like,
    expects,
    invalid,
    like,
    operators_of,
    parse_date,
    php_string,
    probe,
    probed,
    sql_text,
    value_condition,
)
from pimconnect.db import is_sqlite
from pimconnect.models import (
    Attribute,
    Category,
    Channel,
    ChannelLocale,
    Family,
    Locale,
    Product,
    ProductCategory,
    ProductCompleteness,
)
from pimconnect.models.structure import utcnow
from pimconnect.services.products.values import IDENTIFIER

IDENTIFIER_LIMIT = 100
FEW = 1000  # matches a page may find through an index and sort (see _on_column)
MOMENT_FORMAT, MOMENT_SHOWN = "%Y-%m-%d %H:%M:%S", "yyyy-mm-dd H:i:s"
ON_ALL_LOCALES = {"GREATER THAN ON ALL LOCALES": ">", "GREATER OR EQUALS THAN ON ALL LOCALES": ">=",
                  "LOWER THAN ON ALL LOCALES": "<", "LOWER OR EQUALS THAN ON ALL LOCALES": "<="}
QUALITY_SCORES = ("A", "B", "C", "D", "E")
ONE_SECOND = datetime.timedelta(seconds=1)


def product_filter(search, search_locale=None, search_scope=None):
    """The condition on Product matching every criterion of ``search`` (None without criteria).

    ``search`` is ``core.parse_search()``'s ``{key: [criterion, …]}``; ``search_locale`` and
    ``search_scope`` are the defaults of criteria without ``locale`` / ``scope``. Raises ApiError
    with the reference's status and message for anything it cannot answer.
    """
    context = _Context(search, search_locale, search_scope)
    _check_categories(search)
    _check_keys(search, context.attributes)
    _check_identifier_limit(search)
    _check_locales(search, search_locale, context.locales)
    conditions = [_condition(key, criterion, context) for key, criteria in search.items() for criterion in criteria]
    return reduce(operator.and_, conditions) if conditions else None


@dataclass
class _Channel:
    id: int
    locales: list


class _Context:
    """The search with the structure it names, read on demand: a few small queries per request."""

    def __init__(self, search, search_locale, search_scope):
        self.search_locale = search_locale
        self.search_scope = search_scope
        codes = [sql_text(key) for key in search if key not in PROPERTIES]
        self.attributes = {a.code: a for a in Attribute.select().where(Attribute.code.in_(codes))} if codes else {}
        self._channels = {}

    @cached_property
    def locales(self):
        """Activated locale code -> id."""
        return dict(Locale.select(Locale.code, Locale.id).where(Locale.enabled).tuples())

    @cached_property
    def identifier_attribute(self):
        return Attribute.get_or_none(Attribute.type == IDENTIFIER)

    def channel(self, code):
        if not isinstance(code, str):
            return None
        if code not in self._channels:
            found = Channel.select(Channel.id).where(Channel.code == sql_text(code)).scalar()
            locales = ChannelLocale.select(Locale.code).join(Locale).where(ChannelLocale.channel == found)
            self._channels[code] = found and _Channel(found, sorted(c for (c,) in locales.tuples()))
        return self._channels[code]

    def locale_ids(self, codes):
        """The ids of the activated locales among ``codes`` (the checks refused any other)."""
        return _unique(self.locales[c] for c in map(php_string, codes) if c in self.locales)

    def locale_of(self, criterion):
        return criterion["locale"] if criterion.get("locale") is not None else self.search_locale

    def scope_of(self, criterion):
        return criterion["scope"] if criterion.get("scope") is not None else self.search_scope


# --- the reference's checks before any filter -------------------------------------------------

def _unique(items):
    return list(dict.fromkeys(items))


def _check_categories(search):
    """Every category code named exists (ValidateCategories)."""
    codes = _unique(sql_text(code) for criterion in search.get("categories", [])
                    if isinstance(criterion.get("value"), list)
                    for code in criterion["value"] if isinstance(code, str))
    known = {c for (c,) in Category.select(Category.code).where(Category.code.in_(codes)).tuples()} if codes else set()
    unknown = [c for c in codes if c not in known]
    if len(unknown) == 1:
        raise invalid(f'Category "{unknown[0]}" does not exist.')
    if unknown:
        raise invalid(f'Categories "{", ".join(unknown)}" do not exist.')


def _check_keys(search, attributes):
    """Every key is a product property or an existing attribute (ValidateProperties)."""
    for key, criteria in search.items():
        if key not in PROPERTIES and key not in attributes and criteria:
            raise unsupported_filter(key, criteria[0]["operator"])


def _check_identifier_limit(search):
    """``identifier`` IN lists hold no null and at most 100 identifiers (ValidateIdentifiersLimit)."""
    for criterion in search.get("identifier", []):
        value = criterion.get("value")
        if criterion["operator"] != "IN":
            continue
        if value is None or (isinstance(value, list) and None in value):
            raise invalid("The identifier filter can't contain null value")
        if isinstance(value, list) and len({json.dumps(v, sort_keys=True) for v in value}) > IDENTIFIER_LIMIT:
            raise ApiError(400, f"The identifier filter can't contain more than {IDENTIFIER_LIMIT} product "
                                "identifiers.")


def _check_locales(search, search_locale, activated):
    """``locale`` / ``locales`` keys have the right shape and name activated locales (ValidateSearchLocale)."""
    codes = []
    for key, criteria in search.items():
        for criterion in criteria:
            locale, locales = criterion.get("locale"), criterion.get("locales")
            if key == "completeness" and locales is not None and not isinstance(locales, list):
                raise invalid('Property "completeness" expects an array with the key "locales".')
            if key != "completeness" and locale is not None and not isinstance(locale, str):
                raise invalid(f'Property "{key}" expects a string with the key "locale".')
            if key != "completeness" and locales is not None:
                raise invalid(f'Property "{key}" expects an array with the key "locale".')
            codes += ([locale] if locale is not None else []) + (locales or [])
    if search_locale is not None:
        codes.append(search_locale)
    unknown = [c for c in _unique(php_string(c) for c in codes) if c not in activated]
    if len(unknown) == 1:
        raise invalid(f'Locale "{unknown[0]}" does not exist or is not activated.')
    if unknown:
        raise invalid(f'Locales "{", ".join(unknown)}" do not exist or are not activated.')


# --- one criterion ----------------------------------------------------------------------------

def _condition(key, criterion, context):
    operator_code = criterion["operator"]
    if key in PROPERTIES:
        build, operators = PROPERTIES[key]
        if operator_code not in operators:
            raise unsupported_filter(key, operator_code)
        return build(key, operator_code, criterion, context)
    attribute = context.attributes[key]
    if operator_code not in operators_of(attribute):
        raise unsupported_filter(key, operator_code)
    locale, scope = _value_context(key, attribute, criterion, context)
    return value_condition(key, attribute, operator_code, criterion.get("value"), locale, scope)


def _value_context(key, attribute, criterion, context):
    """The (locale, scope) of an attribute criterion; the reference ignores them where they do not apply."""
    locale = scope = None
    if attribute.localizable:
        locale = context.locale_of(criterion)
        if locale is None:
            raise invalid(f'Property "{key}" expects a string with the key "locale".')
        if attribute.available_locales and locale not in attribute.available_locales:
            raise invalid(f'Attribute "{key}" is locale specific and expects one of these locales: '
                          f'{", ".join(attribute.available_locales)}, "{locale}" given.')
    if attribute.scopable:
        scope = context.scope_of(criterion)
        if scope is None:
            raise invalid(f'Attribute "{key}" expects a scope, none given.')
        if context.channel(scope) is None:
            raise invalid(f'Attribute "{key}" expects an existing scope, "{php_string(scope)}" given.')
    return locale, scope


# --- product properties -----------------------------------------------------------------------

def _on_column(column, build):
    """``build(column)``: a condition on an indexed column of Product, written for the plan that
    bounds a page's cost.

    PostgreSQL weighs the plans with its statistics. SQLite has none on values: left free, it reads
    the column's index range and sorts it, even when the range holds most of the catalog. So unless
    a bounded count (at most FEW + 1 rows of the index) shows that few products match, it is made
    (``probed``) to read the catalog in uuid order, the page stopping at its 100th match.
    """
    if not is_sqlite() or Product.select(SQL("1")).where(build(column)).limit(FEW + 1).count() <= FEW:
        return build(column)
    return build(probed(column))


def _uuid(key, operator_code, criterion, context):
    uuids = []
    for text in check_strings(key, criterion.get("value")):
        try:
            uuids.append(uuid.UUID(text))
        except ValueError:
            continue  # not a uuid: no product has it
    return Product.uuid.in_(uuids) if operator_code == "IN" else Product.uuid.not_in(uuids)


def _identifier(key, operator_code, criterion, context):
    """The product's identifier, through its identifier attribute's (lower-cased) index rows."""
    attribute = context.identifier_attribute
    if attribute is None:
        raise unsupported_filter(key, operator_code)
    return value_condition(key, attribute, operator_code, criterion.get("value"), None, None)


def _classified(*conditions):
    return probe(ProductCategory.select(SQL("1")).where(ProductCategory.product == Product.uuid, *conditions))


def _categories(key, operator_code, criterion, context):
    if operator_code == "UNCLASSIFIED":
        return ~_classified()
    codes = check_codes(key, criterion.get("value"))
    paths = {}
    if codes:
        paths = dict(Category.select(Category.code, Category.path).where(Category.code.in_(codes)).tuples())
    for code in codes:
        if code not in paths:
            raise invalid(f'Object "category" with code "{code}" does not exist')
    if operator_code.endswith("CHILDREN"):
        # A category and its descendants share its materialized path prefix.
        subtree = reduce(operator.or_, [like(Category.path, escape_like(p) + "%") for p in paths.values()], NONE)
        categories = Category.select(Category.id).where(subtree)
    else:
        categories = Category.select(Category.id).where(Category.code.in_(codes))
    in_categories = _classified(ProductCategory.category.in_(categories))
    if operator_code == "IN OR UNCLASSIFIED":
        return in_categories | ~_classified()
    return ~in_categories if operator_code.startswith("NOT") else in_categories


def _enabled(key, operator_code, criterion, context):
    value = criterion.get("value")
    if not isinstance(value, bool):
        raise expects(key, "a boolean", value)
    wanted = value if operator_code == "=" else not value
    return _on_column(Product.enabled, lambda enabled: enabled == wanted)


def _completeness(key, operator_code, criterion, context):
    """§8.2: a comparison holds on at least one locale of the set (the criterion's locale, else the
    channel's), ``!=`` needs a completeness on every locale and not all equal, ON ALL LOCALES needs
    every listed locale to hold. Products without a family have no completeness and never match."""
    # Not converted by the integer column: 60 >= 60.5 must stay false.
    value = Value(check_numeric(key, criterion.get("value")), converter=False)
    scope = context.scope_of(criterion)
    if scope is None:
        raise invalid(f'Property "{key}" expects a valid scope.')
    channel = context.channel(scope)
    if channel is None:
        raise invalid(f'Channel with "{php_string(scope)}" code does not exist')
    if operator_code in ON_ALL_LOCALES:
        if criterion.get("locales") is None:
            raise invalid(f'Property "{key}" expects an array with the key "locales".')
        test = COMPARISONS[ON_ALL_LOCALES[operator_code]]
        ids = context.locale_ids(criterion["locales"])
        holds = test(probed(ProductCompleteness.ratio), value)
        return reduce(operator.and_, [_ratio(channel, [i], holds) for i in ids], ALL)
    locale = context.locale_of(criterion)
    ids = context.locale_ids([locale] if locale is not None else channel.locales)
    if operator_code == "!=":
        every = reduce(operator.and_, [_ratio(channel, [i]) for i in ids], ALL)
        return every & _ratio(channel, ids, probed(ProductCompleteness.ratio) != value)
    return _ratio(channel, ids, COMPARISONS[operator_code](probed(ProductCompleteness.ratio), value))


def _ratio(channel, locale_ids, *conditions):
    """A completeness of the product on the channel for one of the locales, probed by the product's
    (at most a few dozen) rows: SQLite would otherwise walk the (channel, locale, …) or locale index."""
    return probe(ProductCompleteness.select(SQL("1")).where(
        ProductCompleteness.product == Product.uuid, probed(ProductCompleteness.channel) == channel.id,
        probed(ProductCompleteness.locale).in_(locale_ids), *conditions))


def _groups(key, operator_code, criterion, context):
    """PIM Connect has no product groups: no product is in one, and any group code is unknown."""
    if operator_code in ("EMPTY", "NOT EMPTY"):
        return ALL if operator_code == "EMPTY" else NONE
    codes = check_codes(key, criterion.get("value"))
    if codes:
        raise invalid(f'Object "groups" with code "{codes[0]}" does not exist')
    return NONE if operator_code == "IN" else ALL


def _family(key, operator_code, criterion, context):
    if operator_code in ("EMPTY", "NOT EMPTY"):
        return _on_column(Product.family, lambda family: family.is_null(operator_code == "EMPTY"))
    codes = check_codes(key, criterion.get("value"))
    lowered = [c.lower() for c in codes]
    found = dict(Family.select(fn.LOWER(Family.code), Family.id).where(fn.LOWER(Family.code).in_(lowered)).tuples()
                 ) if codes else {}
    for code in codes:
        if code.lower() not in found:  # family codes compare case-insensitively in the reference
            raise invalid(f'Object "family" with code "{code}" does not exist')
    ids = [found[c] for c in lowered]
    if operator_code == "IN":
        return _on_column(Product.family, lambda family: family.in_(ids))
    return _on_column(Product.family, lambda family: family.is_null() | family.not_in(ids))


def _moment(key, operator_code, criterion, context):
    """``created`` / ``updated`` (stored in UTC). The reference indexes whole seconds, so a stored
    12:00:00.4 is 12:00:00: ``= t`` is [t, t+1s), ``> t`` is from t+1s."""
    value = criterion.get("value")
    if operator_code == "SINCE LAST N DAYS":
        if isinstance(value, bool) or not isinstance(value, int):
            raise expects(key, "an integer", value)
        try:
            since = utcnow().replace(microsecond=0) - datetime.timedelta(days=value)
        except OverflowError:
            return ALL if value > 0 else NONE
        build = partial(_after, moment=since)
    elif operator_code in ("BETWEEN", "NOT BETWEEN"):
        low, high = date_pair(key, value, _moment_value, MOMENT_SHOWN)
        build = partial(_between, low=low, high=high, inside=operator_code == "BETWEEN")
    else:
        moment = _moment_value(key, value)
        build = partial(_compare, operator_code=operator_code, moment=moment)
    # Only ``updated`` is indexed: a plan on ``created`` always reads the catalog in uuid order.
    return _on_column(Product.updated, build) if key == "updated" else build(Product.created)


def _between(column, low, high, inside):
    between = (column >= low) & _until(column, high)
    return between if inside else ~between


def _compare(column, operator_code, moment):
    same = (column >= moment) & _until(column, moment)
    return {"=": same, "!=": ~same, "<": column < moment, ">": _after(column, moment)}[operator_code]


def _moment_value(key, value):
    return parse_date(key, value, MOMENT_FORMAT, MOMENT_SHOWN)


def _until(column, moment):
    """At or before ``moment``, to the second."""
    try:
        return column < moment + ONE_SECOND
    except OverflowError:
        return ALL


def _after(column, moment):
    """After ``moment``, to the second."""
    try:
        return column >= moment + ONE_SECOND
    except OverflowError:
        return NONE


def _parent(key, operator_code, criterion, context):
    """PIM Connect has no product models: every product is simple, no product has a parent."""
    value = criterion.get("value")
    if operator_code == "=" and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
        raise expects(key, "a string", value)
    if operator_code == "IN":
        check_codes(key, value)
    return ALL if operator_code == "EMPTY" else NONE


def _quality_score(key, operator_code, criterion, context):
    """Checked like the reference's; PIM Connect computes no quality score, so nothing matches."""
    value = criterion.get("value")
    if not isinstance(value, list):
        raise expects(key, "an array", value)
    scope, locale = context.scope_of(criterion), context.locale_of(criterion)
    if scope is None:
        raise invalid(f'Property "{key}" expects a valid scope.')
    if context.channel(scope) is None:
        raise invalid(f'Channel with "{php_string(scope)}" code does not exist')
    if locale is None:
        raise invalid(f'Property "{key}" expects a valid locale.')
    for letter in value:
        if letter not in QUALITY_SCORES:
            raise invalid(f'Property "{key}" expects a valid quality score. The quality score does not exist, '
                          f'"{php_string(letter)}" given.')
    return NONE


TEXT_OPERATORS = {"IN", "NOT IN", "=", "!=", "STARTS WITH", "CONTAINS", "DOES NOT CONTAIN"}
PROPERTIES = {  # key -> (compile(key, operator, criterion, context), supported operators)
    "uuid": (_uuid, {"IN", "NOT IN"}),
    "identifier": (_identifier, TEXT_OPERATORS),
    "categories": (_categories, {"IN", "NOT IN", "IN OR UNCLASSIFIED", "IN CHILDREN", "NOT IN CHILDREN",
                                 "UNCLASSIFIED"}),
    "enabled": (_enabled, {"=", "!="}),
    "completeness": (_completeness, set(COMPARISONS) | set(ON_ALL_LOCALES)),
    "groups": (_groups, {"IN", "NOT IN", "EMPTY", "NOT EMPTY"}),
    "family": (_family, {"IN", "NOT IN", "EMPTY", "NOT EMPTY"}),
    "created": (_moment, {"=", "!=", "<", ">", "BETWEEN", "NOT BETWEEN", "SINCE LAST N DAYS"}),
    "updated": (_moment, {"=", "!=", "<", ">", "BETWEEN", "NOT BETWEEN", "SINCE LAST N DAYS"}),
    "parent": (_parent, {"=", "IN", "EMPTY", "NOT EMPTY"}),
    "quality_score": (_quality_score, {"IN"}),
}
