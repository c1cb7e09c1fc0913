"""What guards every REST API endpoint: errors in the reference's shapes, bearer authentication,
ACL checks with the reference's 403 wording and the Accept / Content-Type header checks.

A view is declared with ``@api_view(acl, entities)``; it then runs, in the reference's order:
bearer token (401) -> "Overall Web API access" (403) -> Accept / Content-Type (406 / 415) -> the
endpoint's ACL (403) -> the view. Views raise ``ApiError`` for every refusal.

What endpoints read and answer lives beside this module: ``params`` (query-string parameters),
``bodies`` (JSON bodies and the batch PATCH) and ``responses`` (pages, links, 201/204).
"""
import functools

from flask import current_app, g, jsonify, request

from pimconnect import permissions

DOC_BASE = "http://api.akeneo.com/api-reference.html#"


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


def unsupported_filter(key, operator):
    return ApiError(422, f'Filter on property "{key}" is not supported or does not support operator "{operator}"')


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


INSUFFICIENT_SCOPE = {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}


def admit(content_type="application/json", untyped_body_as_json=False):
    """What every guarded endpoint checks before its own ACL, in the reference's order: the bearer
    token (401), overall API access (403), then ``Accept`` on a read (406) or the body's
    ``Content-Type`` on a write (415). ``untyped_body_as_json``: a body sent without any
    ``Content-Type`` is read as JSON (the catalog endpoints, catalogs-for-apps.md C2)."""
    authenticate()
    if not api_can("pim_api_overall_access"):
        raise ApiError(403, "You are not allowed to access the web API.")
    if request.method in ("GET", "HEAD"):
        check_accept()
    elif request.method in ("POST", "PATCH", "PUT"):
        if not (untyped_body_as_json and not request.headers.get("Content-Type", "").strip()):
            check_content_type(content_type)


def api_view(acl, entities, content_type="application/json", worded_as=None):
    """Declare an API endpoint guarded by the ACL ``acl`` (``entities`` words its 403 message).

    ``content_type`` is what POST/PATCH bodies must be sent as: ``bodies.COLLECTION_TYPE`` for a batch
    PATCH, ``"multipart/form-data"`` for uploads. ``worded_as`` is the method whose 403 wording
    applies when it is not the request's (a search sent as POST refuses as "list").
    """
    if acl not in permissions.PERMISSIONS:
        raise ValueError(f"Unknown ACL {acl}")

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            admit(content_type)
            if not api_can(acl):
                raise ApiError(403, forbidden_message(entities, worded_as), headers=INSUFFICIENT_SCOPE)
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
