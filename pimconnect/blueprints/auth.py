"""Log in and log out."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

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
            login_user(user)
            return redirect(next_url or url_for("home.index"), 303)
    status = 200 if error is None else (429 if error == auth_service.LOCKED else 401)
    return render_template("auth/login.html", error=error, username=username, next=next_url), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out and invalidate this user's other copies of the session cookie."""
    if current_user.is_authenticated:
        auth_service.logout(current_user, request.remote_addr)
        logout_user()
    return redirect(url_for("auth.login"), 303)
