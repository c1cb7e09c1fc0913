"""The Connect wizard and what connecting creates (apps-and-oauth.md §7, §9.1)."""
import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import (
    ApiClient,
    Connection,
    ConnectedApp,
    Role,
    User,
    UserGroup,
    UserGroupMember,
    UserRole,
)
from pimconnect.services import app_catalogue, app_connect
from pimconnect.services.errors import Invalid

APP_ID = "11111111-1111-4111-8111-111111111111"


def register_app(app_id=APP_ID, name="Yell <Extension> & \"co\"", certified=False, callback="https://app.example/cb",
                 editions=("ce", "ee")):
    """A catalogue app listing; returns its AppInfo."""
    app_catalogue.register({"id": app_id, "kind": "app", "name": name, "author": "Yell", "partner": "Akeneo Partner",
                            "categories": ["E-commerce", "Marketing"], "certified": certified,
                            "activate_url": "https://app.example/activate", "callback_url": callback,
                            "editions": list(editions), "versions": []})
    return app_catalogue.find_app(app_id)


def test_create_connected_app_makes_user_group_role_connection_and_record(catalog):
    """Connecting creates the app's group, role, API user (not in All), connection and record, sharing one code."""
    with catalog.app_context(), db.connection_context():
        info = register_app()
        with write_txn():
            connected = app_connect.create_connected_app(info, ["delete_products", "read_catalog_structure"])
        connected = ConnectedApp.get_by_id(APP_ID)
        connection = Connection.get_by_id(connected.connection_id)
        code = connection.code
        assert code.startswith("app_") and len(code) <= 30
        assert connection.type == "app" and connection.flow_type == "other" and not connection.auditable
        assert connection.label == info.name
        group = UserGroup.get_by_id(connected.user_group_id)
        assert group.name == code and group.type == "app"
        role = Role.get_by_id(connected.role_id)
        assert role.type == "app" and role.label == APP_ID and not role.code.startswith("ROLE_")
        assert {"pim_api_overall_access", "pim_api_product_list", "pim_api_product_edit",
                "pim_api_product_remove", "pim_api_attribute_list"} <= set(role.permissions)
        user = User.get_by_id(connection.user_id)
        assert user.username == code and user.type == "app"
        assert user.first_name == "Yell _Extension_ _ _co_"
        assert user.password_hash.startswith("$argon2id$")
        groups = {g.name for g in UserGroup.select().join(UserGroupMember).where(UserGroupMember.user == user)}
        assert groups == {code}
        assert [r.role_id for r in UserRole.select().where(UserRole.user == user)] == [role.id]
        client = ApiClient.get_by_id(connection.client_id)
        assert client.client_id == APP_ID and client.kind == "app"
        assert connected.scopes == ["delete_products", "read_catalog_structure"]
        assert connected.categories == ["E-commerce", "Marketing"] and connected.partner == "Akeneo Partner"
        assert not connected.is_custom_app and not connected.has_outdated_scopes


def test_create_connected_app_refuses_at_the_limit(catalog):
    """At PIM_MAX_CONNECTIONS the app is not created and the limit message is raised."""
    catalog.config["PIM_MAX_CONNECTIONS"] = 0
    with catalog.app_context(), db.connection_context():
        info = register_app()
        with pytest.raises(Invalid) as refused:
            with write_txn():
                app_connect.create_connected_app(info, ["read_products"])
        assert refused.value.errors == {"": "You reached the limit of 0 connections and connected Apps."}
        assert ConnectedApp.select().count() == 0 and Connection.select().count() == 0


def test_create_connected_app_unrevokes_a_deleted_apps_client(catalog):
    """An app reconnecting after deletion gets its OAuth client back un-revoked."""
    with catalog.app_context(), db.connection_context():
        info = register_app()
        with write_txn():
            ApiClient.create(client_id=APP_ID, kind="app", grant_types=["authorization_code"], revoked=True)
            app_connect.create_connected_app(info, [])
        assert not ApiClient.get(ApiClient.client_id == APP_ID).revoked
