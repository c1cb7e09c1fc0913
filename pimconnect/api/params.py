"""Query-string parameters of the REST API's lists, read and refused as the reference does (§4):
``limit``, ``page``, ``with_count``, the ``with_*`` flags, ``pagination_type`` and ``search``."""
from flask import request

from pimconnect.api import limits
from pimconnect.api.core import ApiError
from pimconnect.services.products.values import php_type

MAX_LIMIT = 100


def _positive_int(raw):
    """The integer a query parameter spells in plain digits, else None."""
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else None


def parse_limit(default=10):
    raw = request.args.get("limit")
    if raw is None:
        return default
    limit = _positive_int(raw)
    if limit is None:
        raise ApiError(422, f'"{raw}" is not a valid limit number.')
    if limit > MAX_LIMIT:
        raise ApiError(422, f"You cannot request more than {MAX_LIMIT} items.")
    return limit


def parse_page():
    raw = request.args.get("page")
    if raw is None:
        return 1
    page = _positive_int(raw)
    if page is None:
        raise ApiError(422, f'"{raw}" is not a valid page number.')
    return page


def parse_with_count():
    raw = request.args.get("with_count")
    if raw is None:
        return False
    if raw not in ("true", "false"):
        raise ApiError(422, 'Parameter "with_count" has to be a boolean. Only "true" or "false" allowed, '
                            f'"{raw}" given.')
    return raw == "true"


def parse_flag(name):
    """A ``with_*`` flag: only the string ``true`` turns it on."""
    return request.args.get(name) == "true"


def parse_pagination_type(search_after_supported=False):
    """``page`` (default) or ``search_after`` (only where the resource supports it)."""
    raw = request.args.get("pagination_type", "page")
    if raw not in ("page", "search_after"):
        raise ApiError(422, "Pagination type does not exist.")
    if raw == "search_after" and not search_after_supported:
        raise ApiError(422, "Pagination type is not supported.")
    return raw


def parse_search():
    """The ``search`` parameter as ``{key: [criterion, …]}``, each criterion a dict with an
    ``operator`` string (reference's structure checks: 400 for bad JSON, 422 for bad shapes)."""
    raw = request.args.get("search")
    if raw is None or raw == "":
        return {}
    search = limits.loads_search(raw)
    if not isinstance(search, dict):
        raise ApiError(422, "Search query parameter has to be an array.")
    for key, criteria in search.items():
        if not isinstance(criteria, list) or not criteria or not all(isinstance(c, dict) for c in criteria):
            raise ApiError(422, f'Structure of filter "{key}" should respect this structure: '
                                f'{{"{key}":[{{"operator": "my_operator", "value": "my_value"}}]}}')
        for criterion in criteria:
            if criterion.get("operator") is None:  # as PHP's isset(): a null operator is a missing one
                raise ApiError(422, f'Operator is missing for the property "{key}".')
            if not isinstance(criterion["operator"], str):
                raise ApiError(422, f'Operator has to be a string, "{php_type(criterion["operator"])}" given.')
    limits.check_search_values(search)
    return search
