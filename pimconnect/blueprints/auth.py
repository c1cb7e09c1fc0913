"""Log in and log out."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from pimconnect.permissions import login_only
from pimconnect.security import SESSION_TOKEN_KEY, log_in
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
            )
        except auth_service.LoginRefused as refused:
            error = str(refused)
        else:
            log_in(user)
            return redirect(next_url or url_for("home.index"), 303)
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
