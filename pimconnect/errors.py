"""Error answers: a full page, an htmx fragment, or JSON, depending on what the request expects."""
import peewee
from playhouse.pool import MaxConnectionsExceeded
from flask import jsonify, render_template, request, session
from werkzeug.exceptions import HTTPException

from pimconnect.htmx import is_htmx

MESSAGES = {
    400: "The request could not be understood.",
    403: "You are not allowed to do this. Ask an administrator for the permission.",
    404: "The page you are looking for does not exist.",
    405: "This action is not available here.",
    413: "The request is too large.",
    503: "The PIM is busy right now. Please try again in a moment.",
    500: "Something went wrong on our side. The error has been logged.",
}


def wants_json():
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status, message=None):
    message = message or MESSAGES.get(status, "Error")
    if wants_json():
        return jsonify(code=status, message=message), status
    template = "errors/_fragment.html" if is_htmx() else "errors/page.html"
    response = _render_untouched(template, status=status, message=message)
    return response, status


def _render_untouched(template, **context):
    """Render an error page without saving what rendering wrote into the session.

    The page's forms (the header's logout) put a CSRF token into the session; for a cross-site
    POST the browser sends no cookie, so that new session would go out as a Set-Cookie replacing
    the user's: any site could log anyone out. What the request itself changed before failing
    (a real action) is still saved."""
    before, was_modified = dict(session), session.modified
    html = render_template(template, **context)
    if not was_modified:
        session.clear()
        session.update(before)
        session.modified = False
    return html


def _api_routing_error(exc):
    """The reference's routing errors on API paths (its 405 names the allowed methods)."""
    if exc.code == 404:
        return jsonify(code=404, message=f'No route found for "{request.method} {request.path}"'), 404
    order = ["GET", "POST", "PATCH", "PUT", "DELETE"]
    allowed = sorted((m for m in (exc.valid_methods or []) if m in order), key=order.index)
    message = (f"No route found for '{request.method} {request.path}': Method Not Allowed "
               f"(Allow: {', '.join(allowed)})")
    response = jsonify(code=405, message=message)
    response.status_code = 405
    response.headers["Allow"] = ", ".join(allowed)
    return response


def init_app(app):
    @app.errorhandler(HTTPException)
    def _http_error(exc):
        if request.path.startswith("/api/") and exc.code in (404, 405):
            return _api_routing_error(exc)
        message = exc.description if exc.code not in MESSAGES else None
        if exc.code == 400 and "CSRF" in (exc.description or ""):
            message = "Your session expired or the form was tampered with. Reload the page and try again."
        return error_response(exc.code or 500, message)

    @app.errorhandler(MaxConnectionsExceeded)
    @app.errorhandler(peewee.OperationalError)
    def _busy(exc):
        """SQLite waited longer than its busy timeout for the write lock, or every pooled connection
        stayed in use that long: a clean 503, not a 500."""
        text = str(exc).lower()
        if not isinstance(exc, MaxConnectionsExceeded) and "locked" not in text and "busy" not in text:
            return _unexpected(exc)
        app.logger.warning("Database busy on %s %s", request.method, request.path)
        response, status = error_response(503)
        response = app.make_response((response, status))
        response.headers["Retry-After"] = "1"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_response(500)
