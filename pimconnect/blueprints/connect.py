"""The Connect menu: App Store and Connected apps (filled in by the Apps issues)."""
from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from pimconnect.errors import error_response
from pimconnect.htmx import current_actor, redirect_to, render
from pimconnect.permissions import CUSTOM_APPS, MANAGE_APPS, can, login_only, require
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.connections import settings as connections
from pimconnect.services.apps import connected as connected_apps_service
from pimconnect.services.apps import store as app_store_service

CUSTOM_APP_CREATE_PATH = "/connect/custom-apps/create"
CUSTOM_APP_DELETE_ENDPOINT = "custom_apps.delete"

bp = Blueprint("connect", __name__, url_prefix="/connect")


@bp.route("/")
@login_only
def index():
    """Send the user to the App Store, the Connect menu's first entry."""
    return redirect(url_for("connect.app_store"))


@bp.route("/app-store")
@login_only
def app_store():
    """List the apps, connectors and custom apps compatible with this PIM, filtered by ``?search=``.

    htmx active search gets only the results block; without JavaScript the form reloads the page.
    """
    page = app_store_service.store_page(request.args.get("search", ""))
    return render("connect/app_store.html", block="results", page=page, **_gates())


@bp.route("/app-store/<app_id>")
@login_only
def app_detail(app_id):
    """The built-in More info page of a listing: documentation, screenshots and the seller's contact."""
    found = app_store_service.listing_detail(app_id)
    if found is None:
        abort(404)
    listing, card = found
    return render("connect/app_detail.html", listing=listing, card=card,
                  contact_href=app_store_service.contact_link(listing.contact, listing.example), **_gates())


@bp.route("/apps/activate")
@require(MANAGE_APPS)
def activate_app():
    """Open the app at its activate URL with ``pim_url`` (reference GET /rest/apps/activate/{id}).

    Only a redirect: nothing changes until the app comes back to the authorize endpoint.
    """
    app = app_listings.find_app(request.args.get("id", ""))
    if app is None or not app_store_service.is_web_url(app.activate_url):
        abort(404)
    if connections.at_limit():
        return error_response(400, "App and connections limit reached")
    return redirect(app_store_service.with_pim_url(app.activate_url, current_app.config["PIM_URL"]), 302)


@bp.post("/apps/<app_id>/cancel-pending")
@require(MANAGE_APPS)
def cancel_pending(app_id):
    """Drop a connection the app never finished (a code, no token), so Connect starts afresh.

    Only a pending app: a connected one is deleted from its Manage app page, after its own confirmation.
    """
    if app_store_service.connection_states().get(app_id) != "pending":
        abort(404)
    connected_apps_service.delete(connected_apps_service.by_app_id(app_id), current_actor())
    flash("The pending connection was cancelled.", "success")
    return redirect_to(url_for("connect.app_store"))


def _gates():
    """What the App Store's buttons depend on: Manage apps, the connections limit, custom apps."""
    at_limit = connections.at_limit()
    return {"can_manage_apps": can(MANAGE_APPS), "at_limit": at_limit,
            "limit_message": connections.limit_message() if at_limit else "",
            "create_custom_app_url": CUSTOM_APP_CREATE_PATH if can(CUSTOM_APPS) and _has_route(
                CUSTOM_APP_CREATE_PATH) else None,
            # The trash link of a custom app card (its confirmation page comes with the custom apps issue).
            "delete_custom_app_endpoint": CUSTOM_APP_DELETE_ENDPOINT if can(CUSTOM_APPS)
            and CUSTOM_APP_DELETE_ENDPOINT in current_app.view_functions else None}


def _has_route(path):
    """Whether this PIM serves ``path`` (the custom-app creation page arrives with another issue)."""
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    except RequestRedirect:
        return True
    return True
