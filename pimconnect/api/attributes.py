"""Attributes (reference §5.3): list with search, get, create, upsert and batch upsert.

Also the helpers the other structure resources of this area share: ``search`` filters on ``code``
and ``updated``, lookups by a code taken from a URL, and the mapping of service refusals to the
reference's 422 bodies.
"""
from flask import jsonify

from pimconnect.api import bp
from pimconnect.api.core import (
    ApiError,
    COLLECTION_TYPE,
    api_view,
    created,
    documented,
    json_object_body,
    not_found,
    offset_page,
    parse_limit,
    parse_page,
    parse_pagination_type,
    parse_search,
    parse_with_count,
    unsupported_filter,
    updated,
    validation_failed,
    with_self_link,
)
from pimconnect.models import Attribute, AttributeGroup
from pimconnect.services.api_attributes import apply_attribute, attribute_json
from pimconnect.services.api_structure_common import BodyError, Refused, batch_upsert, decoded, is_reachable
from pimconnect.services.api_structure_common import is_storable, parse_atom, php_string
from pimconnect.services.errors import Invalid
from pimconnect.services.values import php_type

BASE = "/api/rest/v1/attributes"
# Bounds on a search's SQL parameters (SQLite takes 32766 per statement); a larger search would not fit
# in a request line anyway.
MAX_CRITERIA = 100
MAX_SEARCH_CODES = 1000
CODE_MISMATCH = 'The code "{body}" provided in the request body must match the code "{url}" provided in the url.'


# -- helpers shared by the structure resources ------------------------------------------------------

def find(model, code, **where):
    """The row of ``model`` with this code (taken from a URL), or None."""
    if not is_storable(code):  # no stored code holds such text, and databases refuse to compare with it
        return None
    query = model.select().where(model.code == code)
    for field, value in where.items():
        query = query.where(getattr(model, field) == value)
    return query.first()


def check_body_code(code, data, key="code", message=None):
    """A code in the body must be the one of the URL (reference §5)."""
    if key in data and data[key] != code:
        message = message or CODE_MISMATCH
        raise ApiError(422, message.format(body=php_string(data[key]), url=code))


def write_or_refuse(anchor, write, *args):
    """Run a service write; its refusals become the reference's documented or validation 422."""
    try:
        return write(*args)
    except BodyError as exc:
        raise documented(exc.reason, anchor) from None
    except Refused as exc:
        raise ApiError(exc.status, exc.message) from None
    except Invalid as exc:
        raise validation_failed([{"property": prop, "message": message}
                                 for prop, message in exc.errors.items()]) from None


def page_of(query, page, limit):
    """The rows of one page (none past any offset a database can skip)."""
    if not is_reachable(page, limit):
        return []
    return list(query.paginate(page, limit))


def list_params():
    """(page, limit, with_count) of a structure list, which only knows offset pagination."""
    parse_pagination_type()
    return parse_page(), parse_limit(), parse_with_count()


def structure_filters(query, model, what, extra=None):
    """The request's ``search`` on a structure list: ``code`` IN, ``updated`` > and the ``extra``
    filters ({key: (operator, apply(query, value))}); anything else is an unsupported filter."""
    extra = extra or {}
    search = parse_search()
    lists = [c.get("value") for criteria in search.values() for c in criteria if isinstance(c.get("value"), list)]
    if sum(map(len, search.values())) > MAX_CRITERIA or sum(map(len, lists)) > MAX_SEARCH_CODES:
        raise ApiError(422, f"A search may hold at most {MAX_CRITERIA} criteria and {MAX_SEARCH_CODES} codes.")
    for key, criteria in search.items():
        for criterion in criteria:
            operator, value = criterion["operator"], criterion.get("value")
            if key == "code" and operator == "IN":
                query = query.where(model.code.in_(search_codes(value, what, "codes")))
            elif key == "updated" and operator == ">":
                query = query.where(model.updated > _moment(value))
            elif key in extra and operator == extra[key][0]:
                query = extra[key][1](query, value)
            else:
                raise unsupported_filter(key, operator)
    return query


def search_codes(value, what, kind):
    """The list of strings an IN filter needs (text no database can store cannot match anything)."""
    if not isinstance(value, list):
        raise ApiError(422, f"In order to search on {what} {kind} you must send an array of {what} {kind} as value, "
                            f"{php_type(value)} given.")
    if not all(isinstance(code, str) for code in value):
        raise ApiError(422, f"In order to search on {what} {kind} you must send an array of strings.")
    return list(dict.fromkeys(code for code in value if is_storable(code)))


def _moment(value):
    """An ISO-8601 date-time with an offset, as a naive UTC datetime (how ``updated`` is stored)."""
    try:
        moment = parse_atom(value)
    except OverflowError:
        moment = None
    if moment is None:
        raise ApiError(422, 'Searching on the "updated" property requires a date in the ISO-8601 format with an '
                            f'offset, like "2019-06-09T12:00:00+02:00", "{php_string(value)}" given.')
    return moment


# -- attributes -------------------------------------------------------------------------------------

def _type_filter(query, value):
    return query.where(Attribute.type.in_(search_codes(value, "attribute", "types")))


@bp.get("/attributes")
@api_view("pim_api_attribute_list", "attributes")
def attributes_list():
    """Attributes sorted by code; ``search`` on code, updated and type."""
    page, limit, with_count = list_params()
    query = Attribute.select(Attribute, AttributeGroup).join(AttributeGroup)
    query = structure_filters(query, Attribute, "attribute", {"type": ("IN", _type_filter)})
    rows = page_of(query.order_by(Attribute.code), page, limit)
    items = [with_self_link(f"{BASE}/{row.code}", attribute_json(row, row.group)) for row in rows]
    return offset_page(items, page, limit, count=query.count() if with_count else None)


@bp.get("/attributes/<code>")
@api_view("pim_api_attribute_list", "attributes")
def attributes_get(code):
    attribute = find(Attribute, code)
    if attribute is None:
        raise not_found("Attribute", code)
    return jsonify(attribute_json(attribute, attribute.group))


@bp.post("/attributes")
@api_view("pim_api_attribute_edit", "attributes")
def attributes_create():
    attribute = write_or_refuse("post_attributes", apply_attribute, None, decoded(json_object_body))
    return created(f"{BASE}/{attribute.code}")


def upsert_attribute(code, data):
    """PATCH one attribute: update it, or create it with the URL's code; 201 or 204."""
    check_body_code(code, data)
    attribute = find(Attribute, code)
    write_or_refuse("patch_attributes__code_", apply_attribute, attribute, {**data, "code": code})
    return 204 if attribute else 201


@bp.patch("/attributes/<code>")
@api_view("pim_api_attribute_edit", "attributes")
def attributes_upsert(code):
    status = upsert_attribute(code, decoded(json_object_body))
    return (created if status == 201 else updated)(f"{BASE}/{code}")


@bp.patch("/attributes")
@api_view("pim_api_attribute_edit", "attributes", content_type=COLLECTION_TYPE)
def attributes_batch():
    return batch_upsert(upsert_attribute)
