"""Log in and log out."""
import hashlib
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from pimconnect.services import auth as auth_service

bp = Blueprint("auth", __name__)
PUBLIC_ENDPOINTS = {"auth.login"}


def safe_next(target):
    """Accept only a relative path on this site as the place to go after logging in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


# A "device cookie" (OWASP's answer to lock-out by password spraying): this browser logged in as
# these users before, so failures on other names from its address do not lock them out.
DEVICE_COOKIE = "pim_device"
DEVICE_SECONDS = 30 * 24 * 3600
DEVICE_USERS = 5


def _device_serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt="pim-login-device")


def _name_digest(username):
    # The cookie is signed, not encrypted: it carries digests, not the user names.
    return hashlib.sha256(username.lower().encode()).hexdigest()[:20]


def _device_users():
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        found = _device_serializer().loads(raw, max_age=DEVICE_SECONDS)
    except BadSignature:
        return []
    return [item for item in found if isinstance(item, str)] if isinstance(found, list) else []


def _remember_device(response, username):
    digest = _name_digest(username)
    users = [digest] + [item for item in _device_users() if item != digest]
    response.set_cookie(DEVICE_COOKIE, _device_serializer().dumps(users[:DEVICE_USERS]), max_age=DEVICE_SECONDS,
                        httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form, or log the user in and send them where they were going."""
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or url_for("home.index"))
    error, username = None, request.form.get("username", "")
    if request.method == "POST":
        try:
            user = auth_service.authenticate(
                username,
                request.form.get("password", ""),
                request.remote_addr,
                current_app.config["PIM_LOGIN_MAX_FAILURES"],
                current_app.config["PIM_LOGIN_LOCK_SECONDS"],
                known_device=_name_digest(username) in _device_users(),
            )
        except auth_service.LoginRefused as refused:
            error = str(refused)
        else:
            login_user(user)
            return _remember_device(redirect(next_url or url_for("home.index"), 303), user.username)
    status = 200 if error is None else (429 if error == auth_service.LOCKED else 401)
    return render_template("auth/login.html", error=error, username=username, next=next_url), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out and invalidate this user's other copies of the session cookie."""
    if current_user.is_authenticated:
        auth_service.logout(current_user, request.remote_addr)
        logout_user()
    return redirect(url_for("auth.login"), 303)
