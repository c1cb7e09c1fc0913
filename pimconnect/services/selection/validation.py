"""Validation of a REST search (and of the grid's filters, checked the same way): every problem of
a selection, each with its path, and the resolved criteria the SQL builders take.

The problems come in the order the reference checks a search (ListProductsQueryValidator): the
categories named exist, every field is a property or an attribute, the identifier list limit, the
locales; then each criterion's operator, channel and locale, and value. The REST adapter answers
the first one, as the reference does; a catalog editor would show them all.
"""
import json

from pimconnect.services.selection import registry, values
from pimconnect.services.selection.checks import php_string
from pimconnect.services.selection.model import REST_SEARCH, Problem, Resolved
from pimconnect.services.selection.sql import sql_text

IDENTIFIER_LIMIT = 100
# Where a problem points inside its criterion, when not at its value.
PARTS = {"field.unsupported": "field", "channel.missing": "scope", "channel.unknown": "scope",
         "scope.missing": "scope", "scope.unknown": "scope", "locale.expected": "locale",
         "locale.not_available": "locale", "locale.array": "locales", "locales.expected": "locales",
         "locales.unknown": "locale", "quality_score.locale_missing": "locale"}


class Context:
    """What the checks of one selection read: the structure, and the criteria's defaults."""

    def __init__(self, structure, selection):
        self.structure = structure
        self.default_locale = selection.default_locale
        self.default_scope = selection.default_scope

    def locale_of(self, criterion):
        return criterion.locale if criterion.locale is not None else self.default_locale

    def scope_of(self, criterion):
        return criterion.scope if criterion.scope is not None else self.default_scope

    def locale_ids(self, codes):
        """The ids of the activated locales among ``codes`` (others were refused, or match nothing)."""
        activated = self.structure.locales
        return list(dict.fromkeys(activated[c] for c in map(php_string, codes) if c in activated))


def path(index, part="value"):
    return f"criteria[{index}].{part}"


def _unique(items):
    return list(dict.fromkeys(items))


def check(selection, structure):
    """(problems, resolved criteria) of a REST or grid selection."""
    criteria, dialect = selection.criteria, selection.dialect
    context = Context(structure, selection)
    attributes = structure.attributes([c.field for c in criteria if not registry.is_property(c.field)])
    problems = _categories(criteria, structure) + _fields(criteria, attributes) + _identifier_limits(criteria)
    if dialect == REST_SEARCH:
        problems += _locales(criteria, selection.default_locale, structure.locales)
    resolved, reported = [], {problem.path for problem in problems}
    for index, criterion in enumerate(criteria):
        attribute = attributes.get(criterion.field)
        field = registry.field_of(criterion.field, attribute)
        if field is None and attribute is None:
            continue  # an unknown field, already a problem
        found = _criterion(context, field, criterion, attribute, dialect) if field else [Problem("field.unsupported")]
        for problem in found if isinstance(found, list) else ():
            problem.at(path(index, PARTS.get(problem.code, "value")), field=criterion.field,
                       operator=criterion.operator)
            if problem.path not in reported:  # said already by the checks before any criterion
                problems.append(problem)
        if isinstance(found, Resolved):
            resolved.append(found)
    return problems, resolved


# --- the reference's checks before any criterion ----------------------------------------------

def _categories(criteria, structure):
    """Every category code named exists (ValidateCategories)."""
    problems = []
    for index, criterion in enumerate(criteria):
        if criterion.field != "categories" or not isinstance(criterion.value, list):
            continue
        codes = _unique(sql_text(code) for code in criterion.value if isinstance(code, str))
        known = structure.categories(codes)
        unknown = [code for code in codes if code not in known]
        if unknown:
            problems.append(Problem("categories.unknown", path(index), field="categories", codes=unknown))
    return problems


def _fields(criteria, attributes):
    """Every field is a product property or an existing attribute (ValidateProperties)."""
    return [Problem("field.unsupported", path(index, "field"), field=c.field, operator=c.operator)
            for index, c in enumerate(criteria) if not registry.is_property(c.field) and c.field not in attributes]


def _identifier_limits(criteria):
    """``identifier`` IN lists hold no null and at most 100 identifiers (ValidateIdentifiersLimit)."""
    problems = []
    for index, criterion in enumerate(criteria):
        value = criterion.value
        if criterion.field != "identifier" or criterion.operator != "IN":
            continue
        if value is None or (isinstance(value, list) and None in value):
            problems.append(Problem("identifier.null", path(index), field="identifier"))
        elif isinstance(value, list) and len({json.dumps(v, sort_keys=True) for v in value}) > IDENTIFIER_LIMIT:
            problems.append(Problem("identifier.too_many", path(index), field="identifier", limit=IDENTIFIER_LIMIT))
    return problems


def _locales(criteria, default_locale, activated):
    """``locale`` / ``locales`` have the right shape and name activated locales (ValidateSearchLocale)."""
    shapes, unknown = [], []
    for index, criterion in enumerate(criteria):
        key, locale, locales = criterion.field, criterion.locale, criterion.locales
        found = []
        if key == "completeness" and locales is not None and not isinstance(locales, list):
            found.append(Problem("locales.expected", path(index, "locales"), field=key))
        if key != "completeness" and locale is not None and not isinstance(locale, str):
            found.append(Problem("locale.expected", path(index, "locale"), field=key))
        if key != "completeness" and locales is not None:
            found.append(Problem("locale.array", path(index, "locales"), field=key))
        shapes += found
        if found:
            continue  # the reference stops at the shape: what the criterion names is not looked at
        codes = _unique(php_string(c) for c in ([locale] if locale is not None else []) + (locales or []))
        missing = [c for c in codes if c not in activated]
        if missing:
            unknown.append(Problem("locales.unknown", path(index, "locale"), field=key, codes=missing))
    if default_locale is not None and php_string(default_locale) not in activated:
        unknown.append(Problem("locales.unknown", "search_locale", codes=[php_string(default_locale)]))
    return shapes + unknown


# --- one criterion ----------------------------------------------------------------------------

def _criterion(context, field, criterion, attribute, dialect):
    """The criterion resolved, or the list of its problems."""
    operation = field.operation(criterion.operator, dialect)
    if operation is None:
        return [Problem("field.unsupported")]
    if field.attribute_kind:
        return _attribute_criterion(context, field, criterion, attribute)
    if field.code == "identifier":
        attribute = context.structure.identifier_attribute
        if attribute is None:
            return [Problem("field.unsupported")]
        return _value(field, criterion, attribute, None, None, context.structure, kind="text")
    try:
        value = field.check(context, criterion)
    except Problem as problem:
        return [problem]
    resolved = Resolved(field, criterion.operator, value)
    if field.code == "search":
        resolved.locale = context.locale_of(criterion)
        resolved.extra["label_attributes"] = context.structure.label_attribute_ids
    return resolved


def _attribute_criterion(context, field, criterion, attribute):
    """The (locale, scope) of an attribute criterion, then its value; the reference ignores locale
    and scope where they do not apply."""
    problems, locale, scope = [], None, None
    if attribute.localizable:
        locale = context.locale_of(criterion)
        if locale is None:
            problems.append(Problem("locale.expected"))
        elif attribute.available_locales and locale not in attribute.available_locales:
            problems.append(Problem("locale.not_available", locales=", ".join(attribute.available_locales),
                                    given=locale))
    if attribute.scopable:
        scope = context.scope_of(criterion)
        if scope is None:
            problems.append(Problem("scope.missing"))
        elif context.structure.channel(scope) is None:
            problems.append(Problem("scope.unknown", given=php_string(scope)))
    found = _value(field, criterion, attribute, locale, scope, context.structure, kind=field.attribute_kind)
    return problems + found if isinstance(found, list) else problems or found


def _value(field, criterion, attribute, locale, scope, structure, kind):
    check = values.OPERATORS[kind][criterion.operator][0]
    try:
        value = None if check is None else check(criterion.value, attribute, structure)
    except Problem as problem:
        return [problem]
    return Resolved(field, criterion.operator, value, attribute, locale, scope)
