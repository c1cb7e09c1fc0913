"""The Demo App's own database (SQLite, standard library): the PIM it is connected to, its access
token (encrypted with a key derived from the Demo App's SECRET_KEY, never logged) and the users who
connected it, identified by the id_token's ``sub``, and the catalog it set up in that PIM."""
import base64
import sqlite3
from contextlib import closing, contextmanager
from datetime import datetime, timezone
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

SCHEMA = """
CREATE TABLE IF NOT EXISTS pim_connection (
    pim_url TEXT PRIMARY KEY,
    access_token_encrypted TEXT NOT NULL,
    scope TEXT NOT NULL,
    connected_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pim_user (
    pim_url TEXT NOT NULL,
    sub TEXT NOT NULL,
    firstname TEXT,
    lastname TEXT,
    email TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (pim_url, sub)
);
CREATE TABLE IF NOT EXISTS pim_catalog (
    pim_url TEXT PRIMARY KEY,
    catalog_id TEXT,
    setup_error TEXT,
    has_mapping INTEGER NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL
);
"""


def init_app(app):
    """Create the database file and its tables if they are missing."""
    path = Path(app.config["DEMO_APP_DATABASE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as con:
        con.executescript(SCHEMA)


@contextmanager
def _database():
    con = sqlite3.connect(current_app.config["DEMO_APP_DATABASE"], timeout=10)
    con.row_factory = sqlite3.Row
    try:
        with con:  # one transaction: committed on success, rolled back on error
            yield con
    finally:
        con.close()


def _fernet():
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"demo-app",
               info=b"access-tokens").derive(current_app.config["SECRET_KEY"].encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def save_connection(pim_url, access_token, scope, user=None):
    """Remember the PIM's access token (encrypted) and, when the id_token named one, the user."""
    token = _fernet().encrypt(access_token.encode()).decode()
    with _database() as con:
        con.execute("INSERT INTO pim_connection (pim_url, access_token_encrypted, scope, connected_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (pim_url) DO UPDATE SET "
                    "access_token_encrypted = excluded.access_token_encrypted, scope = excluded.scope, "
                    "connected_at = excluded.connected_at", (pim_url, token, scope, _now()))
        if user:
            con.execute("INSERT INTO pim_user (pim_url, sub, firstname, lastname, email, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (pim_url, sub) DO UPDATE SET "
                        "firstname = excluded.firstname, lastname = excluded.lastname, "
                        "email = excluded.email, updated_at = excluded.updated_at",
                        (pim_url, user["sub"], user.get("firstname"), user.get("lastname"),
                         user.get("email"), _now()))


def connection(pim_url):
    """{pim_url, access_token (clear), scope, connected_at} for this PIM, or None."""
    with _database() as con:
        row = con.execute("SELECT * FROM pim_connection WHERE pim_url = ?", (pim_url,)).fetchone()
    if row is None:
        return None
    try:
        token = _fernet().decrypt(row["access_token_encrypted"].encode()).decode()
    except InvalidToken:  # the SECRET_KEY changed: the token is lost, the app must be connected again
        return None
    return {"pim_url": row["pim_url"], "access_token": token, "scope": row["scope"],
            "connected_at": row["connected_at"]}


def latest_connection():
    """The PIM this app was connected to last (its URL), or None."""
    with _database() as con:
        row = con.execute("SELECT pim_url FROM pim_connection ORDER BY connected_at DESC LIMIT 1").fetchone()
    return row["pim_url"] if row else None


def user(pim_url, sub):
    """The user of that PIM with this subject, as a dict, or None."""
    with _database() as con:
        row = con.execute("SELECT * FROM pim_user WHERE pim_url = ? AND sub = ?", (pim_url, sub)).fetchone()
    return dict(row) if row else None


def save_catalog(pim_url, catalog_id, setup_error=None, has_mapping=True):
    """Remember the catalog set up in this PIM at the last connection, or why it could not be, and
    whether the PIM offers product mapping."""
    with _database() as con:
        con.execute("INSERT INTO pim_catalog (pim_url, catalog_id, setup_error, has_mapping, updated_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (pim_url) DO UPDATE SET catalog_id = excluded.catalog_id, "
                    "setup_error = excluded.setup_error, has_mapping = excluded.has_mapping, "
                    "updated_at = excluded.updated_at", (pim_url, catalog_id, setup_error, int(has_mapping), _now()))


def catalog(pim_url):
    """{catalog_id, setup_error, has_mapping} of this PIM's last connection, or None before any."""
    with _database() as con:
        row = con.execute("SELECT catalog_id, setup_error, has_mapping FROM pim_catalog WHERE pim_url = ?",
                          (pim_url,)).fetchone()
    return dict(row, has_mapping=bool(row["has_mapping"])) if row else None
