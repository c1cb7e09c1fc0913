"""Custom apps through the REST API (reference apps-and-oauth.md §3.6, "test apps" in code).

``GET`` lists and ``DELETE`` deletes only the custom apps the calling API user created; ``POST``
and ``DELETE`` need the "Create and delete custom apps" ACL. Not in Akeneo's public API documentation; the shapes follow
the reference controllers: 201 ``{client_id, client_secret}``, 422 ``{errors: [{propertyPath,
message}]}`` with snake_case property paths, 404 "Test app with <id> client_id was not found.".
"""
from flask import g, jsonify

from pimconnect.api import bp
from pimconnect.api.bodies import json_object_body
from pimconnect.api.core import ApiError, api_view
from pimconnect.api.responses import no_content
from pimconnect.permissions import CUSTOM_APPS
from pimconnect.services.apps import custom as custom_apps
from pimconnect.services.errors import Invalid


def _item(app):
    return {"client_id": app.client_id, "name": app.name, "activate_url": app.activate_url,
            "callback_url": app.callback_url}


@bp.get("/test-apps")
@api_view("pim_api_overall_access", "test apps")
def test_apps_list():
    return jsonify([_item(app) for app in custom_apps.listing(creator=g.api_user)])


@bp.post("/test-apps")
@api_view(CUSTOM_APPS, "test apps")
def test_apps_create():
    data = json_object_body()
    try:
        app, secret = custom_apps.create(data, g.api_user)
    except Invalid as refused:
        errors = [{"propertyPath": path, "message": message} for path, message in refused.errors.items()]
        return jsonify({"errors": errors}), 422
    return jsonify({"client_id": app.client_id, "client_secret": secret}), 201


@bp.delete("/test-apps/<client_id>")
@api_view(CUSTOM_APPS, "test apps")
def test_apps_delete(client_id):
    # Another user's app answers as an unknown one: the API lists and deletes the caller's own only.
    app = custom_apps.get(client_id, creator=g.api_user)
    if app is None:
        raise ApiError(404, custom_apps.NOT_FOUND.format(client_id=client_id))
    custom_apps.delete(app)
    return no_content()
