"""System → Roles: list, create, the General / Permissions / Users tabs, delete, lockout guards."""
from html.parser import HTMLParser

from pimconnect.db import db, write_txn
from pimconnect.models import Role, User, UserRole

MANAGE_APPS = "akeneo_connectivity_connection_manage_apps"


def checked_boxes(html, name):
    """The values of the checked checkboxes called ``name`` in ``html``."""

    class Parser(HTMLParser):
        found = set()

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "input" and attrs.get("name") == name and "checked" in attrs:
                self.found.add(attrs.get("value"))

    parser = Parser()
    parser.found = set()
    parser.feed(html)
    return parser.found


def _role(code="ROLE_ADMINISTRATOR"):
    with db.connection_context():
        return Role.get(code=code)


def test_roles_list_shows_user_counts(admin):
    """The roles list names each role with the number of users holding it."""
    html = admin.client.get("/system/roles").get_data(as_text=True)
    assert "Administrator" in html and "Catalog manager" in html
    assert "<td>1</td>" in html and "<td>0</td>" in html


def test_roles_list_page_vs_fragment(admin):
    """The roles list is a full page, or only its content for htmx."""
    page = admin.client.get("/system/roles")
    fragment = admin.client.get("/system/roles", headers={"HX-Request": "true"})
    assert b"<html" in page.data
    assert b"<html" not in fragment.data and b"Catalog manager" in fragment.data


def test_julia_cannot_see_or_edit_roles(julia):
    """A user without the role permissions gets 403 on every role page and action."""
    role_id = _role().id
    assert julia.client.get("/system/roles").status_code == 403
    assert julia.client.get(f"/system/roles/{role_id}").status_code == 403
    response = julia.post(f"/system/roles/{role_id}/permissions", {"section": "System"})
    assert response.status_code == 403
    assert MANAGE_APPS in _role().permissions


def test_permissions_tab_lists_sections_and_manage_apps(admin):
    """The Permissions tab lists the sections and, for System, the Manage apps checkbox."""
    role_id = _role().id
    html = admin.client.get(f"/system/roles/{role_id}?tab=permissions&section=System").get_data(as_text=True)
    for section in ("System", "Settings", "Products", "Users", "API"):
        assert f"section={section}" in html
    assert "Manage apps" in html
    assert checked_boxes(html, "permissions") >= {MANAGE_APPS, "akeneo_connectivity_connection_open_apps"}
    assert "pim_enrich_product_index" not in html  # only the displayed section's checkboxes


def test_tab_fragment_for_htmx(admin):
    """A tab link asked by htmx answers the content without the page shell."""
    role_id = _role().id
    url = f"/system/roles/{role_id}?tab=users"
    page = admin.client.get(url)
    fragment = admin.client.get(url, headers={"HX-Request": "true"})
    assert b"<html" in page.data and b"<html" not in fragment.data
    assert b'id="role-tabs"' in fragment.data and b"admin" in fragment.data


def test_toggle_manage_apps_keeps_other_sections(admin):
    """Unchecking then checking Manage apps saves only the System section; other sections stay granted."""
    role = _role()
    others = [c for c in role.permissions if not c.startswith("akeneo_connectivity") and not c.startswith("pimee_")]
    system_rest = ["akeneo_connectivity_connection_open_apps", "pimee_enrich_locale_edit_permissions"]
    response = admin.post(f"/system/roles/{role.id}/permissions", {"section": "System", "permissions": system_rest})
    assert response.status_code == 303
    assert "section=System" in response.headers["Location"]
    saved = _role().permissions
    assert MANAGE_APPS not in saved
    assert set(others) | set(system_rest) == set(saved)
    assert admin.client.get("/connect/connected-apps").status_code == 200  # open apps still granted
    admin.post(f"/system/roles/{role.id}/permissions", {"section": "System", "permissions": system_rest + [MANAGE_APPS]})
    assert MANAGE_APPS in _role().permissions and set(others) <= set(_role().permissions)
    page = admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Permissions of the System section saved." in page


def test_julia_gains_manage_apps_through_her_role(admin, app):
    """Granting Manage apps to the Catalog manager role opens Connected apps to julia at once."""
    role = _role("ROLE_CATALOG_MANAGER")
    assert admin.post(f"/system/roles/{role.id}/permissions",
                      {"section": "System", "permissions": [MANAGE_APPS]}).status_code == 303
    from tests.conftest import Auth

    julia = Auth(app.test_client())
    julia.login("julia")
    assert julia.client.get("/connect/connected-apps").status_code == 200
    assert "pim_enrich_product_index" in _role("ROLE_CATALOG_MANAGER").permissions


def test_unknown_code_is_refused(admin):
    """A code outside the registry or outside the displayed section is refused and nothing changes."""
    role = _role("ROLE_USER")
    before = role.permissions
    response = admin.post(f"/system/roles/{role.id}/permissions",
                          {"section": "Products", "permissions": ["pim_enrich_product_index", "root_everything"]})
    assert response.status_code == 422
    assert b"Unknown permission for this section." in response.data
    response = admin.post(f"/system/roles/{role.id}/permissions",
                          {"section": "Products", "permissions": [MANAGE_APPS]})
    assert response.status_code == 422
    assert _role("ROLE_USER").permissions == before


def test_unknown_section_is_refused(admin):
    """A section that does not exist is refused."""
    role = _role("ROLE_USER")
    response = admin.post(f"/system/roles/{role.id}/permissions", {"section": "Nope"}, htmx=True)
    assert response.status_code == 200
    assert b"Unknown permission section." in response.data and b"<html" not in response.data


def test_cannot_remove_last_role_edit(admin):
    """Removing Create and edit roles from the only role that holds it is refused with a clear message."""
    role = _role()
    users_codes = ["pim_user_role_index", "pim_user_user_index", "pim_user_user_edit"]
    response = admin.post(f"/system/roles/{role.id}/permissions", {"section": "Users", "permissions": users_codes})
    assert response.status_code == 422
    assert b"no enabled user able to edit roles" in response.data
    assert "pim_user_role_edit" in _role().permissions


def test_create_role_then_rename(admin):
    """A new role gets a ROLE_ code, opens on its Permissions tab and can be renamed."""
    response = admin.post("/system/roles/new", {"label": "Translator"})
    assert response.status_code == 303 and "tab=permissions" in response.headers["Location"]
    role = _role("ROLE_TRANSLATOR")
    assert role.permissions == []
    assert admin.post(f"/system/roles/{role.id}", {"label": "Senior translator"}).status_code == 303
    assert _role("ROLE_TRANSLATOR").label == "Senior translator"


def test_create_role_validation(admin):
    """An empty or duplicate label re-renders the form with a message."""
    assert b"Label is required." in admin.post("/system/roles/new", {"label": "  "}).data
    response = admin.post("/system/roles/new", {"label": "administrator"}, htmx=True)
    assert response.status_code == 200 and b"A role with this label already exists." in response.data
    with db.connection_context():
        assert Role.select().count() == 3


def test_delete_role_only_without_users(admin):
    """A role with users cannot be deleted; an unused one can."""
    response = admin.post(f"/system/roles/{_role('ROLE_CATALOG_MANAGER').id}/delete")
    assert response.status_code == 303
    assert b"cannot be deleted while users have it" in admin.client.get(response.headers["Location"]).data
    assert admin.post(f"/system/roles/{_role('ROLE_USER').id}/delete").status_code == 303
    with db.connection_context():
        assert Role.get_or_none(code="ROLE_USER") is None
        assert Role.get_or_none(code="ROLE_CATALOG_MANAGER") is not None


def test_role_users_tab(admin):
    """The Users tab lists who has the role."""
    html = admin.client.get(f"/system/roles/{_role('ROLE_CATALOG_MANAGER').id}?tab=users").get_data(as_text=True)
    assert "julia" in html and "Delete this role" not in html


def test_other_role_types_are_hidden(admin):
    """App roles are neither listed nor editable here."""
    with db.connection_context(), write_txn():
        app_role = Role.create(code="ROLE_APP_X", label="App X role", type="app", permissions=[])
        UserRole.create(user=User.get(username="julia"), role=app_role)
    assert b"App X role" not in admin.client.get("/system/roles").data
    assert admin.client.get(f"/system/roles/{app_role.id}").status_code == 404
