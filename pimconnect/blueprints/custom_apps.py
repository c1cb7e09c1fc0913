"""App Store -> Create an app: custom apps registered in this PIM (reference §8.3).

The client id and secret are shown once, in the answer to the creating POST (``no-store``);
deleting a connected custom app disconnects it. Needs "Create and delete custom apps".
"""
from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from pimconnect.htmx import current_actor, redirect_to, refused_status, render
from pimconnect.permissions import CUSTOM_APPS, require
from pimconnect.services.apps import custom as service
from pimconnect.services.errors import Invalid

bp = Blueprint("custom_apps", __name__, url_prefix="/connect/custom-apps")
DELETE_TITLE = "You are about to delete your app from this PIM."
DELETE_TEXT = "By confirming the deletion, you will delete the app from the App Store page and the related connected app."


def _form(values, errors=None, status=200):
    return render("custom_apps/create.html", status=status, values=values, errors=errors or {},
                  at_limit=service.at_limit(), limit_message=service.limit_message())


@bp.route("/create", methods=["GET", "POST"])
@require(CUSTOM_APPS)
def create():
    """Show the form, or register the app and show its client id and secret once."""
    if request.method == "GET":
        return _form({"name": "", "activate_url": "", "callback_url": ""})
    values = {key: request.form.get(key, "") for key in ("name", "activate_url", "callback_url")}
    try:
        app, secret = service.create(values, current_user, current_actor())
    except Invalid as refused:
        return _form(values, refused.errors, refused_status())
    response = render("custom_apps/credentials.html", app=app, secret=secret, regenerated=False,
                      back_url=url_for("connect.app_store"))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<client_id>/delete", methods=["GET", "POST"])
@require(CUSTOM_APPS)
def delete(client_id):
    """Ask for confirmation, then delete the app (and disconnect it when it is connected)."""
    app = service.get(client_id)
    if app is None:
        abort(404)
    if request.method == "GET":
        return render("custom_apps/delete.html", app=app, title=DELETE_TITLE, text=DELETE_TEXT)
    service.delete(app, current_actor())
    flash("Custom app successfully deleted.", "success")
    return redirect_to(url_for("connect.app_store"))
