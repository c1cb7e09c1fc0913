"""Product-property criteria (uuid, identifier, categories, enabled, completeness, groups, family,
created, updated, parent, quality score, and the grid's text search): the REST search's checks
of each (Akeneo's order and problems) and the SQL of each, a condition on Product.

Properties are conditions on Product's columns, categories a correlated EXISTS on ProductCategory
(product, category), completeness on ProductCompleteness (product, channel, locale, ratio).
"""
import datetime
import operator
import uuid
from functools import partial, reduce

from peewee import SQL, Value, fn

from pimconnect.models import Category, Product, ProductCategory, ProductCompleteness, ProductValue
from pimconnect.models.structure import utcnow
from pimconnect.services.selection import checks, values
from pimconnect.services.selection.checks import expects, php_string
from pimconnect.services.selection.model import Problem
from pimconnect.services.selection.sql import ALL, NONE, escape_like, like, probe, probed

ON_ALL_LOCALES = {"GREATER THAN ON ALL LOCALES": ">", "GREATER OR EQUALS THAN ON ALL LOCALES": ">=",
                  "LOWER THAN ON ALL LOCALES": "<", "LOWER OR EQUALS THAN ON ALL LOCALES": "<="}
QUALITY_SCORES = ("A", "B", "C", "D", "E")
ONE_SECOND = datetime.timedelta(seconds=1)


# --- REST checks: each returns the value its builder takes, or raises a Problem ---------------

def check_uuid(context, criterion):
    found = []
    for text in checks.strings(criterion.value):
        try:
            found.append(uuid.UUID(text))
        except ValueError:
            continue  # not a uuid: no product has it
    return found


def check_categories(context, criterion):
    """The categories named (UNCLASSIFIED names none)."""
    if criterion.operator == "UNCLASSIFIED":
        return []
    codes = checks.codes(criterion.value)
    found = context.structure.categories(codes) if codes else {}
    for code in codes:
        if code not in found:
            raise Problem("code.unknown", kind="category", code=code, codes=[code])
    return [found[code] for code in codes]


def check_enabled(context, criterion):
    return checks.boolean(criterion.value)


def check_completeness(context, criterion):
    """§8.2's (channel, locale ids, value): the criterion's locale or else the channel's locales;
    ON ALL LOCALES names its ``locales``."""
    # Not converted by the integer column: 60 >= 60.5 must stay false.
    value = Value(checks.numeric(criterion.value), converter=False)
    scope = context.scope_of(criterion)
    if scope is None:
        raise Problem("channel.missing")
    channel = context.structure.channel(scope)
    if channel is None:
        raise Problem("channel.unknown", given=php_string(scope))
    if criterion.operator in ON_ALL_LOCALES:
        if criterion.locales is None:
            raise Problem("locales.expected")
        return {"channel": channel, "value": value, "locale_ids": context.locale_ids(criterion.locales)}
    locale = context.locale_of(criterion)
    codes = [locale] if locale is not None else channel.locales
    return {"channel": channel, "value": value, "locale_ids": context.locale_ids(codes)}


def check_groups(context, criterion):
    """PIM Connect has no product groups: any group code is unknown."""
    if criterion.operator in ("EMPTY", "NOT EMPTY"):
        return None
    codes = checks.codes(criterion.value)
    if codes:
        raise Problem("code.unknown", kind="groups", code=codes[0], codes=codes)
    return codes


def check_family(context, criterion):
    """The ids of the families named (codes compare case-insensitively in the reference)."""
    if criterion.operator in ("EMPTY", "NOT EMPTY"):
        return None
    codes = checks.codes(criterion.value)
    found = context.structure.families(codes) if codes else {}
    for code in codes:
        if code.lower() not in found:
            raise Problem("code.unknown", kind="family", code=code, codes=[code])
    return [found[c.lower()] for c in codes]


def check_moment(context, criterion):
    """``created`` / ``updated``: a moment, two for BETWEEN, a number of days for SINCE LAST N DAYS."""
    value = criterion.value
    if criterion.operator == "SINCE LAST N DAYS":
        if isinstance(value, bool) or not isinstance(value, int):
            raise expects("an integer", value)
        return value
    if criterion.operator in ("BETWEEN", "NOT BETWEEN"):
        return checks.moments(value)
    return checks.moment(value)


def check_parent(context, criterion):
    """PIM Connect has no product models: the value is checked, nothing refers to it."""
    value = criterion.value
    if criterion.operator == "=" and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
        raise expects("a string", value)
    if criterion.operator == "IN":
        checks.codes(value)
    return None


def check_quality_score(context, criterion):
    """Checked like the reference's; PIM Connect computes no quality score."""
    value = criterion.value
    if not isinstance(value, list):
        raise expects("an array", value)
    scope, locale = context.scope_of(criterion), context.locale_of(criterion)
    if scope is None:
        raise Problem("channel.missing")
    if context.structure.channel(scope) is None:
        raise Problem("channel.unknown", given=php_string(scope))
    if locale is None:
        raise Problem("quality_score.locale_missing")
    for letter in value:
        if letter not in QUALITY_SCORES:
            raise Problem("quality_score.unknown", given=php_string(letter))
    return value


def check_search(context, criterion):
    return checks.string(criterion.value)


# --- SQL --------------------------------------------------------------------------------------

def uuid_condition(resolved, plan):
    return Product.uuid.in_(resolved.value) if resolved.operator == "IN" else Product.uuid.not_in(resolved.value)


def identifier_condition(resolved, plan):
    """The product's identifier, through its identifier attribute's (lower-cased) index rows."""
    return values.condition(resolved, plan.semantics)


def classified(*conditions):
    return probe(ProductCategory.select(SQL("1")).where(ProductCategory.product == Product.uuid, *conditions))


def category_ids(resolved):
    """The ids of the categories a criterion names (a subquery for the CHILDREN operators)."""
    refs = resolved.value
    if resolved.operator.endswith("CHILDREN"):
        # A category and its descendants share its materialized path prefix.
        subtree = reduce(operator.or_, [like(Category.path, escape_like(c.path) + "%") for c in refs], NONE)
        return Category.select(Category.id).where(subtree)
    return [c.id for c in refs]


def categories_condition(resolved, plan):
    if resolved.operator == "UNCLASSIFIED":
        return ~classified()
    categories = category_ids(resolved)
    # One probe of the product's few rows, its categories compared there: with the list in the
    # probe's key, SQLite would seek the (product, category) index once per category listed.
    in_categories = classified(probed(ProductCategory.category).in_(categories))
    if resolved.operator == "IN OR UNCLASSIFIED":
        return in_categories | ~classified()
    return ~in_categories if resolved.operator.startswith("NOT") else in_categories


def enabled_condition(resolved, plan):
    wanted = resolved.value if resolved.operator == "=" else not resolved.value
    return plan.on_column(Product.enabled, lambda enabled: enabled == wanted)


def completeness_condition(resolved, plan):
    """§8.2: a comparison holds on at least one locale of the set, ``!=`` needs a completeness on
    every locale and not all equal, ON ALL LOCALES needs every listed locale to hold. Products
    without a family have no completeness and never match."""
    channel, value, ids = resolved.value["channel"], resolved.value["value"], resolved.value["locale_ids"]
    if resolved.operator in ON_ALL_LOCALES:
        test = values.COMPARISONS[ON_ALL_LOCALES[resolved.operator]]
        holds = test(probed(ProductCompleteness.ratio), value)
        return reduce(operator.and_, [_ratio(channel, [i], holds) for i in ids], ALL)
    if resolved.operator == "!=":
        every = reduce(operator.and_, [_ratio(channel, [i]) for i in ids], ALL)
        return every & _ratio(channel, ids, probed(ProductCompleteness.ratio) != value)
    return _ratio(channel, ids, values.COMPARISONS[resolved.operator](probed(ProductCompleteness.ratio), value))


def _ratio(channel, locale_ids, *conditions):
    """A completeness of the product on the channel for one of the locales, probed by the product's
    (at most a few dozen) rows through the (product, channel, locale, ratio) index, which holds
    every column compared: SQLite would otherwise walk the (channel, locale, …) index, or read each
    row from the table."""
    return probe(ProductCompleteness.select(SQL("1")).where(
        ProductCompleteness.product == Product.uuid, ProductCompleteness.channel == channel.id,
        probed(ProductCompleteness.locale).in_(locale_ids), *conditions))


def groups_condition(resolved, plan):
    """No product is in a group."""
    if resolved.operator in ("EMPTY", "NOT EMPTY"):
        return ALL if resolved.operator == "EMPTY" else NONE
    return NONE if resolved.operator == "IN" else ALL


def family_condition(resolved, plan):
    if resolved.operator in ("EMPTY", "NOT EMPTY"):
        return plan.on_column(Product.family, lambda family: family.is_null(resolved.operator == "EMPTY"))
    ids = resolved.value
    if resolved.operator == "IN":
        return plan.on_column(Product.family, lambda family: family.in_(ids))
    return plan.on_column(Product.family, lambda family: family.is_null() | family.not_in(ids))


def moment_condition(resolved, plan):
    """``created`` / ``updated`` (stored in UTC). The reference indexes whole seconds, so a stored
    12:00:00.4 is 12:00:00: ``= t`` is [t, t+1s), ``> t`` is from t+1s."""
    value, operator_code = resolved.value, resolved.operator
    if operator_code == "SINCE LAST N DAYS":
        try:
            since = utcnow().replace(microsecond=0) - datetime.timedelta(days=value)
        except OverflowError:
            return ALL if value > 0 else NONE
        build = partial(_after, moment=since)
    elif operator_code in ("BETWEEN", "NOT BETWEEN"):
        build = partial(_between, low=value[0], high=value[1], inside=operator_code == "BETWEEN")
    else:
        build = partial(_compare, operator_code=operator_code, moment=value)
    # Only ``updated`` is indexed: a plan on ``created`` always reads the catalog in uuid order.
    return plan.on_column(Product.updated, build) if resolved.field.code == "updated" else build(Product.created)


def _between(column, low, high, inside):
    between = (column >= low) & _until(column, high)
    return between if inside else ~between


def _compare(column, operator_code, moment):
    same = (column >= moment) & _until(column, moment)
    return {"=": same, "!=": ~same, "<": column < moment, ">": _after(column, moment)}[operator_code]


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


def parent_condition(resolved, plan):
    """Every product is simple, no product has a parent."""
    return ALL if resolved.operator == "EMPTY" else NONE


def quality_score_condition(resolved, plan):
    return NONE


def search_condition(resolved, plan):
    """The grid's search box: the identifier or the label (any family's label attribute, in the
    locale or not localized) contains the text, case-insensitively."""
    pattern = "%" + escape_like(resolved.value.lower()) + "%"
    in_label = ProductValue.select(ProductValue.id).where(
        (ProductValue.product == Product.uuid)
        & ProductValue.attribute.in_(resolved.extra["label_attributes"])
        & ProductValue.locale.in_([resolved.locale or "", ""])
        & like(ProductValue.text, pattern))
    return like(fn.LOWER(Product.identifier), pattern) | fn.EXISTS(in_label)
