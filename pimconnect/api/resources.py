"""The standard routes of a catalog-structure resource, declared from a small table (reference §5, §7).

Most structure resources answer the same routes: the offset-paginated list, the get of one code, the POST,
the PATCH of one code (create or update) and the batch PATCH. A resource module declares a ``Resource``
with what is its own (URL, ACLs, the words of its refusals, how it reads and writes its rows) and calls
``register``; the views, the order of their checks and the shape of their answers are written here once.

Also here, for the resources written by an ``apply(row, data)`` service (attributes, attribute groups,
families, attribute options): lookups by a code taken from a URL, the body-code check, and the ``search``
filters of their lists.
"""
import contextlib
import dataclasses
import re
from typing import Callable, Optional

from flask import jsonify

from pimconnect.api import bp
from pimconnect.api.bodies import COLLECTION_TYPE, collection_patch, json_object_body
from pimconnect.api.core import ApiError, api_view, documented, not_found, unsupported_filter, validation_failed
from pimconnect.api.params import parse_limit, parse_page, parse_pagination_type, parse_search, parse_with_count
from pimconnect.api.responses import created, offset_page, updated, with_self_link
from pimconnect.db import page_rows
from pimconnect.services.errors import Invalid, ValidationFailed
from pimconnect.services.products.values import php_type
from pimconnect.services.structure.rest.common import BodyError, Refused, is_storable, parse_atom, php_string

V1 = "/api/rest/v1"
CODE_MISMATCH = 'The code "{body}" provided in the request body must match the code "{url}" provided in the url.'
# Bounds on a search's SQL parameters (SQLite takes 32766 per statement); a larger search would not fit
# in a request line anyway.
MAX_CRITERIA = 100
MAX_SEARCH_CODES = 1000


@contextlib.contextmanager
def api_refusals(operation_id):
    """Answer a structure service's refusal with the reference's error body for the endpoint ``operation_id``."""
    try:
        yield
    except BodyError as exc:
        raise documented(exc.reason, operation_id) from None
    except ValidationFailed as exc:
        raise validation_failed(exc.errors) from None
    except Refused as exc:
        raise ApiError(exc.status, exc.message) from None
    except Invalid as exc:  # the structure services shared with the web UI: {field: message}
        raise validation_failed([{"property": prop, "message": message}
                                 for prop, message in exc.errors.items()]) from None


@dataclasses.dataclass(frozen=True)
class Resource:
    """One resource's standard routes.

    ``path`` is below /api/rest/v1, URL arguments written ``{name}`` (``/attributes/{attribute_code}/options``);
    the item route adds ``/{code}``. Endpoints are named ``api.<name>_list``, ``_get``, ``_create``,
    ``_upsert`` and ``_batch``. A resource without ``create`` and ``upsert`` is read-only.

    ``page(page, limit, with_count)`` -> (documents, count or None); ``get(code)`` -> document or None
    (a 404 in the ``entity`` words); ``create(data)`` -> the new code; ``upsert(code, data)`` -> True when it
    created the resource. With an ``owner`` (``owner(**url_arguments)`` -> the row the resource belongs to,
    or ApiError), each of them takes that row first. Service refusals (``BodyError``, ``Refused``,
    ``ValidationFailed``, ``Invalid``) become the reference's answers for the route's operation.
    """

    name: str
    path: str
    acls: tuple  # (list ACL, edit ACL)
    entities: str  # the 403 wording: "You are not allowed to list <entities>."
    entity: str  # the 404 wording: '<Entity> "<code>" does not exist.'
    page: Callable
    get: Callable
    create: Optional[Callable] = None
    upsert: Optional[Callable] = None
    owner: Optional[Callable] = None


def list_params():
    """(limit, page, with_count) of a structure list, which only knows offset pagination."""
    parse_pagination_type()
    return parse_limit(), parse_page(), parse_with_count()


def operation_id(method, path):
    """The reference's operation id, which its documentation links name: ``patch_attributes__code_``."""
    return method.lower() + "_" + re.sub(r"[/{}-]", "_", path.lstrip("/"))


def register(resource):
    """Add the resource's routes to the API blueprint."""
    list_acl, edit_acl = resource.acls
    item = resource.path + "/{code}"
    views = _Views(resource)
    _route(resource, "list", resource.path, "GET", list_acl, views.listing)
    _route(resource, "get", item, "GET", list_acl, views.get)
    if resource.create is not None:
        _route(resource, "create", resource.path, "POST", edit_acl, views.create)
    if resource.upsert is not None:
        _route(resource, "upsert", item, "PATCH", edit_acl, views.upsert)
        _route(resource, "batch", resource.path, "PATCH", edit_acl, views.batch, COLLECTION_TYPE)


def _route(resource, action, path, method, acl, view, content_type="application/json"):
    endpoint = f"{resource.name}_{action}"
    guarded = api_view(acl, resource.entities, content_type)(view)
    guarded.__name__ = guarded.__qualname__ = endpoint
    bp.add_url_rule(re.sub(r"\{(\w+)\}", r"<\1>", path), endpoint, guarded, methods=[method])


class _Views:
    """The views of one resource; URL arguments other than ``code`` name its owner."""

    def __init__(self, resource):
        self.resource = resource

    def _owner(self, arguments):
        return (self.resource.owner(**arguments),) if self.resource.owner else ()

    def _location(self, arguments, code=None):
        path = V1 + self.resource.path.format(**arguments)
        return path if code is None else f"{path}/{code}"

    def listing(self, **arguments):
        owner = self._owner(arguments)
        limit, page, with_count = list_params()
        with api_refusals(operation_id("GET", self.resource.path)):
            documents, count = self.resource.page(*owner, page, limit, with_count)
        items = [with_self_link(self._location(arguments, item["code"]), item) for item in documents]
        return offset_page(items, page, limit, count)

    def get(self, code, **arguments):
        document = self.resource.get(*self._owner(arguments), code)
        if document is None:
            raise not_found(self.resource.entity, code)
        return jsonify(document)

    def create(self, **arguments):
        owner = self._owner(arguments)
        data = json_object_body()
        with api_refusals(operation_id("POST", self.resource.path)):
            code = self.resource.create(*owner, data)
        return created(self._location(arguments, code))

    def _upsert(self, arguments, code, data):
        # The owner is looked up after the body is read, and again for each line of a batch: a batch
        # for a missing owner answers each line's 404.
        with api_refusals(operation_id("PATCH", self.resource.path + "/{code}")):
            return 201 if self.resource.upsert(*self._owner(arguments), code, data) else 204

    def upsert(self, code, **arguments):
        status = self._upsert(arguments, code, json_object_body())
        return (created if status == 201 else updated)(self._location(arguments, code))

    def batch(self, **arguments):
        """Upsert up to 100 resources, one JSON object per line, each in its own transaction."""
        return collection_patch("code", lambda code, data: self._upsert(arguments, code, data))


# -- resources written by ``apply(row, data)`` services ---------------------------------------------

def find(model, code, **where):
    """The row of ``model`` with this code (taken from a URL), or None."""
    if not is_storable(code):  # no stored code holds such text, and databases refuse to compare with it
        return None
    query = model.select().where(model.code == code)
    for field, value in where.items():
        query = query.where(getattr(model, field) == value)
    return query.first()


def check_body_code(code, data, key="code", message=CODE_MISMATCH):
    """A code in the body must be the one of the URL (reference §5)."""
    if key in data and data[key] != code:
        raise ApiError(422, message.format(body=php_string(data[key]), url=code))


def applied_writes(model, apply):
    """(create, upsert) for ``Resource`` of a resource keyed by code and written by ``apply(row or None, data)``,
    which returns the row it saved."""

    def create(data):
        return apply(None, data).code

    def upsert(code, data):
        check_body_code(code, data)
        row = find(model, code)
        apply(row, {**data, "code": code})
        return row is None

    return create, upsert


def rows_page(query, order, page, limit, with_count):
    """(the rows of one page of ``query`` sorted by ``order``, the count of all its rows if asked)."""
    return page_rows(query.order_by(order), page, limit), query.count() if with_count else None


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
