"""System → Users and User groups: list, search, create, edit, enable/disable, sessions, lockout."""
from pimconnect.db import db, write_txn
from pimconnect.models import Role, User, UserGroup, UserGroupMember, UserRole
from pimconnect.services.access.passwords import hash_password
from tests.conftest import Auth

NEW_USER = {"username": "peter", "email": "peter@example.com", "first_name": "Peter", "last_name": "Parker",
            "password": "long-enough-1", "password_repeat": "long-enough-1", "enabled": "1"}


def _ids(model, field, *names):
    with db.connection_context():
        return [str(model.get(field == name).id) for name in names]


def _user(username):
    with db.connection_context():
        return User.get_or_none(User.username == username)


def _create(admin, **changes):
    data = dict(NEW_USER, roles=_ids(Role, Role.code, "ROLE_USER"), groups=_ids(UserGroup, UserGroup.name, "Redactor"))
    data.update(changes)
    return admin.post("/system/users/new", data)


def test_system_index_links_for_admin(admin):
    """The System page links to users, roles and user groups for the administrator."""
    html = admin.client.get("/system/").get_data(as_text=True)
    assert all(path in html for path in ("/system/users", "/system/roles", "/system/groups"))


def test_system_index_hides_links_from_julia(julia):
    """The System page shows julia no link she is not allowed to follow."""
    html = julia.client.get("/system/").get_data(as_text=True)
    assert "/system/users" not in html and "/system/roles" not in html and "/system/groups" not in html


def test_users_list_and_search(admin):
    """The list shows UI users only, and the search filters in the database."""
    with db.connection_context(), write_txn():
        User.create(username="api_bot", email="bot@example.com", password_hash="x", type="api")
    html = admin.client.get("/system/users").get_data(as_text=True)
    assert "admin@example.com" in html and "julia@example.com" in html and "api_bot" not in html
    html = admin.client.get("/system/users?q=STARK").get_data(as_text=True)
    assert "julia@example.com" in html and "admin@example.com" not in html
    assert "No user matches" in admin.client.get("/system/users?q=zzz").get_data(as_text=True)


def test_users_list_page_vs_fragment(admin):
    """The users list is a full page, or only its content for htmx."""
    assert b"<html" in admin.client.get("/system/users").data
    fragment = admin.client.get("/system/users?q=julia", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.data and b"julia@example.com" in fragment.data


def test_julia_gets_403_on_users_and_groups(julia):
    """A user without user-management permissions is refused every users and groups page."""
    for path in ("/system/users", "/system/users/new", "/system/users/1", "/system/groups", "/system/groups/1"):
        assert julia.client.get(path).status_code == 403, path
    assert julia.post("/system/users/1/status", {"enabled": "0"}).status_code == 403
    assert _user("admin").enabled


def test_create_user(admin, app):
    """A created user has the chosen role and groups plus All, and can log in; no hash is shown."""
    response = _create(admin)
    assert response.status_code == 303
    peter = _user("peter")
    with db.connection_context():
        assert [ur.role.code for ur in peter.user_roles] == ["ROLE_USER"]
        assert sorted(m.group.name for m in peter.memberships) == ["All", "Redactor"]
    html = admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "User peter saved." in html and "$argon2" not in html
    assert Auth(app.test_client()).login("peter", "long-enough-1").status_code == 303


def test_create_user_validation(admin):
    """Weak passwords, mismatches, duplicates and missing roles are refused with messages; nothing is written."""
    response = _create(admin, password="short", password_repeat="short")
    assert response.status_code == 422 and b"at least 8 characters" in response.data
    response = _create(admin, password_repeat="something-else")
    assert b"The passwords do not match." in response.data
    response = _create(admin, username="julia", email="JULIA@example.com".lower())
    assert b"This username is already used." in response.data
    response = _create(admin, roles=[], email="not-an-email")
    assert b"Choose at least one role." in response.data and b"Enter a valid email address." in response.data
    assert b'value="peter"' in response.data  # the typed values are kept
    assert _user("peter") is None


def test_create_user_validation_htmx(admin):
    """With htmx a refused form comes back as a 200 fragment."""
    data = dict(NEW_USER, password="short", password_repeat="short", roles=_ids(Role, Role.code, "ROLE_USER"))
    response = admin.post("/system/users/new", data, htmx=True)
    assert response.status_code == 200 and b"<html" not in response.data
    assert b"at least 8 characters" in response.data


def test_edit_user_page_vs_fragment(admin):
    """The edit form is a page or a fragment, never showing the hash."""
    julia_id = _user("julia").id
    page = admin.client.get(f"/system/users/{julia_id}")
    fragment = admin.client.get(f"/system/users/{julia_id}", headers={"HX-Request": "true"})
    assert b"<html" in page.data and b"<html" not in fragment.data
    assert b'value="julia@example.com"' in fragment.data and b"argon2" not in page.data


def test_edit_without_password_keeps_it(admin, app):
    """Editing names without a password keeps the password and the user's sessions."""
    other = Auth(app.test_client())
    other.login("julia")
    julia = _user("julia")
    data = dict(NEW_USER, username="julia", email="julia@example.com", first_name="Jules", password="",
                password_repeat="", roles=_ids(Role, Role.code, "ROLE_CATALOG_MANAGER"))
    assert admin.post(f"/system/users/{julia.id}", data).status_code == 303
    assert _user("julia").first_name == "Jules" and _user("julia").password_hash == julia.password_hash
    assert other.client.get("/").status_code == 200


def test_edit_keeps_links_the_form_does_not_show(admin):
    """Saving the form keeps app roles and app groups, which the form does not show."""
    with db.connection_context(), write_txn():
        app_role = Role.create(code="ROLE_APP_Y", label="App Y", type="app", permissions=[])
        app_group = UserGroup.create(name="app_y", type="app")
        UserRole.create(user=User.get(username="julia"), role=app_role)
        UserGroupMember.create(user=User.get(username="julia"), group=app_group)
    data = dict(NEW_USER, username="julia", email="julia@example.com", password="", password_repeat="",
                roles=_ids(Role, Role.code, "ROLE_USER"))
    assert admin.post(f"/system/users/{_user('julia').id}", data).status_code == 303
    with db.connection_context():
        julia = _user("julia")
        assert sorted(ur.role.code for ur in julia.user_roles) == ["ROLE_APP_Y", "ROLE_USER"]
        assert sorted(m.group.name for m in julia.memberships) == ["All", "app_y"]


def test_password_change_ends_sessions(admin, app):
    """Changing a user's password logs them out everywhere."""
    other = Auth(app.test_client())
    other.login("julia")
    julia = _user("julia")
    data = dict(NEW_USER, username="julia", email="julia@example.com", password="brand-new-pass",
                password_repeat="brand-new-pass", roles=_ids(Role, Role.code, "ROLE_CATALOG_MANAGER"))
    assert admin.post(f"/system/users/{julia.id}", data).status_code == 303
    assert other.client.get("/").status_code == 302
    assert Auth(app.test_client()).login("julia", "brand-new-pass").status_code == 303


def test_role_change_ends_sessions_but_not_my_own(admin, app):
    """Changing roles ends the user's sessions; editing myself keeps my current session."""
    other = Auth(app.test_client())
    other.login("julia")
    julia = _user("julia")
    data = dict(NEW_USER, username="julia", email="julia@example.com", password="", password_repeat="",
                roles=_ids(Role, Role.code, "ROLE_USER"))
    assert admin.post(f"/system/users/{julia.id}", data).status_code == 303
    assert other.client.get("/").status_code == 302
    me = dict(NEW_USER, username="admin", email="admin@example.com", password="another-pass-1",
              password_repeat="another-pass-1", roles=_ids(Role, Role.code, "ROLE_ADMINISTRATOR", "ROLE_USER"))
    assert admin.post(f"/system/users/{_user('admin').id}", me).status_code == 303
    assert admin.client.get("/system/users").status_code == 200


def test_disable_ends_sessions_and_enable_again(admin, app):
    """Disabling a user logs them out and blocks login; enabling restores access."""
    other = Auth(app.test_client())
    other.login("julia")
    assert other.client.get("/").status_code == 200
    julia_id = _user("julia").id
    response = admin.post(f"/system/users/{julia_id}/status", {"enabled": "0"})
    assert response.status_code == 303
    assert "User julia disabled." in admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert other.client.get("/").status_code == 302
    assert Auth(app.test_client()).login("julia").status_code == 401
    assert admin.post(f"/system/users/{julia_id}/status", {"enabled": "1"}).status_code == 303
    assert Auth(app.test_client()).login("julia").status_code == 303


def test_status_htmx_redirects(admin):
    """With htmx the status change answers HX-Redirect to the list."""
    response = admin.post(f"/system/users/{_user('julia').id}/status", {"enabled": "0"}, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/system/users"


def test_cannot_disable_last_role_editor(admin, app):
    """The only user able to edit roles cannot be disabled, nor lose that role."""
    with db.connection_context(), write_txn():
        boss = User.create(username="boss", email="boss@example.com", password_hash=hash_password("boss-pass-1"))
        UserRole.create(user=boss, role=Role.get(code="ROLE_ADMINISTRATOR"))
        User.update(enabled=False).where(User.username == "admin").execute()
    boss_client = Auth(app.test_client())
    assert boss_client.login("boss", "boss-pass-1").status_code == 303
    response = boss_client.post(f"/system/users/{_user('boss').id}/status", {"enabled": "0"})
    assert b"You cannot disable your own account." in boss_client.client.get(response.headers["Location"]).data
    data = dict(NEW_USER, username="boss", email="boss@example.com", password="", password_repeat="",
                roles=_ids(Role, Role.code, "ROLE_USER"))
    response = boss_client.post(f"/system/users/{_user('boss').id}", data)
    assert response.status_code == 422 and b"no enabled user able to edit roles" in response.data
    with db.connection_context():
        assert [ur.role.code for ur in _user("boss").user_roles] == ["ROLE_ADMINISTRATOR"]


def test_disable_refused_when_it_would_lock_everyone_out(admin):
    """A user manager cannot disable the last user able to edit roles; the message says why."""
    with db.connection_context(), write_txn():
        managers = Role.create(code="ROLE_USER_MANAGER", label="User manager",
                               permissions=["pim_user_user_index", "pim_user_user_edit"])
        UserRole.update(role=managers).where(UserRole.user == User.get(username="admin")).execute()
        UserRole.create(user=User.get(username="julia"), role=Role.get(code="ROLE_ADMINISTRATOR"))
    assert admin.client.get("/system/roles").status_code == 403  # admin is now only a user manager
    response = admin.post(f"/system/users/{_user('julia').id}/status", {"enabled": "0"})
    html = admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "no enabled user able to edit roles" in html
    assert _user("julia").enabled


# -- user groups -------------------------------------------------------------------------------

def test_groups_list_page_vs_fragment(admin):
    """The groups list shows default groups with member counts, as a page or a fragment."""
    with db.connection_context(), write_txn():
        UserGroup.create(name="app_group_x", type="app")
    page = admin.client.get("/system/groups").get_data(as_text=True)
    fragment = admin.client.get("/system/groups", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" in page and "<html" not in fragment
    assert "IT support" in fragment and "<td>2</td>" in fragment and "app_group_x" not in fragment


def test_create_rename_delete_group(admin):
    """A group can be created, renamed and deleted."""
    assert admin.post("/system/groups", {"name": "Translators"}).status_code == 303
    group_id = _ids(UserGroup, UserGroup.name, "Translators")[0]
    assert admin.post(f"/system/groups/{group_id}", {"name": "Linguists"}).status_code == 303
    assert _ids(UserGroup, UserGroup.name, "Linguists") == [group_id]
    assert admin.post(f"/system/groups/{group_id}/delete").status_code == 303
    with db.connection_context():
        assert UserGroup.get_or_none(UserGroup.name == "Linguists") is None


def test_group_validation(admin):
    """Duplicate and empty names are refused; the All group cannot be renamed or deleted."""
    response = admin.post("/system/groups", {"name": "manager"})
    assert response.status_code == 422 and b"already exists" in response.data
    response = admin.post("/system/groups", {"name": ""}, htmx=True)
    assert response.status_code == 200 and b"Name is required." in response.data
    all_id = _ids(UserGroup, UserGroup.name, "All")[0]
    assert b"cannot be renamed" in admin.post(f"/system/groups/{all_id}", {"name": "Everyone"}).data
    response = admin.post(f"/system/groups/{all_id}/delete")
    assert b"cannot be deleted" in admin.client.get(response.headers["Location"]).data
    with db.connection_context():
        assert UserGroup.get_or_none(UserGroup.name == "All") is not None


def test_group_members(admin):
    """A group's page lists its members."""
    group_id = _ids(UserGroup, UserGroup.name, "Manager")[0]
    html = admin.client.get(f"/system/groups/{group_id}").get_data(as_text=True)
    assert "julia" in html and "(John Doe)" not in html
    with db.connection_context():
        assert UserGroupMember.select().where(UserGroupMember.group == int(group_id)).count() == 1
