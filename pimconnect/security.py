"""Login manager, CSRF and the security headers every response carries."""
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from pimconnect.htmx import is_htmx

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to access this page."
login_manager.login_message_category = "info"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


SESSION_TOKEN_KEY = "pim_session"  # the browser's own session token (services.auth.start_session)
AUTH_TIME_KEY = "pim_auth_time"  # when this browser logged in (epoch seconds): OpenID max_age and auth_time


@login_manager.user_loader
def _load_user(session_id):
    """Sessions name the user, their session version and this browser's session token.

    A bumped version logs the user out everywhere; a deleted token logs out this browser only.
    """
    from flask import session

    from pimconnect.services.access.auth import session_user

    try:
        user_id, version = (int(part) for part in session_id.split(":"))
    except ValueError:
        return None
    return session_user(user_id, version, session.get(SESSION_TOKEN_KEY))


def log_in(user):
    """Start a new session of ``user`` in this browser (after a login, or to keep it after end_sessions)."""
    import time

    from flask import session
    from flask_login import login_user

    from pimconnect.services.access.auth import start_session

    session[SESSION_TOKEN_KEY] = start_session(user)
    session[AUTH_TIME_KEY] = int(time.time())
    login_user(user)


@login_manager.unauthorized_handler
def _unauthorized():
    from flask import jsonify, redirect, request, url_for

    from pimconnect.errors import wants_json

    if wants_json():
        return jsonify(code=401, message="Authentication is required"), 401
    next_path = request.full_path.rstrip("?") if request.method == "GET" else None
    target = url_for("auth.login", next=next_path)
    if is_htmx():
        response = jsonify(code=401, message="Authentication is required")
        response.status_code = 401
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def init_app(app):
    csrf.init_app(app)
    login_manager.init_app(app)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        if app.config["PIM_URL"].startswith("https://"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
