"""Limits on what a client may send, so that a hostile document is refused with a clear 400/422
instead of breaking the server (a RecursionError, or a query with more SQL variables than the
database accepts, both answered 500 before).

- Nesting: the deepest real document is a product body (values -> attribute -> list -> value ->
  data -> price list -> price: 7 levels) and a search (filter -> criteria -> criterion -> value ->
  price: 5). 32 and 16 leave ample room and stay far below Python's recursion limit (1,000), which
  every recursive walk of a document (the decoder's, ours) would otherwise hit.
- Search values: each value of an IN list becomes one bound SQL variable. SQLite accepts 32,766
  per statement and PostgreSQL 65,535; 10,000 in a whole search (several filters add up) keeps a
  query within both with room for the rest of it, and is more than any real client pages by.
"""
import json

from pimconnect.api.core import ApiError

MAX_BODY_DEPTH = 32
MAX_SEARCH_DEPTH = 16
MAX_SEARCH_VALUES = 10_000
INVALID_JSON = "Invalid json message received"


def _refused(status, message):
    return ApiError(status, message)


def too_deep(text, document, limit):
    """Whether ``document``, decoded from ``text``, nests deeper than ``limit``. A document cannot nest
    deeper than its text has brackets: most bodies are settled by counting them, without a walk."""
    if text.count("{") + text.count("[") <= limit:
        return False
    return depth(document) > limit


def depth(document):
    """How deep lists and objects nest in ``document`` (a scalar is 0), walked without recursion."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node if isinstance(child, (dict, list)))
    return deepest


def body_text():
    """The request body as text; bytes that are no UTF-8 are refused as bad JSON, never replaced by U+FFFD."""
    from flask import request

    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError:
        raise _refused(400, INVALID_JSON) from None


def loads_body(text):
    """A body's JSON document, refused (400) when it does not parse or nests deeper than MAX_BODY_DEPTH."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise _refused(400, INVALID_JSON) from None
    if too_deep(text, document, MAX_BODY_DEPTH):
        raise _refused(400, INVALID_JSON)
    return document


def loads_search(raw):
    """The ``search`` parameter's document: 400 when it does not parse or nests too deep."""
    try:
        search = json.loads(raw)
    except RecursionError:
        search = None
    except ValueError:
        raise _refused(400, "Search query parameter should be valid JSON.") from None
    if search is None and raw.strip() != "null" or depth(search) > MAX_SEARCH_DEPTH:
        raise _refused(400, f"Search query parameter is nested too deeply: at most {MAX_SEARCH_DEPTH} "
                            "levels are allowed.")
    return search


def check_search_values(search):
    """422 when the search's criteria hold more than MAX_SEARCH_VALUES values together."""
    total = sum(len(criterion.get("value")) for criteria in search.values() for criterion in criteria
                if isinstance(criterion.get("value"), list))
    if total > MAX_SEARCH_VALUES:
        raise _refused(422, f"Search query parameter has {total} values; at most {MAX_SEARCH_VALUES} are "
                            "allowed in one search.")
