"""Connect -> Connected apps (reference §9): list and state lines, the app page and its tabs, settings,
open, revoke, delete (tokens refused at once with the disconnected message), the deep link, gates."""
import pytest

from pimconnect.db import write_txn
from pimconnect.models import (
    ApiToken,
    AuthCode,
    ConnectedApp,
    Connection,
    MarketplaceApp,
    Role,
    User,
    UserConsent,
    UserGroup,
)
from pimconnect.services.access import group_permissions
from pimconnect.services.apps import codes as app_codes
from tests.app_helpers import app_token, connect_code, register_listing
from tests.conftest import Auth

DISCONNECTED = "The access token provided is invalid. Your app has been disconnected from that PIM."


@pytest.fixture
def shop(seeded_app, conn):
    """A connected catalogue app with product write scopes: (app id, connection code)."""
    app_id, _ = register_listing(seeded_app, "Shop Sync", partner="PIM Connect Partner")
    return app_id, connect_code(seeded_app, app_id, ["write_products", "read_categories"])


def _login_with(seeded_app, client, permissions, username="operator"):
    """A user whose only role holds ``permissions``."""
    from pimconnect.models import UserRole
    from pimconnect.services.access.passwords import hash_password

    with seeded_app.app_context(), write_txn():
        role = Role.create(code=f"ROLE_{username.upper()}", label=username, permissions=list(permissions))
        user = User.create(username=username, email=f"{username}@example.com", first_name="Op", last_name="Erator",
                           password_hash=hash_password("operator-password-1"))
        UserRole.create(user=user, role=role)
    auth = Auth(client)
    assert auth.login(username, "operator-password-1").status_code == 303
    return auth


def test_empty_list(admin):
    """No app: the helper counts 0 and the empty state points to the App Store."""
    page = admin.client.get("/connect/connected-apps").get_data(as_text=True)
    assert "Your PIM is connected with 0 apps." in page
    assert "No apps connected yet." in page


def test_list_sorted_by_name_with_sections_and_state_lines(admin, seeded_app, shop, conn):
    """Cards sorted by name; pending, outdated and unlisted lines follow the reference's priority."""
    other_id, _ = register_listing(seeded_app, "Alpha Feed", author="Feeds Inc")
    alpha = connect_code(seeded_app, other_id, ["read_products"])
    page = admin.client.get("/connect/connected-apps").get_data(as_text=True)
    assert "Your PIM is connected with 2 apps." in page
    assert page.index("Alpha Feed") < page.index("Shop Sync")
    assert "Developed by Feeds Inc" in page and "2 apps" in page
    with seeded_app.app_context(), write_txn():  # a code but no token: pending
        app_codes.issue_code(app_codes.app_client(other_id), User.get(User.username == "admin"))
        ConnectedApp.update(has_outdated_scopes=True).where(ConnectedApp.id == shop[0]).execute()
    page = admin.client.get("/connect/connected-apps").get_data(as_text=True)
    assert "App not connected. Opening the App should fix the connection issues." in page
    assert "Some of your apps are not connected with your PIM." in page
    assert "New access authorization required." in page
    with seeded_app.app_context(), write_txn():  # no longer in the catalogue: not listed wins
        MarketplaceApp.delete().where(MarketplaceApp.id == other_id).execute()
    page = admin.client.get("/connect/connected-apps").get_data(as_text=True)
    assert "App no longer listed on the PIM Connect App Store. Please contact the App support." in page
    assert f'id="connected-app-{alpha}"' in page


def test_settings_tab_shows_authorizations_and_saves_flow_type(admin, shop, conn):
    """Scope sentences; flow type and tracking saved; tracking forced off for "other"."""
    _, code = shop
    page = admin.client.get(f"/connect/connected-apps/{code}").get_data(as_text=True)
    assert "View and edit products and product models" in page and "View categories" in page
    assert "doesn't access your product information" not in page
    response = admin.post(f"/connect/connected-apps/{code}", {"flow_type": "data_source", "auditable": "1"})
    assert response.status_code == 303
    assert "App settings successfully updated." in admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert (Connection.get(Connection.code == code).flow_type, Connection.get(Connection.code == code).auditable) == (
        "data_source", True)
    admin.post(f"/connect/connected-apps/{code}", {"flow_type": "other", "auditable": "1"})
    assert Connection.get(Connection.code == code).auditable is False
    refused = admin.post(f"/connect/connected-apps/{code}", {"flow_type": "sideways"})
    assert refused.status_code == 422 and "Choose a flow type." in refused.get_data(as_text=True)
    assert Connection.get(Connection.code == code).flow_type == "other"


def test_no_scope_messages(admin, seeded_app, conn):
    """An app without authorization scopes says so, and that it does not access products."""
    app_id, _ = register_listing(seeded_app, "Version Reader")
    code = connect_code(seeded_app, app_id, [])
    page = admin.client.get(f"/connect/connected-apps/{code}").get_data(as_text=True)
    assert "No specific authorizations have been requested." in page
    assert "This connected app doesn't access your product information." in page


def test_authentication_section_shows_the_current_users_consent(admin, seeded_app, shop, conn):
    """openid only: no personal data; profile/email: their lines."""
    app_id, code = shop
    page = admin.client.get(f"/connect/connected-apps/{code}").get_data(as_text=True)
    assert "Authentication" not in page.split("Authorizations", 1)[1].split("</main>")[0] or "app-authentication" not in page
    with seeded_app.app_context(), write_txn():
        consent = UserConsent.create(user=User.get(User.username == "admin"), app_id=app_id, scopes=["openid"],
                                     uuid="3f0f4a1e-0000-4000-8000-000000000001")
    page = admin.client.get(f"/connect/connected-apps/{code}").get_data(as_text=True)
    assert "This app uses PIM Connect App authentication without using your personal data." in page
    with seeded_app.app_context(), write_txn():
        UserConsent.update(scopes=["email", "openid", "profile"]).where(UserConsent.id == consent.id).execute()
    page = admin.client.get(f"/connect/connected-apps/{code}").get_data(as_text=True)
    assert "View your email address" in page and "View your firstname and your lastname" in page


def test_tabs_follow_edition_and_scopes(admin, seeded_app, shop, conn):
    """EE + product scope: Permissions; catalogs scope: Catalogs; Error monitoring always."""
    _, code = shop
    page = admin.client.get(f"/connect/connected-apps/{code}").get_data(as_text=True)
    assert "tab=permissions" in page and "tab=error_monitoring" in page and "tab=catalogs" not in page
    app_id, _ = register_listing(seeded_app, "Catalog App")
    with_catalogs = connect_code(seeded_app, app_id, ["read_catalogs", "read_products"])
    page = admin.client.get(f"/connect/connected-apps/{with_catalogs}?tab=catalogs").get_data(as_text=True)
    assert "There is no catalog" in page and "Check out our Help center for more information." in page
    seeded_app.config["PIM_EDITION"] = "ce"
    page = admin.client.get(f"/connect/connected-apps/{code}").get_data(as_text=True)
    assert "tab=permissions" not in page
    assert admin.client.get(f"/connect/connected-apps/{code}?tab=permissions").status_code == 200  # falls back


def test_permissions_tab_saves_normalised_levels(admin, shop, conn):
    """Own implies edit and view; unknown codes are dropped; a read-only app stores View only."""
    app_id, code = shop
    page = admin.client.get(f"/connect/connected-apps/{code}?tab=permissions").get_data(as_text=True)
    assert 'name="category-own"' in page and 'name="locale-edit"' in page
    # the wizard's labelled checkboxes, not list boxes of codes
    assert 'type="checkbox" name="category-own" value="master"' in page and "> Master catalog</label>" in page
    assert "<select" not in page.split('id="app-permissions"')[1].split("</form>")[0]
    response = admin.post(f"/connect/connected-apps/{code}/permissions",
                          {"category-own": ["master", "nope"], "locale-view-all": "1",
                           "attribute_group-edit": ["marketing"]})
    assert response.status_code == 303
    group = ConnectedApp.get_by_id(app_id).user_group_id
    stored = group_permissions.load(group)
    assert stored["category"]["own"] == {"all": False, "identifiers": ["master"]}
    assert stored["category"]["view"] == {"all": False, "identifiers": ["master"]}
    assert stored["locale"]["view"]["all"] is True and stored["locale"]["edit"]["all"] is False
    assert stored["attribute_group"]["view"]["identifiers"] == ["marketing"]


def test_permissions_need_the_management_rights(seeded_app, client, shop, conn):
    """Without "Manage locale permissions" the locale levels are blocked and not saved."""
    app_id, code = shop
    operator = _login_with(seeded_app, client, ["akeneo_connectivity_connection_manage_apps",
                                             "pimee_enrich_category_edit_permissions"])
    page = operator.client.get(f"/connect/connected-apps/{code}?tab=permissions").get_data(as_text=True)
    assert 'id="permissions-locale" disabled' in page and 'id="permissions-category" >' in page
    operator.post(f"/connect/connected-apps/{code}/permissions", {"category-view": ["master"], "locale-edit-all": "1"})
    group = ConnectedApp.get_by_id(app_id).user_group_id
    stored = group_permissions.load(group)
    assert stored["category"]["view"]["identifiers"] == ["master"]
    assert not stored["locale"]["edit"]["all"] and stored["locale"]["edit"]["identifiers"] == []


def test_read_only_app_gets_view_levels_only(admin, seeded_app, conn):
    """An app that can only read products sees and stores View levels only."""
    app_id, _ = register_listing(seeded_app, "Reader")
    code = connect_code(seeded_app, app_id, ["read_products"])
    page = admin.client.get(f"/connect/connected-apps/{code}?tab=permissions").get_data(as_text=True)
    assert 'name="category-own"' not in page and 'name="category-view"' in page
    admin.post(f"/connect/connected-apps/{code}/permissions", {"category-own": ["master"], "category-view": ["master"]})
    levels = group_permissions.load(ConnectedApp.get_by_id(app_id).user_group_id)["category"]
    assert levels["own"]["identifiers"] == [] and levels["view"]["identifiers"] == ["master"]


def test_delete_revokes_tokens_at_once_and_keeps_consents(admin, seeded_app, client, shop, conn):
    """Deleting answers the disconnected message to the old token; user, group, role and connection go."""
    app_id, code = shop
    token = app_token(seeded_app, app_id)
    assert client.get("/api/rest/v1/products-uuid", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    connected = ConnectedApp.get_by_id(app_id)
    with seeded_app.app_context(), write_txn():
        UserConsent.create(user=User.get(User.username == "admin"), app_id=app_id, scopes=["openid"],
                           uuid="3f0f4a1e-0000-4000-8000-000000000002")
    page = admin.client.get(f"/connect/connected-apps/{code}/delete").get_data(as_text=True)
    assert "Confirm deletion" in page and "Are you sure you want to delete the app?" in page
    response = admin.post(f"/connect/connected-apps/{code}/delete")
    assert response.status_code == 303
    assert "App successfully deleted." in admin.client.get(response.headers["Location"]).get_data(as_text=True)
    refused = client.get("/api/rest/v1/products-uuid", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.get_json()["message"] == DISCONNECTED
    assert not ConnectedApp.select().where(ConnectedApp.id == app_id).exists()
    assert not Connection.select().where(Connection.code == code).exists()
    assert not User.select().where(User.username == code).exists()
    assert not UserGroup.select().where(UserGroup.id == connected.user_group_id).exists()
    assert not Role.select().where(Role.id == connected.role_id).exists()
    assert UserConsent.select().where(UserConsent.app_id == app_id).count() == 1
    assert admin.client.get(f"/connect/connected-apps/{code}").status_code == 404


def test_reconnecting_after_delete_keeps_old_tokens_refused(admin, seeded_app, client, shop, conn):
    """A deleted app connected again gets a working client; its old tokens stay refused."""
    app_id, code = shop
    old = app_token(seeded_app, app_id)
    admin.post(f"/connect/connected-apps/{code}/delete")
    connect_code(seeded_app, app_id, ["read_products"])
    new = app_token(seeded_app, app_id)
    assert client.get("/api/rest/v1/products-uuid", headers={"Authorization": f"Bearer {new}"}).status_code == 200
    assert client.get("/api/rest/v1/products-uuid", headers={"Authorization": f"Bearer {old}"}).status_code == 401


def test_revoke_tokens_keeps_the_app_connected(admin, seeded_app, client, shop, conn):
    """Revoke access tokens (D24): the token stops, the app stays."""
    app_id, code = shop
    token = app_token(seeded_app, app_id)
    assert admin.post(f"/connect/connected-apps/{code}/revoke-tokens").status_code == 303
    assert client.get("/api/rest/v1/products-uuid", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert ConnectedApp.select().where(ConnectedApp.id == app_id).exists()
    assert ApiToken.select().where(ApiToken.revoked == False).count() == 0  # noqa: E712


def test_open_app_redirects_with_pim_url_and_changes_nothing(admin, seeded_app, shop, conn):
    """Open app goes to the activate URL + pim_url; a GET changes nothing (the flag stays)."""
    app_id, code = shop
    with seeded_app.app_context(), write_txn():
        ConnectedApp.update(has_outdated_scopes=True).where(ConnectedApp.id == app_id).execute()
    page = admin.client.get("/connect/connected-apps").get_data(as_text=True)
    assert f'href="/connect/connected-apps/{code}/open" target="_blank" rel="noopener">Open app</a>' in page
    response = admin.client.get(f"/connect/connected-apps/{code}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://shop.example/activate?pim_url=http%3A%2F%2Flocalhost"
    assert ConnectedApp.get_by_id(app_id).has_outdated_scopes is True


def test_open_apps_only_users_open_but_do_not_manage(seeded_app, client, shop, conn):
    """A user with Open apps only may open the app, not manage or delete it."""
    app_id, code = shop
    opener = _login_with(seeded_app, client, ["akeneo_connectivity_connection_open_apps"])
    list_page = opener.client.get("/connect/connected-apps").get_data(as_text=True)
    assert '<button type="button" class="button" disabled>Manage app</button>' in list_page
    assert opener.client.get(f"/connect/connected-apps/{code}/open").status_code == 302
    assert opener.client.get(f"/connect/connected-apps/{code}").status_code == 403
    assert opener.post(f"/connect/connected-apps/{code}/delete").status_code == 403
    assert ConnectedApp.select().where(ConnectedApp.id == app_id).exists()


def test_manage_apps_only_users_cannot_open(seeded_app, client, shop):
    """Manage apps alone does not enable Open app (reference §10)."""
    _, code = shop
    manager = _login_with(seeded_app, client, ["akeneo_connectivity_connection_manage_apps"])
    list_page = manager.client.get("/connect/connected-apps").get_data(as_text=True)
    assert '<button type="button" class="button" disabled>Open app</button>' in list_page
    assert manager.client.get(f"/connect/connected-apps/{code}/open").status_code == 403


def test_gates_for_users_without_apps_rights(julia, shop, conn):
    """Julia (no apps rights) gets 403 on the list, the page, open and delete."""
    _, code = shop
    for method, path in (("get", "/connect/connected-apps"), ("get", f"/connect/connected-apps/{code}"),
                         ("get", f"/connect/connected-apps/{code}/open"),
                         ("post", f"/connect/connected-apps/{code}/delete"),
                         ("post", f"/connect/connected-apps/{code}/revoke-tokens")):
        response = julia.post(path) if method == "post" else julia.client.get(path)
        assert response.status_code == 403, path


def test_changes_need_the_csrf_token(admin, shop, conn):
    """A cross-site POST deletes nothing."""
    app_id, code = shop
    assert admin.client.post(f"/connect/connected-apps/{code}/delete").status_code == 400
    assert ConnectedApp.select().where(ConnectedApp.id == app_id).exists()


def test_deep_link(admin, seeded_app, shop, conn):
    """/connect/apps/v1/connected_app/<appId>: 302 to the page, 404 when not connected, 403 for julia."""
    app_id, code = shop
    response = admin.client.get(f"/connect/apps/v1/connected_app/{app_id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/connect/connected-apps/{code}"
    assert admin.client.get("/connect/apps/v1/connected_app/00000000-0000-4000-8000-000000000000").status_code == 404


def test_deep_link_refused_without_manage_apps(julia, shop):
    app_id, _ = shop
    assert julia.client.get(f"/connect/apps/v1/connected_app/{app_id}").status_code == 403


def test_pending_app_page_warns(admin, seeded_app, shop, conn):
    """The settings tab of a pending app shows the reference's warning."""
    app_id, code = shop
    with seeded_app.app_context(), write_txn():
        app_codes.issue_code(app_codes.app_client(app_id), User.get(User.username == "admin"))
    page = admin.client.get(f"/connect/connected-apps/{code}").get_data(as_text=True)
    assert "This app is not connected to your PIM. Opening the app should fix the connection issue." in page
    assert AuthCode.select().count() == 1
