"""Log in and log out."""
import hashlib
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from pimconnect.permissions import login_only
from pimconnect.security import SESSION_TOKEN_KEY, log_in
from pimconnect.services.access import auth as auth_service

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
            log_in(user)
            return _remember_device(redirect(next_url or url_for("home.index"), 303), user.username)
    status = 200 if error is None else (429 if error == auth_service.LOCKED else 401)
    return render_template("auth/login.html", error=error, username=username, next=next_url), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log this browser out; the user's sessions on other devices go on."""
    if current_user.is_authenticated:
        auth_service.logout(current_user, session.get(SESSION_TOKEN_KEY), request.remote_addr)
        logout_user()
    session.pop(SESSION_TOKEN_KEY, None)
    return redirect(url_for("auth.login"), 303)


@bp.post("/logout/everywhere")
@login_only
def logout_everywhere():
    """End every session of this user, on every device (a lost phone, a shared computer)."""
    auth_service.logout_everywhere(current_user, request.remote_addr)
    logout_user()
    session.pop(SESSION_TOKEN_KEY, None)
    flash("You are logged out on every device.", "success")
    return redirect(url_for("auth.login"), 303)


@bp.get("/account")
@login_only
def account():
    """The user's account: who they are, how many browsers are logged in, and Log out everywhere."""
    return render_template("auth/account.html", sessions=auth_service.session_count(current_user))
