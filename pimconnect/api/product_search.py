"""The products ``search`` parameter (§6.5, §8.2): the REST adapter of the selection engine
(services/selection), and the parameters of the POST search endpoints.

``product_filter()`` turns the structure-checked search of ``core.parse_search()`` into a
Selection of REST semantics, and the engine's first problem into the reference's answer: its
status and Akeneo's exact message. The engine finds the problems in the reference's order
(ListProductsQueryValidator, then each filter's checks), so the first is the one Akeneo reports.
"""
import json

from flask import request
from werkzeug.datastructures import ImmutableMultiDict

from pimconnect.api.core import ApiError
from pimconnect.services import selection
from pimconnect.services.selection import plans, registry

FEW = plans.FEW  # read at each call: a test lowers it to drive the plan of broad conditions

MESSAGES = {
    "field.unsupported": 'Filter on property "{field}" is not supported or does not support operator "{operator}"',
    "identifier.null": "The identifier filter can't contain null value",
    "identifier.too_many": "The identifier filter can't contain more than {limit} product identifiers.",
    "locales.expected": 'Property "{field}" expects an array with the key "locales".',
    "locale.expected": 'Property "{field}" expects a string with the key "locale".',
    "locale.array": 'Property "{field}" expects an array with the key "locale".',
    "locale.not_available": 'Attribute "{field}" is locale specific and expects one of these locales: {locales}, '
                            '"{given}" given.',
    "scope.missing": 'Attribute "{field}" expects a scope, none given.',
    "scope.unknown": 'Attribute "{field}" expects an existing scope, "{given}" given.',
    "channel.missing": 'Property "{field}" expects a valid scope.',
    "channel.unknown": 'Channel with "{given}" code does not exist',
    "quality_score.locale_missing": 'Property "{field}" expects a valid locale.',
    "quality_score.unknown": 'Property "{field}" expects a valid quality score. The quality score does not exist, '
                             '"{given}" given.',
    "code.unknown": 'Object "{kind}" with code "{code}" does not exist',
    "value.type": 'Property "{field}" expects {expected} as data, "{given}" given.',
    "value.strings": 'Property "{field}" expects an array of strings as data.',
    "value.key_missing": 'Property "{field}" expects an array with the key "{key}".',
    "value.key_type": 'Property "{field}" expects an array with valid data, key "{key}" has to be a {expected}, '
                      '"{given}" given.',
    "unit.unknown": 'Property "{field}" expects a valid unit. The unit does not exist in the attribute\'s family '
                    '"{family}", "{given}" given.',
    "currency.unknown": 'Property "{field}" expects a valid currency. The currency does not exist, "{given}" given.',
    "date.format": 'Property "{field}" expects a string with the format "{format}" as data, "{given}" given.',
    "date.pair": 'Property "{field}" expects an array with valid data, should contain 2 strings with the format '
                 '"{format}".',
}
# Problems the reference reports together, naming every code at once: (one, several).
LISTED = {
    "categories.unknown": ('Category "{}" does not exist.', 'Categories "{}" do not exist.'),
    "locales.unknown": ('Locale "{}" does not exist or is not activated.',
                        'Locales "{}" do not exist or are not activated.'),
}
STATUS = {"identifier.too_many": 400}

# key -> (registry field, the operators the search accepts), as tests and documentation read them
PROPERTIES = {code: (field, frozenset(o.operator for o in field.operations.values()
                                      if selection.REST_SEARCH in o.dialects))
              for code, field in registry.PROPERTIES.items()
              if any(selection.REST_SEARCH in o.dialects for o in field.operations.values())}


def search_selection(search, search_locale=None, search_scope=None):
    """The Selection of a ``{key: [criterion, …]}`` search: one criterion per entry, in order."""
    criteria = [selection.Criterion(key, c["operator"], c.get("value"), c.get("locale"), c.get("scope"),
                                    c.get("locales"))
                for key, entries in search.items() for c in entries]
    return selection.Selection(criteria, selection.REST_SEARCH, selection.REST, search_locale, search_scope)


def product_filter(access, search, search_locale=None, search_scope=None):
    """The condition on Product matching every criterion of ``search`` among the products ``access``
    may see (None when that is every product).

    ``search_locale`` and ``search_scope`` are the defaults of criteria without ``locale`` /
    ``scope``. Raises ApiError with the reference's status and message for anything it cannot
    answer.
    """
    try:
        return selection.condition(access, search_selection(search, search_locale, search_scope), few=FEW)
    except selection.InvalidSelection as invalid:
        raise refusal(invalid.problems) from None


def refusal(problems):
    """The reference's answer to a search with ``problems``: the first, worded as Akeneo does."""
    first = problems[0]
    if first.code in LISTED:
        codes = list(dict.fromkeys(c for p in problems if p.code == first.code for c in p.params["codes"]))
        one, several = LISTED[first.code]
        return ApiError(422, (several if len(codes) > 1 else one).format(", ".join(codes)))
    return ApiError(STATUS.get(first.code, 422), MESSAGES[first.code].format(**first.params))


# --- POST /products-uuid/search, POST /products/search ------------------------------------------

# The parameters Akeneo's specification of the POST search endpoints puts in the query string.
QUERY_STRING_PARAMETERS = ("pagination_type", "page", "search_after", "limit", "with_count")


def _as_query_parameter(name, value):
    """A body parameter as the list's query parameter spells it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and name != "search":
        return ",".join(str(item) for item in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def take_search_parameters(body):
    """Make the request's arguments the list's parameters of a POST search.

    Reading chosen: every list parameter (``search``, ``search_locale``, ``search_scope``, ``scope``,
    ``locales``, ``attributes``, ``pagination_type``, ``page``, ``search_after``, ``limit``,
    ``with_count``, ``with_*``) may be a body key; ``search`` is an object or its JSON string,
    ``locales``/``attributes`` a list or a comma-separated string, flags booleans or "true"/"false".
    The pagination parameters may also be in the query string, where the specification puts them;
    there they win over the body's. Other query parameters are ignored (§3.0 C7). The answer is the
    GET list's, its links GET list URLs carrying the same parameters, so clients that follow
    ``next`` (the reference's PHP client does) keep paging with plain GETs.
    """
    in_query = [(name, request.args[name]) for name in QUERY_STRING_PARAMETERS if name in request.args]
    taken = {name for name, _ in in_query}
    in_body = [(name, _as_query_parameter(name, value)) for name, value in body.items()
               if value is not None and name not in taken]
    request.args = ImmutableMultiDict(in_body + in_query)
