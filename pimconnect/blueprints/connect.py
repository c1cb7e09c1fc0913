"""The Connect menu: App Store and Connected apps (filled in by the Apps issues)."""
from flask import Blueprint, abort, redirect, url_for

from pimconnect.htmx import render
from pimconnect.permissions import can, login_only

bp = Blueprint("connect", __name__, url_prefix="/connect")


@bp.route("/")
@login_only
def index():
    """Send the user to the App Store, the Connect menu's first entry."""
    return redirect(url_for("connect.app_store"))


@bp.route("/app-store")
@login_only
def app_store():
    """List the apps compatible with this PIM (the listing arrives with the App Store issue)."""
    return render("connect/app_store.html")


@bp.route("/connected-apps")
@login_only
def connected_apps():
    """List the connected apps; only for users who may manage or open apps."""
    if not (can("akeneo_connectivity_connection_manage_apps") or can("akeneo_connectivity_connection_open_apps")):
        abort(403)
    return render("connect/connected_apps.html")
