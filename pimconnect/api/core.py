"""What every REST API endpoint shares: errors in the reference's shapes, bearer authentication,
ACL checks with the reference's 403 wording, header checks, JSON bodies, pagination and links.

A view is declared with ``@api_view(acl, entities)``; it then runs, in the reference's order:
bearer token (401) -> "Overall Web API access" (403) -> Accept / Content-Type (406 / 415) -> the
endpoint's ACL (403) -> the view. Views raise ``ApiError`` for every refusal.
"""
import functools
import json
from urllib.parse import urlencode

from flask import current_app, g, jsonify, request

from pimconnect import permissions
from pimconnect.api import limits
from pimconnect.services.products.values import php_type

DOC_BASE = "http://api.akeneo.com/api-reference.html#"
COLLECTION_TYPE = "application/vnd.akeneo.collection+json"
MAX_LIMIT = 100


class ApiError(Exception):
    """A refusal answered as ``{"code": status, "message": ..., **extra}``."""

    def __init__(self, status, message, headers=None, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra
        self.headers = headers or {}

    def body(self):
        return {"code": self.status, "message": self.message, **self.extra}

    def response(self):
        response = jsonify(self.body())
        response.status_code = self.status
        response.headers.update(self.headers)
        return response


def documented(reason, operation_id, status=422):
    """The reference's "documented" 422: the reason, the suffix and a link to the operation's docs."""
    return ApiError(status, f"{reason} Check the expected format on the API documentation.",
                    _links={"documentation": {"href": DOC_BASE + operation_id}})


def validation_failed(errors):
    """The reference's entity-validation 422 (``errors``: dicts with ``property``, ``message``, …)."""
    unique = []
    for error in errors:
        if error not in unique:
            unique.append(error)
    return ApiError(422, "Validation failed.", errors=unique)


def not_found(entity, code):
    """``<Entity> "<code>" does not exist.`` (e.g. ``Category "master" does not exist.``)."""
    return ApiError(404, f'{entity} "{code}" does not exist.')


def unprocessable(message):
    return ApiError(422, message)


# --- authentication -------------------------------------------------------------------------

def _unauthorized(message, error=None):
    challenge = 'Bearer realm="PIM Connect"' + (f', error="{error}"' if error else "")
    return ApiError(401, message, headers={"WWW-Authenticate": challenge})


def authenticate():
    """The token and user of the request's bearer token, stored on ``g`` with the request's Access
    (the token user's role permissions and, in EE, its grants); ApiError 401 otherwise."""
    from pimconnect.services.access.access import Access
    from pimconnect.services.connections import tokens as api_tokens

    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise _unauthorized("Authentication is required")
    token, problem = api_tokens.check_access_token(value.strip())
    if problem:
        raise _unauthorized(problem, "invalid_token")
    g.api_token = token
    g.api_user = token.user
    g.access = Access.of(token.user, permissions.user_permissions(token.user),
                         enforce_grants=current_app.config["PIM_EDITION"] == "ee")
    return token


def current_access():
    """The Access of the request's bearer token (set by authenticate): what product readers are given."""
    return g.access


def api_can(code):
    access = g.get("access")
    return access is not None and access.can(code)


# --- headers ---------------------------------------------------------------------------------

def check_accept():
    """GET: an ``Accept`` header, when sent, must allow application/json (406 otherwise).

    The reference accepts ``application/json`` or anything containing ``*/*``; a list that names
    either (``application/json, text/plain``) is accepted too, as real clients send such lists.
    """
    accept = request.headers.get("Accept")
    if accept is None or not accept.strip():
        return
    types = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if "application/json" in types or "*/*" in types or "application/*" in types:
        return
    raise ApiError(406, f'"{accept}" in "Accept" header is not valid. Only "application/json" is allowed.')


def check_content_type(expected):
    """POST / PATCH / PUT: ``Content-Type`` is mandatory and must be ``expected`` (415 otherwise)."""
    header = request.headers.get("Content-Type")
    if header is None or not header.strip():
        raise ApiError(415, f'The "Content-Type" header is missing. "{expected}" has to be specified as value.')
    if header.split(";")[0].strip().lower() != expected:
        raise ApiError(415, f'"{header}" in "Content-Type" header is not valid. Only "{expected}" is allowed.')


# --- the view decorator ----------------------------------------------------------------------

def forbidden_message(entities, method=None):
    """The reference's ACL refusal (§3.5); the product DELETE text has no trailing period."""
    method = method or request.method
    action = {"GET": "list", "HEAD": "list", "DELETE": "delete"}.get(method, "create or update")
    if entities == "products" and action == "delete":
        return "Access forbidden. You are not allowed to delete products"
    return f"Access forbidden. You are not allowed to {action} {entities}."


def api_view(acl, entities, content_type="application/json", worded_as=None):
    """Declare an API endpoint guarded by the ACL ``acl`` (``entities`` words its 403 message).

    ``content_type`` is what POST/PATCH bodies must be sent as: ``COLLECTION_TYPE`` for a batch
    PATCH, ``"multipart/form-data"`` for uploads. ``worded_as`` is the method whose 403 wording
    applies when it is not the request's (a search sent as POST refuses as "list").
    """
    if acl not in permissions.PERMISSIONS:
        raise ValueError(f"Unknown ACL {acl}")

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            authenticate()
            if not api_can("pim_api_overall_access"):
                raise ApiError(403, "You are not allowed to access the web API.")
            if request.method in ("GET", "HEAD"):
                check_accept()
            elif request.method in ("POST", "PATCH", "PUT"):
                check_content_type(content_type)
            if not api_can(acl):
                raise ApiError(403, forbidden_message(entities, worded_as),
                               headers={"WWW-Authenticate": 'Bearer error="insufficient_scope"'})
            return view(*args, **kwargs)

        wrapped.required_permissions = ("pim_api_overall_access", acl)
        wrapped.api_acl = acl
        return wrapped

    return decorator


def public_api_view(view):
    """An API endpoint that needs no token (the route list and system information)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        check_accept()
        return view(*args, **kwargs)

    wrapped.public = True
    return wrapped


# --- bodies and responses --------------------------------------------------------------------

def json_body():
    """The request's JSON document; 400 ``Invalid json message received`` when it does not parse."""
    return limits.loads_body(limits.body_text())


def json_object_body():
    """A JSON object body; any other JSON value is refused like an unparseable one."""
    data = json_body()
    if not isinstance(data, dict):
        raise ApiError(400, "Invalid json message received")
    return data


def base_url():
    """The PIM's public address (``PIM_URL``): links never trust the request's Host header."""
    return current_app.config["PIM_URL"].rstrip("/")


def absolute(path):
    return base_url() + path


def created(location):
    """201, empty body, absolute ``Location``."""
    response = current_app.response_class(status=201)
    response.headers["Location"] = absolute(location)
    return response


def updated(location):
    """204, empty body, absolute ``Location``."""
    response = current_app.response_class(status=204)
    response.headers["Location"] = absolute(location)
    return response


def no_content():
    return current_app.response_class(status=204)


# --- pagination ------------------------------------------------------------------------------

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


MAX_OFFSET = 2 ** 62  # databases take 64-bit OFFSETs: no page starts beyond it (nor holds anything)


def page_rows(query, page, limit):
    """The rows of one offset page; a page past any possible offset is empty, not a database error."""
    offset = (page - 1) * limit
    return list(query.limit(limit).offset(offset)) if offset < MAX_OFFSET else []


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


def link(path, **overrides):
    """An absolute link to ``path`` keeping every query parameter of the request, with ``overrides``
    (a value of None removes the parameter)."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k not in overrides]
    params += [(k, str(v)) for k, v in overrides.items() if v is not None]
    query = urlencode(params)
    return absolute(path) + (f"?{query}" if query else "")


def with_self_link(path, item):
    """``{"_links": {"self": {"href": …}}, **item}`` — list items start with their own link."""
    return {"_links": {"self": {"href": absolute(path)}}, **item}


def offset_page(items, page, limit, count=None, path=None):
    """The offset-paginated list (§4.2): links keep every parameter; ``next`` only on a full page."""
    path = path or request.path
    links = {"self": {"href": link(path, page=page, limit=limit)},
             "first": {"href": link(path, page=1, limit=limit)}}
    if page > 1:
        links["previous"] = {"href": link(path, page=page - 1, limit=limit)}
    if len(items) == limit:
        links["next"] = {"href": link(path, page=page + 1, limit=limit)}
    body = {"_links": links, "current_page": page}
    if count is not None:
        body["items_count"] = count
    body["_embedded"] = {"items": items}
    return jsonify(body)


def search_after_page(items, limit, next_cursor, path=None):
    """The search-after list (§4.3): no page, no count; ``next`` carries the last item's cursor."""
    path = path or request.path
    links = {"self": {"href": link(path, limit=limit)},
             "first": {"href": link(path, limit=limit, search_after=None)}}
    if len(items) == limit and next_cursor is not None:
        links["next"] = {"href": link(path, limit=limit, search_after=next_cursor)}
    return jsonify({"_links": links, "_embedded": {"items": items}})


MAX_BATCH_LINES = 100
MAX_LINE_LENGTH = 1_000_000


def collection_patch(key, upsert):
    """A batch upsert (§7): the body is one JSON object per line, at most 100 lines.

    ``upsert(code, data)`` handles one line exactly as the single-resource PATCH (in its own write
    transaction, so a failing line never rolls back earlier ones) and returns 201 or 204, or
    raises ApiError. ``key`` is the line's identifying field (``code``, ``uuid``, ``identifier``).
    The answer is NDJSON, one line per input line, in order, without a trailing newline.
    """
    lines = [line for line in limits.body_text().split("\n") if line.strip()]
    if len(lines) > MAX_BATCH_LINES:
        raise ApiError(413, f"Too many resources to process, {MAX_BATCH_LINES} is the maximum allowed.")
    results = [_batch_line(number, line, key, upsert) for number, line in enumerate(lines, start=1)]
    body = "\n".join(json.dumps(result, ensure_ascii=False) for result in results)
    return current_app.response_class(body, status=200, mimetype=COLLECTION_TYPE)


def _batch_line(number, line, key, upsert):
    if len(line) > MAX_LINE_LENGTH:
        return {"line": number, "status_code": 413, "message": "Line is too long."}
    try:
        data = limits.loads_body(line)
    except ApiError as exc:
        return {"line": number, "status_code": exc.status, "message": exc.message}
    if not isinstance(data, dict):
        return {"line": number, "status_code": 400, "message": "Invalid json message received"}
    code = data.get(key)
    if code is None or (isinstance(code, str) and not code.strip()):
        return {"line": number, "status_code": 422, "message": f"{key.capitalize()} is missing."}
    if not isinstance(code, str):
        return {"line": number, "status_code": 422, "message": f"{key} must be of type string."}
    try:
        code.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800"): the reference's JSON decoder refuses
        return {"line": number, "status_code": 400, "message": "Invalid json message received"}
    try:
        status = upsert(code, data)
    except ApiError as exc:
        # The documented "status_code"; "code" too on error lines, as the reference's 7.0 tests show.
        result = {"line": number, key: code, "status_code": exc.status}
        if key != "code":
            result["code"] = exc.status
        return {**result, "message": exc.message, **exc.extra}
    return {"line": number, key: code, "status_code": status}


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


def unsupported_filter(key, operator):
    return ApiError(422, f'Filter on property "{key}" is not supported or does not support operator "{operator}"')


def iso(moment):
    """ISO-8601 with offset (stored datetimes are UTC): ``2016-06-23T18:24:44+00:00``."""
    if moment is None:
        return None
    if isinstance(moment, str):
        return moment
    text = moment.replace(microsecond=0).isoformat()
    return text if moment.tzinfo else text + "+00:00"
