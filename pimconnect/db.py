"""The one database object, the base model and the write-transaction helper."""
import contextlib
from urllib.parse import parse_qs, unquote, urlparse

import peewee
from peewee import DatabaseProxy, Model

db = DatabaseProxy()

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "full"),  # revocations must survive power loss (checklist F6, D11)
    ("foreign_keys", 1),
    ("cache_size", -32000),
)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


def make_database(url, busy_timeout_ms=10000):
    """Open a database from a ``sqlite:///path`` or ``postgresql://`` URL."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ":memory:"
        pragmas = SQLITE_PRAGMAS + (("busy_timeout", busy_timeout_ms),)
        return peewee.SqliteDatabase(path, pragmas=pragmas, timeout=busy_timeout_ms / 1000)
    if parsed.scheme in {"postgres", "postgresql"}:
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return peewee.PostgresqlDatabase(
            unquote(parsed.path.lstrip("/")) or "postgres",
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname,
            port=parsed.port or 5432,
            prefer_psycopg3=True,
            **options,
        )
    raise ValueError(f"Unsupported DATABASE_URL scheme: {parsed.scheme!r}")


def is_sqlite():
    return isinstance(db.obj, peewee.SqliteDatabase)


@contextlib.contextmanager
def write_txn():
    """One write transaction: BEGIN IMMEDIATE on SQLite, a plain BEGIN on PostgreSQL.

    SQLite's deferred read-then-write transactions fail with SQLITE_BUSY_SNAPSHOT under
    concurrency, which the busy handler cannot retry (security checklist F5). Nested calls
    become savepoints.
    """
    if is_sqlite() and db.obj.transaction_depth() == 0:
        with db.obj.atomic("IMMEDIATE") as txn:
            yield txn
    else:
        with db.atomic() as txn:
            yield txn


def init_app(app):
    """Bind the proxy to the configured database and open/close a connection per request."""
    database = make_database(app.config["DATABASE_URL"], app.config["PIM_DB_BUSY_TIMEOUT_MS"])
    db.initialize(database)
    app.extensions["database"] = database

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()
