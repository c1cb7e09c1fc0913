"""The security audit log: one row and one log line per security event, no secrets, purge."""
import datetime
import json
import logging

import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import Role, SecurityEvent, User, UserGroup
from pimconnect.models.structure import utcnow
from pimconnect.services.access import audit
from tests.conftest import ADMIN_PASSWORD, JULIA_PASSWORD, Auth

NEW_PASSWORD = "peters-secret-pass-1"


def _rows(event=None):
    with db.connection_context():
        query = SecurityEvent.select().order_by(SecurityEvent.id)
        if event is not None:
            query = query.where(SecurityEvent.event == event)
        return list(query)


def assert_one(event, **expected):
    """Exactly one row of ``event``, whose columns and detail keys hold ``expected`` (AssertEvents)."""
    rows = _rows(event)
    assert len(rows) == 1, [(r.event, r.detail) for r in rows]
    row = rows[0]
    for key, value in expected.items():
        actual = getattr(row, key) if key in ("user_id", "username", "remote_addr") else row.detail.get(key)
        assert actual == value, (key, actual, value)
    assert abs(utcnow() - row.created) < datetime.timedelta(minutes=1)
    return row


def _id(model, field, value):
    with db.connection_context():
        return model.get(field == value).id


def _create_peter(admin, **changes):
    data = {"username": "peter", "email": "peter@example.com", "first_name": "Peter", "last_name": "Parker",
            "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD, "enabled": "1",
            "roles": [str(_id(Role, Role.code, "ROLE_USER"))]}
    data.update(changes)
    response = admin.post("/system/users/new", data)
    assert response.status_code == 303
    return _id(User, User.username, "peter")


# -- logging in and out ------------------------------------------------------------------------

def test_login_success_writes_one_event(seeded_app, auth):
    """A successful login records login.success with the user, the username and the address."""
    assert auth.login("admin").status_code == 303
    row = assert_one("login.success", user_id=_id(User, User.username, "admin"), username="admin",
                     remote_addr="127.0.0.1")
    assert row.detail == {}
    assert _rows("login.failure") == []


def test_wrong_password_and_unknown_user_are_one_failure_each(seeded_app, auth):
    """A wrong password and an unknown user both record login.failure, reason "bad credentials"."""
    assert auth.login("admin", "wrong-password").status_code == 401
    assert_one("login.failure", user_id=_id(User, User.username, "admin"), username="admin",
               reason="bad credentials")
    assert auth.login("nobody", "wrong-password").status_code == 401
    failures = _rows("login.failure")
    assert len(failures) == 2
    assert (failures[1].user_id, failures[1].username) == (None, "nobody")
    assert failures[1].detail == {"reason": "bad credentials"}
    assert _rows("login.success") == []


def test_locked_login_records_reason_locked(seeded_app, auth):
    """Once the account is locked, even the right password records one login.failure "locked"."""
    for _ in range(5):
        auth.login("admin", "wrong-password")
    assert auth.login("admin").status_code == 429
    locked = [r for r in _rows("login.failure") if r.detail["reason"] == "locked"]
    assert len(locked) == 1 and locked[0].username == "admin"
    assert len(_rows("login.failure")) == 6 and _rows("login.success") == []


def test_disabled_user_login_records_reason_disabled(seeded_app, auth):
    """The right password of a disabled user records login.failure with reason "disabled"."""
    with db.connection_context(), write_txn():
        User.update(enabled=False).where(User.username == "julia").execute()
    assert auth.login("julia").status_code == 401
    assert_one("login.failure", username="julia", reason="disabled")


def test_logout_writes_one_event(admin):
    """Logging out records logout for that user."""
    admin.post("/logout")
    assert_one("logout", user_id=_id(User, User.username, "admin"), username="admin", remote_addr="127.0.0.1")


# -- users, roles, groups ------------------------------------------------------------------------

def test_user_created_names_actor_target_and_roles(admin):
    """Creating a user records user.created by the admin, with the new user and role codes only."""
    peter_id = _create_peter(admin)
    row = assert_one("user.created", user_id=_id(User, User.username, "admin"), username="admin",
                     target_user_id=peter_id, target_username="peter", roles=["ROLE_USER"])
    assert set(row.detail) == {"target_user_id", "target_username", "roles"}


def test_user_updated_lists_changed_fields_and_password_as_changed_only(admin):
    """Editing a user records user.updated naming the changed fields; the password only as "password"."""
    peter_id = _create_peter(admin)
    roles = [str(_id(Role, Role.code, code)) for code in ("ROLE_USER", "ROLE_CATALOG_MANAGER")]
    data = {"username": "peter", "email": "pp@example.com", "first_name": "Peter", "last_name": "Parker",
            "password": "another-pass-22", "password_repeat": "another-pass-22", "enabled": "1", "roles": roles}
    assert admin.post(f"/system/users/{peter_id}", data).status_code == 303
    assert_one("user.updated", target_user_id=peter_id, changed=["email", "password", "roles"],
               roles_added=["ROLE_CATALOG_MANAGER"], roles_removed=[])


def test_unchanged_save_records_nothing(admin):
    """Saving a user form without changes records no user.updated."""
    peter_id = _create_peter(admin)
    data = {"username": "peter", "email": "peter@example.com", "first_name": "Peter", "last_name": "Parker",
            "enabled": "1", "roles": [str(_id(Role, Role.code, "ROLE_USER"))]}
    assert admin.post(f"/system/users/{peter_id}", data).status_code == 303
    assert _rows("user.updated") == []


def test_user_disabled_and_enabled(admin):
    """Disabling then enabling a user records user.disabled then user.enabled, once each."""
    julia_id = _id(User, User.username, "julia")
    admin.post(f"/system/users/{julia_id}/status", {"enabled": "0"})
    assert_one("user.disabled", username="admin", target_user_id=julia_id, target_username="julia")
    admin.post(f"/system/users/{julia_id}/status", {"enabled": "1"})
    assert_one("user.enabled", target_user_id=julia_id)


def test_refused_change_records_nothing(admin):
    """A change refused inside the service (it would lock everyone out) writes no audit row."""
    with db.connection_context(), write_txn():
        Role.update(permissions=[]).where(Role.code != "ROLE_ADMINISTRATOR").execute()
    role_id = _id(Role, Role.code, "ROLE_ADMINISTRATOR")
    response = admin.post(f"/system/roles/{role_id}/permissions", {"section": "Users", "permissions": []})
    assert response.status_code == 422
    assert _rows("role.permissions_changed") == []


def test_role_permission_change_lists_added_and_removed_codes(admin):
    """Saving a permissions section records the role code and the added and removed codes."""
    role_id = _id(Role, Role.code, "ROLE_USER")
    response = admin.post(f"/system/roles/{role_id}/permissions",
                          {"section": "Products", "permissions": ["pim_enrich_product_index",
                                                                   "pim_enrich_product_remove"]})
    assert response.status_code == 303
    assert_one("role.permissions_changed", username="admin", role="ROLE_USER",
               added=["pim_enrich_product_remove"], removed=["pim_enrich_product_edit_attributes"])


def test_role_created_and_deleted(admin):
    """Creating and deleting a role record role.created and role.deleted with its code."""
    assert admin.post("/system/roles/new", {"label": "Auditor"}).status_code == 303
    assert_one("role.created", username="admin", role="ROLE_AUDITOR")
    assert admin.post(f"/system/roles/{_id(Role, Role.code, 'ROLE_AUDITOR')}/delete").status_code == 303
    assert_one("role.deleted", role="ROLE_AUDITOR")


def test_group_created_and_deleted(admin):
    """Creating and deleting a user group record group.created and group.deleted with its name."""
    assert admin.post("/system/groups", {"name": "Auditors"}).status_code == 303
    assert_one("group.created", username="admin", group="Auditors")
    assert admin.post(f"/system/groups/{_id(UserGroup, UserGroup.name, 'Auditors')}/delete").status_code == 303
    assert_one("group.deleted", group="Auditors")


def test_julia_refused_writes_no_event(julia):
    """A refused permission check (julia cannot create roles) writes no role event."""
    assert julia.post("/system/roles/new", {"label": "Sneaky"}).status_code == 403
    assert _rows("role.created") == []


# -- log lines and secrets -------------------------------------------------------------------------

def test_newline_in_username_gives_one_log_line(seeded_app, auth, caplog):
    """A username carrying a newline and a fake event produces exactly one escaped log line."""
    caplog.set_level(logging.INFO, logger="pimconnect.audit")
    forged = 'eve\nevent="login.success" username="admin"\r\x1b[2J\u2028'
    assert auth.login(forged, "whatever-pass").status_code == 401
    lines = [r.getMessage() for r in caplog.records if r.name == "pimconnect.audit"]
    assert len(lines) == 1
    assert not any(c in lines[0] for c in "\n\r\x1b\u2028")
    assert lines[0].startswith('event="login.failure" ') and "eve\\n" in lines[0]
    assert caplog.text.count("login.success") == 1 and len(caplog.text.strip().splitlines()) == 1
    assert_one("login.failure", username=forged)


def test_no_password_in_table_or_logs(admin, app, caplog):
    """After logins, a user creation and a password change, no password appears in rows or logs."""
    caplog.set_level(logging.INFO, logger="pimconnect.audit")
    Auth(app.test_client()).login("julia", "julia-wrong-password")
    peter_id = _create_peter(admin)
    data = {"username": "peter", "email": "peter@example.com", "first_name": "Peter", "last_name": "Parker",
            "password": "changed-pass-333", "password_repeat": "changed-pass-333", "enabled": "1",
            "roles": [str(_id(Role, Role.code, "ROLE_USER"))]}
    admin.post(f"/system/users/{peter_id}", data)
    assert Auth(app.test_client()).login("peter", "changed-pass-333").status_code == 303
    dumped = json.dumps([(r.event, r.username, r.remote_addr, r.detail) for r in _rows()]) + caplog.text
    assert len(_rows()) >= 5
    for secret in (ADMIN_PASSWORD, JULIA_PASSWORD, "julia-wrong-password", NEW_PASSWORD, "changed-pass-333",
                   "$argon2"):
        assert secret not in dumped


def test_record_refuses_secret_detail(conn):
    """A detail key naming a secret is refused before anything is written."""
    with pytest.raises(ValueError):
        audit.record("token.issued", username="x", access_token="abc")
    assert SecurityEvent.select().count() == 0


# -- the API, transactions, users gone -----------------------------------------------------------

def test_record_shares_the_callers_transaction(conn):
    """An event recorded in a transaction that rolls back is rolled back with it."""
    with pytest.raises(RuntimeError):
        with write_txn():
            audit.record("app.connected", username="admin", app="shop")
            raise RuntimeError("the connect failed")
    assert SecurityEvent.select().count() == 0
    row = audit.record("app.connected", actor=audit.Actor(None, "10.0.0.9"), app="shop")
    assert (row.remote_addr, row.detail) == ("10.0.0.9", {"app": "shop"})
    assert [e.id for e in audit.events("app.connected")] == [row.id]


def test_event_survives_its_user(seeded_app, conn):
    """Deleting a user keeps its events, with the user link emptied and the username kept."""
    julia = User.get(User.username == "julia")
    audit.record("login.success", user=julia, remote_addr="127.0.0.1")
    with write_txn():
        User.delete().where(User.id == julia.id).execute()
    row = SecurityEvent.get()
    assert (row.user_id, row.username) == (None, "julia")


def test_long_username_is_bounded(conn):
    """A huge username from a login form is stored truncated, not refused by the database."""
    row = audit.record("login.failure", username="x" * 5000, reason="bad credentials")
    assert len(SecurityEvent.get_by_id(row.id).username) == audit.USERNAME_MAX


# -- purge ---------------------------------------------------------------------------------------

def _aged(days, event="login.success"):
    with write_txn():
        row = audit.record(event, username=f"u{days}")
        SecurityEvent.update(created=utcnow() - datetime.timedelta(days=days)).where(SecurityEvent.id == row.id).execute()


def test_purge_removes_old_rows_only(conn):
    """purge(365) deletes the events older than a year and keeps the others."""
    for days in (400, 366, 364, 10, 0):
        _aged(days)
    assert audit.purge(older_than_days=365) == 2
    assert sorted(r.username for r in SecurityEvent.select()) == ["u0", "u10", "u364"]
    with pytest.raises(ValueError):
        audit.purge(older_than_days=-1)


def test_cli_audit_purge(app, conn):
    """`flask audit-purge --days 30` deletes older events and says how many."""
    for days in (45, 31, 5):
        _aged(days)
    conn.close()
    result = app.test_cli_runner().invoke(args=["audit-purge", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "Deleted 2 security events older than 30 days." in result.output
    with db.connection_context():
        assert [r.username for r in SecurityEvent.select()] == ["u5"]


def test_refused_permission_is_audited(julia, app):
    """A logged-in user refused by a permission check leaves one access.denied event naming what was missing."""
    from pimconnect.db import db
    from pimconnect.models import SecurityEvent

    assert julia.client.get("/system/users").status_code == 403
    with db.connection_context():
        rows = list(SecurityEvent.select().where(SecurityEvent.event == "access.denied"))
    assert len(rows) == 1
    assert rows[0].username == "julia"
    assert rows[0].detail["missing"] == ["pim_user_user_index"]
    assert rows[0].detail["endpoint"] == "system.users"
