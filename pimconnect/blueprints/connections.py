"""Connect -> Connection settings: API connections for ERPs, scripts and connectors.

Secrets are shown once, in the answer to the POST that made them (never in a URL, the session
or a log), with ``Cache-Control: no-store``; reloading the page cannot show them again.
"""
from flask import Blueprint, abort, flash, render_template, request, url_for

from pimconnect.htmx import current_actor, redirect_to, refused_status, render
from pimconnect.permissions import require
from pimconnect.services.connections import settings as service
from pimconnect.services.access.users import assignable_groups, assignable_roles

bp = Blueprint("connections", __name__, url_prefix="/connect/connection-settings")
MANAGE = "akeneo_connectivity_connection_manage_settings"

# The actions that need a confirmation: (page title, what happens, button). The edit page's
# htmx confirm dialog shows the same sentence.
CONFIRMATIONS = {
    "regenerate_secret": ("Regenerate the secret", "The current secret and every token of this connection "
                          "stop working at once.", "Regenerate the secret"),
    "regenerate_password": ("Regenerate the password", "The current password and every token of this "
                            "connection stop working at once.", "Regenerate the password"),
    "delete": ("Delete the connection", "The connection, its API user and its tokens are deleted at once. "
               "This cannot be undone.", "Delete the connection"),
}


def _found(code):
    connection = service.get(code)
    if connection is None:
        abort(404)
    return connection


def _form_data(form):
    return {key: form.get(key, "") for key in ("label", "code", "flow_type", "auditable", "role", "group")}


@bp.get("")
@require(MANAGE)
def index():
    """List the connections with how many of the allowed connections and apps are used."""
    return render("connections/index.html", connections=service.listing(), count=service.count(),
                  limit=service.limit(), at_limit=service.at_limit(), flow_types=service.FLOW_TYPES)


def _form_page(connection, values, errors=None, status=200):
    return render("connections/form.html", status=status, connection=connection, values=values,
                  errors=errors or {}, suggested=service.suggest_code(values["label"]), flow_types=service.FLOW_TYPES,
                  roles=assignable_roles(), groups=assignable_groups(), confirmations=CONFIRMATIONS,
                  limit_reached=connection is None and service.at_limit(), limit_message=service.limit_message())


def _credentials_page(connection, credentials, event):
    """The one answer that shows a secret or password: never cached, never in the htmx history."""
    response = render("connections/credentials.html", connection=connection, credentials=credentials,
                      event=event)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/new", methods=["GET", "POST"])
@require(MANAGE)
def create():
    """Show the creation form, or create the connection and show its credentials once."""
    if request.method == "GET":
        return _form_page(None, service.form_values())
    data = _form_data(request.form)
    try:
        connection, credentials = service.create(data, current_actor())
    except service.Invalid as refused:
        return _form_page(None, data, refused.errors, refused_status())
    return _credentials_page(connection, credentials, "created")


@bp.get("/code")
@require(MANAGE)
def code_field():
    """The code field for htmx: it follows the label until the user types a code of their own."""
    suggested = service.suggest_code(request.args.get("label", "")[:100])
    code = request.args.get("code", "")[:100]
    if code in ("", request.args.get("suggested", "")):
        code = suggested
    response = render_template("connections/_code_field.html", values={"code": code}, suggested=suggested,
                               errors={})
    return response, 200, {"Vary": "HX-Request"}


@bp.route("/<code>/edit", methods=["GET", "POST"])
@require(MANAGE)
def edit(code):
    """Show the connection's settings, or save them (the code and client ID cannot change)."""
    connection = _found(code)
    if request.method == "GET":
        return _form_page(connection, service.form_values(connection))
    data = _form_data(request.form)
    data["code"] = connection.code
    try:
        service.update(connection, data, current_actor())
    except service.Invalid as refused:
        return _form_page(connection, data, refused.errors, refused_status())
    flash(f"Connection {data['label'].strip()} saved.", "success")
    return redirect_to(url_for(".edit", code=connection.code))


def _confirm_page(connection, action):
    return render("connections/confirm.html", connection=connection, action=action,
                  confirmation=CONFIRMATIONS[action])


@bp.route("/<code>/regenerate-secret", methods=["GET", "POST"])
@require(MANAGE)
def regenerate_secret(code):
    """Ask for confirmation, then show the new secret once; the connection's tokens stop working."""
    connection = _found(code)
    if request.method == "GET":
        return _confirm_page(connection, "regenerate_secret")
    secret = service.regenerate_secret(connection, current_actor())
    return _credentials_page(connection, service.Credentials(connection.client.client_id, secret=secret), "secret")


@bp.route("/<code>/regenerate-password", methods=["GET", "POST"])
@require(MANAGE)
def regenerate_password(code):
    """Ask for confirmation, then show the new password once; the connection's tokens stop working."""
    connection = _found(code)
    if request.method == "GET":
        return _confirm_page(connection, "regenerate_password")
    password = service.regenerate_password(connection, current_actor())
    credentials = service.Credentials(connection.client.client_id, username=connection.user.username,
                                      password=password)
    return _credentials_page(connection, credentials, "password")


@bp.route("/<code>/delete", methods=["GET", "POST"])
@require(MANAGE)
def delete(code):
    """Ask for confirmation, then delete the connection and revoke its tokens."""
    connection = _found(code)
    if request.method == "GET":
        return _confirm_page(connection, "delete")
    service.delete(connection, current_actor())
    flash(f"Connection {connection.label} deleted.", "success")
    return redirect_to(url_for(".index"))
