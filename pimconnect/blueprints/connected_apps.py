"""Connect -> Connected apps: the list, each app's page (settings, authorizations, permissions,
catalogs, error monitoring), opening, revoking and deleting an app (reference §9), the deep link
and the app-facing ``POST /connect/apps/v1/scopes/update`` (§2.3.1).

Gates (§10): Manage apps for the app page and every change; Open apps to open an app; a custom
app's page also opens for users who may create and delete custom apps.
"""
from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from pimconnect.htmx import current_actor, redirect_to, refused_status, render
from pimconnect.blueprints import catalogs as catalog_editor
from pimconnect.permissions import CUSTOM_APPS, MANAGE_APPS, OPEN_APPS, can, login_only, require
from pimconnect.services.apps import scopes as app_scopes
from pimconnect.services.apps import connected as service
from pimconnect.services.apps import custom as custom_apps
from pimconnect.services import catalogs as catalog_service
from pimconnect.services.catalogs import preview as catalog_preview
from pimconnect.services.connections import error_monitoring
from pimconnect.services.errors import Invalid

bp = Blueprint("connected_apps", __name__)
TABS = ("settings", "permissions", "catalogs", "error_monitoring")
DELETE_TITLE = "Confirm deletion"
DELETE_TEXT = "Are you sure you want to delete the app? Not sure about the impacts? Here is what will happen."
DELETE_EFFECTS = ["The app will no longer be able to read or write data in your PIM: its access tokens stop "
                  "working at once.", "Its data flows will no longer be tracked.",
                  "To use it again, connect it again from the App Store."]


def _card(code):
    card = service.get(code)
    if card is None:
        abort(404)
    return card


def _may_manage(card):
    return can(MANAGE_APPS) or (card.app.is_custom_app and can(CUSTOM_APPS))


def _managed(code):
    """The app's card, if the current user may manage it (404 unknown, 403 refused)."""
    card = _card(code)
    if not _may_manage(card):
        abort(403)
    return card


@bp.get("/connect/connected-apps")
@login_only
def index():
    """List the connected apps, custom apps first, each with its state line and buttons."""
    if not (can(MANAGE_APPS) or can(OPEN_APPS) or can(CUSTOM_APPS)):
        abort(403)
    cards = service.listing()
    custom = [c for c in cards if c.app.is_custom_app]
    published = [c for c in cards if not c.app.is_custom_app]
    # "Connected with N apps" counts the apps that finished connecting, not the pending ones.
    connected = sum(1 for c in cards if not c.is_pending)
    return render("connected_apps/index.html", custom=custom, published=published, total=len(cards),
                  connected=connected, any_unlisted=any(not c.is_listed for c in cards),
                  any_pending=any(c.is_pending for c in cards))


def _page(card, tab, errors=None, status=200, values=None):
    scopes = list(card.app.scopes or [])
    tabs = ["settings"]
    if service.permissions_tab_applies(card):
        tabs.append("permissions")
    owner = card.app.connection.user
    # §8.1: the app uses catalogs; only users with Manage apps see them (a custom app's creator may not)
    if can(MANAGE_APPS) and (app_scopes.has_catalog_scope(scopes) or catalog_service.of_owner(owner).exists()):
        tabs.append("catalogs")
    tabs.append("error_monitoring")
    if tab not in tabs:
        tab = "settings"
    connection = card.app.connection
    custom = custom_apps.get(card.app.id) if card.app.is_custom_app else None
    context = {
        "card": card, "tab": tab, "tabs": tabs, "errors": errors or {},
        "values": values or {"flow_type": connection.flow_type, "auditable": connection.auditable},
        "flow_types": service.FLOW_TYPES, "scope_messages": app_scopes.messages(scopes),
        "product_access": app_scopes.has_product_scope(scopes),
        "consented": service.authentication_scopes(card.app.id, current_user),
        "authentication_sentences": app_scopes.AUTHENTICATION_SENTENCES,
        "custom": custom, "masked_secret": custom_apps.masked_secret(custom) if custom else None,
        "monitoring_message": error_monitoring.monitoring_message(connection),
        "business_errors": error_monitoring.last_errors(connection.id) if tab == "error_monitoring" else [],
        "permissions": service.group_permissions(card) if tab == "permissions" else None,
        "catalogs": [], "catalog_page": 1, "catalog_pages": 1,
    }
    if tab == "catalogs":
        shown, context["catalog_page"], context["catalog_pages"] = catalog_service.tab_page(
            owner, request.args.get("page", 1, type=int))
        context["catalogs"] = catalog_preview.counts(catalog_editor.app_access, shown)
    return render("connected_apps/show.html", status=status, **context)


@bp.get("/connect/connected-apps/<code>")
@login_only
def show(code):
    """The app page with its tabs (``?tab=``)."""
    card = _managed(code)
    return _page(card, request.args.get("tab", "settings"))


@bp.post("/connect/connected-apps/<code>")
@login_only
def save(code):
    """Save the monitoring settings (flow type, tracking)."""
    card = _managed(code)
    if not can(MANAGE_APPS):
        abort(403)
    data = {"flow_type": request.form.get("flow_type", ""), "auditable": request.form.get("auditable")}
    try:
        service.update_settings(card, data, current_actor())
    except Invalid as refused:
        return _page(card, "settings", refused.errors, refused_status(), values=data)
    flash("App settings successfully updated.", "success")
    return redirect_to(url_for("connected_apps.show", code=code))


@bp.post("/connect/connected-apps/<code>/permissions")
@login_only
def save_permissions(code):
    """Save the app group's EE permissions the current user may manage."""
    card = _managed(code)
    if not service.permissions_tab_applies(card):
        abort(404)
    service.save_group_permissions(card, request.form, editable=service.editable_kinds(can), actor=current_actor())
    flash("App settings successfully updated.", "success")
    return redirect_to(url_for("connected_apps.show", code=code, tab="permissions"))


@bp.post("/connect/connected-apps/<code>/revoke-tokens")
@require(MANAGE_APPS)
def revoke_tokens(code):
    """Revoke every access token of the app without disconnecting it (decision D24)."""
    card = _card(code)
    count = service.revoke_tokens(card, current_actor())
    flash(f"{count} access token(s) revoked. The app gets new ones when it is opened again.", "success")
    return redirect_to(url_for("connected_apps.show", code=code))


@bp.route("/connect/connected-apps/<code>/delete", methods=["GET", "POST"])
@require(MANAGE_APPS)
def delete(code):
    """Ask for confirmation, then disconnect the app (its tokens stop working at once)."""
    card = _card(code)
    if request.method == "GET":
        return render("connected_apps/delete.html", card=card, title=DELETE_TITLE, text=DELETE_TEXT,
                      effects=DELETE_EFFECTS)
    service.delete(card.app, current_actor())
    flash("App successfully deleted.", "success")
    return redirect_to(url_for("connected_apps.index"))


@bp.get("/connect/connected-apps/<code>/open")
@require(OPEN_APPS)
def open_app(code):
    """Go to the app: its activate URL with ``pim_url`` (§2.2), opened in a new tab by the buttons.

    Nothing changes here (no state-changing GET): "New access authorization required." clears
    when a user who can manage apps completes the app's next authorization.
    """
    card = _card(code)
    url = service.open_url(card)
    if url is None:
        abort(404)
    return redirect(url, 302)


@bp.route("/connect/connected-apps/<code>/regenerate-secret", methods=["GET", "POST"])
@require(CUSTOM_APPS)
def regenerate_secret(code):
    """Custom apps: confirm, then show the new secret once (existing tokens stay valid, D25)."""
    card = _card(code)
    custom = custom_apps.get(card.app.id) if card.app.is_custom_app else None
    if custom is None:
        abort(404)
    if request.method == "GET":
        return render("connected_apps/regenerate_secret.html", card=card)
    secret = custom_apps.regenerate_secret(custom, current_actor())
    response = render("custom_apps/credentials.html", app=custom, secret=secret, regenerated=True,
                      back_url=url_for("connected_apps.show", code=code))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/connect/apps/v1/connected_app/<app_id>")
@require(MANAGE_APPS)
def deep_link(app_id):
    """Deep link to a connected app's page by its app id (§3.2): 404 when it is not connected."""
    connected = service.by_app_id(app_id[:36])
    if connected is None:
        abort(404)
    return redirect_to(url_for("connected_apps.show", code=connected.connection.code), status=302)


@bp.post("/connect/apps/v1/scopes/update")
def scopes_update():
    """An app asks for more scopes (§2.3.1): flag it and notify the users who can manage apps.

    Authenticated with the app's bearer token like the REST API; answers the JSON string "Ok".
    """
    from pimconnect.services.connections import tokens as api_tokens

    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    token, problem = (None, "Authentication is required")
    if scheme.lower() == "bearer" and value.strip():
        token, problem = api_tokens.check_access_token(value.strip())
    if token is None:
        response = jsonify({"code": 401, "message": problem})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="PIM Connect"'
        return response
    if not service.flag_outdated_scopes(token, request.args.get("scopes", "")[:1000]):
        return jsonify("Not an authenticated App"), 403
    return jsonify("Ok")
