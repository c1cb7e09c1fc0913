"""Connect -> Connection settings: list, create, edit, regenerate, delete, the limit, and secrets shown once."""
import logging
import pathlib
import re
import threading
from urllib.parse import urlparse

import pytest

from pimconnect.db import db, is_sqlite
from pimconnect.models import Connection, Role, User, UserGroup, UserGroupMember, UserRole
from pimconnect.services.connections import settings as connections
from tests.conftest import Auth, make_connection, password_grant

BASE = "/connect/connection-settings"
XSS = '"><svg onload=alert(1)>'
ESCAPED_XSS = "&#34;&gt;&lt;svg onload=alert(1)&gt;"
LIMIT_TEXT = "You reached the limit of {} connections and connected Apps."


def _create(admin, **changes):
    """POST the creation form as a browser without JavaScript would."""
    data = {"label": "Main ERP", "code": "erp", "flow_type": "data_source", "auditable": "1", "role": "", "group": ""}
    data.update(changes)
    return admin.post(f"{BASE}/new", data)


def _shown(html):
    """The credentials a page shows, by name (client_id, secret, username, password)."""
    return dict(re.findall(r'id="credential-(\w+)" type="text" value="([^"]*)"', html))


def _credentials(shown, **fallback):
    values = {**fallback, **shown}
    return connections.Credentials(values["client_id"], values.get("secret"), values.get("username"),
                                   values.get("password"))


def _token(app, credentials):
    response = password_grant(app.test_client(), credentials)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def _locales(app, token):
    """The status of GET /api/rest/v1/locales with this bearer token (no session cookie)."""
    return app.test_client().get("/api/rest/v1/locales", headers={"Authorization": f"Bearer {token}"}).status_code


def _connection(code):
    with db.connection_context():
        return Connection.get_or_none(Connection.code == code)


def _create_in_db(app, code, connection_type="default"):
    with app.app_context(), db.connection_context():
        if connection_type == "default":
            return make_connection(code)
        return connections.create({"code": code, "label": f"App {code}"}, connection_type=connection_type)


def test_menu_entry_only_with_manage_settings(admin, seeded_app):
    """The Connect menu shows Connection settings to the administrator, not to julia."""
    assert f'href="{BASE}"' in admin.client.get("/").get_data(as_text=True)
    julia = Auth(seeded_app.test_client())
    assert julia.login("julia").status_code == 303
    home = julia.client.get("/").get_data(as_text=True)
    assert "App Store" in home and f'href="{BASE}"' not in home


def test_julia_is_refused_every_route(seeded_app, julia):
    """A catalog manager gets 403 on every Connection settings page and action, and nothing changes."""
    _create_in_db(seeded_app, "erp")
    for path in ("", "/new", "/code?label=abc", "/erp/edit", "/erp/regenerate-secret",
                 "/erp/regenerate-password", "/erp/delete"):
        assert julia.client.get(BASE + path).status_code == 403, path
    for path in ("/new", "/erp/edit", "/erp/regenerate-secret", "/erp/regenerate-password", "/erp/delete"):
        assert julia.post(BASE + path, {"label": "Taken over", "code": "julia_conn"}).status_code == 403, path
    assert _connection("erp").label == "Connection erp" and _connection("julia_conn") is None


def test_list_shows_connections_but_not_apps(seeded_app, admin):
    """The list shows classic connections with their details; an app's connection only counts."""
    _create_in_db(seeded_app, "erp")
    _create_in_db(seeded_app, "some_app", connection_type="app")
    html = admin.client.get(BASE).get_data(as_text=True)
    assert "Connection erp" in html and "Data source" in html and "Not tracked" in html
    assert "some_app" not in html
    assert "2 / 50 connections and connected apps" in html
    assert f'href="{BASE}/new"' in html and "You reached the limit" not in html


def test_list_page_vs_fragment(seeded_app, admin):
    """The list is a full page, or only its content for htmx."""
    _create_in_db(seeded_app, "erp")
    assert b"<html" in admin.client.get(BASE).data
    fragment = admin.client.get(BASE, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.data and b"Connection erp" in fragment.data
    assert "HX-Request" in fragment.headers["Vary"]


def test_create_shows_credentials_once_and_they_work(seeded_app, admin):
    """Creating shows working credentials once, not cached; no later page shows the secret or password."""
    form = admin.client.get(f"{BASE}/new").get_data(as_text=True)
    with db.connection_context():
        manager = Role.get(Role.code == "ROLE_CATALOG_MANAGER")
    assert f'<option value="{manager.id}" selected>' in form  # the role with API access granting least
    response = _create(admin)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Copy them now: the secret and password will not be shown again." in html
    assert 'hx-history="false"' in html
    shown = _shown(html)
    assert set(shown) == {"client_id", "secret", "username", "password"}
    assert _locales(seeded_app, _token(seeded_app, _credentials(shown))) == 200
    for path in (BASE, f"{BASE}/new", f"{BASE}/erp/edit"):
        page = admin.client.get(path).get_data(as_text=True)
        assert shown["secret"] not in page and shown["password"] not in page, path
    edit = admin.client.get(f"{BASE}/erp/edit").get_data(as_text=True)
    assert shown["client_id"] in edit and shown["username"] in edit
    with db.connection_context():
        connection = Connection.get(Connection.code == "erp")
        assert connection.flow_type == "data_source" and connection.auditable and connection.type == "default"
        assert [r.role_id for r in UserRole.select().where(UserRole.user == connection.user_id)] == [manager.id]
        groups = {m.group.name for m in UserGroupMember.select().where(UserGroupMember.user == connection.user_id)}
        assert groups == {"All"}


def test_create_with_htmx_answers_a_fragment(seeded_app, admin):
    """Under htmx the credentials come as a fragment kept out of the history cache."""
    response = admin.post(f"{BASE}/new", {"label": "Shop", "code": "shop", "flow_type": "other", "role": "",
                                          "group": ""}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'hx-history="false"' in html
    assert response.headers["Cache-Control"] == "no-store"
    assert _shown(html)["secret"]


def test_blank_code_is_made_from_the_label(seeded_app, admin):
    """Without JavaScript, a blank code is made from the label."""
    html = _create(admin, label="Société Générale ERP", code="").get_data(as_text=True)
    assert "Connection Société Générale ERP created" in html
    assert _connection("societe_generale_erp") is not None


def test_code_field_follows_the_label_until_edited(seeded_app, admin):
    """The htmx code field proposes a code for the label, but keeps a code the user typed."""
    follow = admin.client.get(f"{BASE}/code", query_string={"label": "My ERP!", "code": "my_er", "suggested": "my_er"},
                              headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="code" value="my_erp"' in follow and 'name="suggested" value="my_erp"' in follow
    kept = admin.client.get(f"{BASE}/code", query_string={"label": "My ERP!", "code": "custom", "suggested": "my_er"},
                            headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'name="code" value="custom"' in kept


@pytest.mark.parametrize("changes, field, message", [
    ({"label": "ab"}, "label", "The label must be between 3 and 100 characters long."),
    ({"code": "no spaces"}, "code", "The code must be 3 to 100 letters, digits or underscores."),
    ({"flow_type": "sideways"}, "flow_type", "Choose a flow type."),
    ({"role": "99999"}, "role", "Choose a role."),
    ({"role": "9" * 30}, "role", "Choose a role."),
    ({"role": "²"}, "role", "Choose a role."),
    ({"group": "abc"}, "group", "Choose a user group."),
])
def test_create_refuses_bad_fields(seeded_app, admin, changes, field, message):
    """A refused form comes back with the message and the typed values, and creates nothing."""
    response = _create(admin, **changes)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'name="csrf_token"' in html
    assert _connection("erp") is None


def test_create_refuses_a_taken_code(seeded_app, admin):
    """A second connection with the same code is refused with a message, not an error page."""
    _create_in_db(seeded_app, "erp")
    response = _create(admin)
    assert response.status_code == 422
    assert connections.CODE_TAKEN in response.get_data(as_text=True)
    with db.connection_context():
        assert Connection.select().count() == 1


def test_app_role_and_group_are_not_choices(seeded_app, admin, conn):
    """An app's role or group cannot be given to a connection, even by a forged form."""
    from pimconnect.db import write_txn

    with write_txn():
        role = Role.create(code="ROLE_APP_X", label="App X", permissions=["pim_api_overall_access"], type="app")
        group = UserGroup.create(name="App X", type="app")
    assert _create(admin, role=str(role.id)).status_code == 422
    assert _create(admin, group=str(group.id)).status_code == 422
    assert "App X" not in admin.client.get(f"{BASE}/new").get_data(as_text=True)


def test_edit_changes_settings_but_not_code_or_client(seeded_app, admin):
    """Saving changes the label, flow type, tracking, role and group; the code and client ID stay."""
    connection, credentials = _create_in_db(seeded_app, "erp")
    with db.connection_context():
        role = Role.get(Role.code == "ROLE_ADMINISTRATOR")
        group = UserGroup.get(UserGroup.name == "Redactor")
    page = admin.client.get(f"{BASE}/erp/edit").get_data(as_text=True)
    assert credentials.client_id in page and 'name="code"' not in page
    response = admin.post(f"{BASE}/erp/edit", {"label": "Renamed ERP", "code": "hijack", "flow_type": "other",
                                               "role": str(role.id), "group": str(group.id)})
    assert response.status_code == 303 and response.headers["Location"] == f"{BASE}/erp/edit"
    assert "Connection Renamed ERP saved." in admin.client.get(f"{BASE}/erp/edit").get_data(as_text=True)
    with db.connection_context():
        saved = Connection.get_by_id(connection.id)
        assert (saved.code, saved.label, saved.flow_type, saved.auditable) == ("erp", "Renamed ERP", "other", False)
        assert saved.client.client_id == credentials.client_id
        assert [r.role_id for r in UserRole.select().where(UserRole.user == saved.user_id)] == [role.id]
        groups = {m.group.name for m in UserGroupMember.select().where(UserGroupMember.user == saved.user_id)}
        assert groups == {"All", "Redactor"}
    assert _connection("hijack") is None


def test_edit_refused_keeps_the_form(seeded_app, admin):
    """A refused edit answers 422 with the message (200 under htmx) and changes nothing."""
    _create_in_db(seeded_app, "erp")
    plain = admin.post(f"{BASE}/erp/edit", {"label": "x", "flow_type": "other"})
    assert plain.status_code == 422 and "between 3 and 100" in plain.get_data(as_text=True)
    htmx = admin.post(f"{BASE}/erp/edit", {"label": "x", "flow_type": "other"}, htmx=True)
    assert htmx.status_code == 200 and b"<html" not in htmx.data
    assert _connection("erp").label == "Connection erp"


def test_unknown_and_app_connections_are_404(seeded_app, admin):
    """No page opens an unknown connection or an app's connection."""
    _create_in_db(seeded_app, "some_app", connection_type="app")
    for code in ("nope", "some_app"):
        assert admin.client.get(f"{BASE}/{code}/edit").status_code == 404
        assert admin.post(f"{BASE}/{code}/delete").status_code == 404
    assert _connection("some_app") is not None


def test_regenerate_secret(seeded_app, admin):
    """A confirmation page first; then a new secret shown once, the old secret and tokens refused."""
    _connection_row, credentials = _create_in_db(seeded_app, "erp")
    old_token = _token(seeded_app, credentials)
    confirm = admin.client.get(f"{BASE}/erp/regenerate-secret").get_data(as_text=True)
    assert f'action="{BASE}/erp/regenerate-secret"' in confirm and 'name="csrf_token"' in confirm
    assert _locales(seeded_app, old_token) == 200  # the confirmation page changes nothing
    response = admin.post(f"{BASE}/erp/regenerate-secret")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    shown = _shown(response.get_data(as_text=True))
    assert set(shown) == {"client_id", "secret"} and shown["secret"] != credentials.secret
    assert _locales(seeded_app, old_token) == 401
    assert password_grant(seeded_app.test_client(), credentials).status_code == 422
    renewed = _credentials(shown, username=credentials.username, password=credentials.password)
    assert _locales(seeded_app, _token(seeded_app, renewed)) == 200


def test_regenerate_password_with_htmx(seeded_app, admin):
    """Under htmx (CSRF in the header) the new password comes as a fragment; old tokens stop working."""
    _connection_row, credentials = _create_in_db(seeded_app, "erp")
    old_token = _token(seeded_app, credentials)
    edit = admin.client.get(f"{BASE}/erp/edit").get_data(as_text=True)
    assert f'hx-post="{BASE}/erp/regenerate-password"' in edit and "hx-confirm=" in edit
    response = admin.post(f"{BASE}/erp/regenerate-password", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    shown = _shown(html)
    assert set(shown) == {"client_id", "username", "password"} and shown["password"] != credentials.password
    assert _locales(seeded_app, old_token) == 401
    assert password_grant(seeded_app.test_client(), credentials).status_code == 422
    assert _locales(seeded_app, _token(seeded_app, _credentials(shown, secret=credentials.secret))) == 200


def test_delete(seeded_app, admin):
    """After a confirmation page, deleting revokes the tokens and removes the connection."""
    _connection_row, credentials = _create_in_db(seeded_app, "erp")
    token = _token(seeded_app, credentials)
    assert b"This cannot be undone." in admin.client.get(f"{BASE}/erp/delete").data
    response = admin.post(f"{BASE}/erp/delete")
    assert response.status_code == 303 and response.headers["Location"] == BASE
    assert "Connection Connection erp deleted." in admin.client.get(BASE).get_data(as_text=True)
    assert _locales(seeded_app, token) == 401
    assert password_grant(seeded_app.test_client(), credentials).status_code == 422
    assert _connection("erp") is None
    assert admin.client.get(f"{BASE}/erp/edit").status_code == 404


def test_delete_with_htmx_redirects(seeded_app, admin):
    """Under htmx, deleting answers HX-Redirect to the list."""
    _create_in_db(seeded_app, "erp")
    response = admin.post(f"{BASE}/erp/delete", htmx=True)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == BASE
    assert _connection("erp") is None


def test_default_limit_message(app):
    """The limit is 50 by default, with the reference's sentence."""
    with app.app_context():
        assert connections.limit() == 50
        assert connections.limit_message() == LIMIT_TEXT.format(50)


def test_limit_disables_create_and_the_server_refuses(seeded_app, admin, monkeypatch):
    """At the limit (apps included) the button is disabled with the message, and a forced POST is refused."""
    monkeypatch.setitem(seeded_app.config, "PIM_MAX_CONNECTIONS", 2)
    _create_in_db(seeded_app, "erp")
    html = admin.client.get(BASE).get_data(as_text=True)
    assert "1 / 2 connections and connected apps" in html and LIMIT_TEXT.format(2) not in html
    _create_in_db(seeded_app, "some_app", connection_type="app")
    html = admin.client.get(BASE).get_data(as_text=True)
    assert "2 / 2 connections and connected apps" in html
    assert LIMIT_TEXT.format(2) in html
    assert re.search(r'<button type="button" class="primary" disabled[^>]*>Create</button>', html)
    assert f'href="{BASE}/new"' not in html
    assert LIMIT_TEXT.format(2) in admin.client.get(f"{BASE}/new").get_data(as_text=True)
    response = _create(admin, code="third")
    assert response.status_code == 422 and LIMIT_TEXT.format(2) in response.get_data(as_text=True)
    assert _connection("third") is None


def _race(app, datas):
    """Create one connection per item of ``datas`` at once, each thread on its own database connection."""
    outcomes, barrier = [], threading.Barrier(len(datas))

    def run(data):
        with app.app_context(), db.connection_context():
            barrier.wait()
            try:
                connections.create(data)
                outcomes.append("created")
            except connections.Invalid as refused:
                outcomes.append(refused.errors)

    threads = [threading.Thread(target=run, args=(data,)) for data in datas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_concurrent_creations_never_exceed_the_limit(seeded_app, monkeypatch):
    """8 simultaneous creations against a limit of 3 (one used by an app): exactly 2 succeed."""
    monkeypatch.setitem(seeded_app.config, "PIM_MAX_CONNECTIONS", 3)
    _create_in_db(seeded_app, "some_app", connection_type="app")
    outcomes = _race(seeded_app, [{"code": f"conn_{i}", "label": f"Connection {i}"} for i in range(8)])
    assert outcomes.count("created") == 2
    assert [o for o in outcomes if o != "created"] == [{"": LIMIT_TEXT.format(3)}] * 6
    with seeded_app.app_context(), db.connection_context():
        assert connections.count() == 3


def test_concurrent_creations_with_one_code(seeded_app):
    """6 simultaneous creations with the same code: one succeeds, the others get the code message."""
    outcomes = _race(seeded_app, [{"code": "same", "label": f"Connection {i}"} for i in range(6)])
    assert outcomes.count("created") == 1
    assert [o for o in outcomes if o != "created"] == [{"code": connections.CODE_TAKEN}] * 5


def _stored_text(database_url):
    """Every byte the database holds: the SQLite file and its WAL, or every PostgreSQL row as text."""
    if is_sqlite():
        path = urlparse(database_url).path
        files = [pathlib.Path(path), pathlib.Path(path + "-wal")]
        return b"".join(f.read_bytes() for f in files if f.exists())
    with db.connection_context():
        tables = [name for (name,) in db.execute_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()]
        rows = [db.execute_sql(f'SELECT CAST(t AS text) FROM "{table}" t').fetchall() for table in tables]
    return "\n".join(str(row) for table in rows for row in table).encode()


def test_secrets_are_not_stored_or_logged(seeded_app, admin, database_url, caplog):
    """The secrets and passwords shown never appear in clear in the database or in the logs."""
    caplog.set_level(logging.DEBUG)
    created = _shown(_create(admin).get_data(as_text=True))
    secret = _shown(admin.post(f"{BASE}/erp/regenerate-secret").get_data(as_text=True))["secret"]
    password = _shown(admin.post(f"{BASE}/erp/regenerate-password").get_data(as_text=True))["password"]
    values = [created["secret"], created["password"], secret, password]
    stored = _stored_text(database_url)
    assert created["client_id"].encode() in stored  # the dump does hold the connection's rows
    assert [v for v in values if v.encode() in stored] == []
    assert "connection.created" in caplog.text and "connection.password_regenerated" in caplog.text
    assert [v for v in values if v in caplog.text] == []
    with db.connection_context():
        user = User.get(User.username == created["username"])
        assert user.password_hash.startswith("$argon2id$")


def test_label_markup_is_escaped_everywhere(seeded_app, admin):
    """A label holding markup shows as text on every page that displays it."""
    response = _create(admin, label=XSS, code="xss")
    pages = [response.get_data(as_text=True)]
    admin.post(f"{BASE}/xss/edit", {"label": XSS, "flow_type": "other"})
    for path in ("", "/xss/edit", "/xss/regenerate-secret", "/xss/regenerate-password", "/xss/delete"):
        pages.append(admin.client.get(BASE + path).get_data(as_text=True))
    pages.append(admin.post(f"{BASE}/xss/regenerate-secret").get_data(as_text=True))
    admin.post(f"{BASE}/xss/delete")
    pages.append(admin.client.get(BASE).get_data(as_text=True))  # the "deleted" flash
    for html in pages:
        assert "<svg onload" not in html  # the header's own icons are inline SVGs
        assert ESCAPED_XSS in html
