"""The one database object, the base model, the write-transaction helper and offset pages of a query."""
import contextlib
import weakref
from urllib.parse import parse_qs, unquote, urlparse

import peewee
from peewee import DatabaseProxy, Model
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

db = DatabaseProxy()

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("synchronous", "full"),  # revocations must survive power loss (checklist F6, D11)
    ("foreign_keys", 1),
    ("cache_size", -32000),
    # Checkpoint the log at 4000 pages (16 MB) rather than 1000: pages written again between two
    # checkpoints are copied once, and a batch of 100 new products takes ~10% less on average.
    ("wal_autocheckpoint", 4000),
)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class StrictSqliteDatabase(PooledSqliteDatabase):
    """SQLite that refuses a data write outside ``write_txn()`` (used by the test suite).

    A write outside a BEGIN IMMEDIATE transaction is either a second implicit transaction (the
    change is no longer all-or-nothing) or a deferred read-then-write that fails under
    concurrency; the suite turning it into an error keeps every code path honest.
    """

    def execute_sql(self, sql, params=None, *args, **kwargs):
        if sql.lstrip().upper().startswith(WRITE_STATEMENTS) and not getattr(self._state, "immediate", False):
            raise RuntimeError(f"Data write outside write_txn(): {sql[:80]}")
        return super().execute_sql(sql, params, *args, **kwargs)


PLANNED_PER_VALUES = 'FROM "product'  # a statement reading a product table (see PreparingPostgresqlDatabase)


class PreparingPostgresqlDatabase(PooledPostgresqlDatabase):
    """PostgreSQL whose connections keep more statements prepared than psycopg's defaults.

    psycopg prepares a statement on its 6th execution and keeps at most 100 per connection. A
    request's statements are mostly the same few hundred texts (the structure's load, a batch's
    lookups and inserts, a page's queries), each run once per request: with the defaults a pooled
    connection spent its first five requests re-parsing and re-planning each of them, and the least
    recently used ones fell out of the 100 and started over. Prepared on the 2nd execution, up to
    ``PREPARED_MAX`` kept (a few MB of server memory per connection at most).

    Statements reading products are never prepared: from a prepared statement's 6th run PostgreSQL may
    settle on a generic plan, blind to the values, and which products a search's values select is what
    their plan depends on (a filtered search_after walk of 2,300 products went from 17 to 80 ms after a
    few runs, bench/api.py). Each is planned for its values, as an unprepared statement is; the others
    (the bearer check, grants, structure, inserts) keep their prepared plans (forcing custom plans on
    every statement cost 1-2 ms a request: planning the grants' UNION alone took 1.8 ms).
    """

    PREPARE_THRESHOLD = 1
    PREPARED_MAX = 1000

    def _execute_cursor(self, sql, params, **cursor_options):
        if PLANNED_PER_VALUES not in sql or not hasattr(self.connection(), "prepared_max"):  # psycopg 3 only
            return super()._execute_cursor(sql, params, **cursor_options)
        self._log_query(sql, params)
        with peewee.__exception_wrapper__:
            cursor = self.cursor(**cursor_options)
            cursor.execute(sql, params or (), prepare=False)
        return cursor

    def _initialize_connection(self, conn):
        super()._initialize_connection(conn)
        if hasattr(conn, "prepared_max"):  # psycopg 3 (psycopg2 has no server-side prepared statements)
            conn.prepare_threshold = self.PREPARE_THRESHOLD
            conn.prepared_max = self.PREPARED_MAX


# Every pool this process opened, so that tests and benchmarks can close them all (close_pools).
_POOLS = weakref.WeakSet()


def make_database(url, busy_timeout_ms=10000, strict=False, pool_size=20):
    """Open a database from a ``sqlite:///path`` or ``postgresql://`` URL, as a pool of connections.

    Requests check a connection out and back in rather than opening their own: a new SQLite
    connection starts with a cold page cache, runs its PRAGMAs, and the last one to close
    checkpoints and deletes the WAL; a new PostgreSQL one costs a round of authentication. At most
    ``pool_size`` connections are open; a request waits up to the busy timeout for a free one.
    """
    parsed = urlparse(url)
    wait = max(1, busy_timeout_ms // 1000)
    if parsed.scheme == "sqlite":
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ":memory:"
        pragmas = SQLITE_PRAGMAS + (("busy_timeout", busy_timeout_ms),)
        cls = StrictSqliteDatabase if strict else PooledSqliteDatabase
        # Pooled connections move between the server's threads (one request at a time each).
        database = cls(path, pragmas=pragmas, max_connections=pool_size, timeout=wait, check_same_thread=False)
    elif parsed.scheme in {"postgres", "postgresql"}:
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        database = PreparingPostgresqlDatabase(
            unquote(parsed.path.lstrip("/")) or "postgres",
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname,
            port=parsed.port or 5432,
            prefer_psycopg3=True,
            max_connections=pool_size,
            stale_timeout=600,  # servers and proxies drop long-idle connections
            timeout=wait,
            **options,
        )
    else:
        raise ValueError(f"Unsupported DATABASE_URL scheme: {parsed.scheme!r}")
    _POOLS.add(database)
    return database


def close_pools():
    """Close every pooled connection this process holds (before dropping a test schema or at exit)."""
    for database in list(_POOLS):
        database.close_all()


@contextlib.contextmanager
def temporary_postgres_schema(base_url, prefix="tmp"):
    """A DATABASE_URL on a new, empty schema of ``base_url``, dropped afterwards (tests, benchmarks)."""
    import uuid
    from urllib.parse import quote

    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options={quote(f'-c search_path={schema}')}"
    finally:
        close_pools()  # an idle pooled connection would keep the schema's tables busy
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def is_sqlite():
    return isinstance(db.obj, peewee.SqliteDatabase)


def serialize_shared(name):
    """Inside a write transaction, the shared side of ``serialize(name)``: transactions holding it run
    together, and one calling ``serialize(name)`` waits for all of them (and they for it). A no-op on
    SQLite, whose BEGIN IMMEDIATE serializes every writer already."""
    if not is_sqlite():
        db.execute_sql("SELECT pg_advisory_xact_lock_shared(hashtext(%s))", (name,))


@contextlib.contextmanager
def write_txn():
    """One write transaction: BEGIN IMMEDIATE on SQLite, a plain BEGIN on PostgreSQL.

    SQLite's deferred read-then-write transactions fail with SQLITE_BUSY_SNAPSHOT under
    concurrency, which the busy handler cannot retry (security checklist F5). Nested calls
    become savepoints.
    """
    if is_sqlite() and db.obj.transaction_depth() == 0:
        state = db.obj._state
        with db.obj.atomic("IMMEDIATE") as txn:
            state.immediate = True
            try:
                yield txn
            finally:
                state.immediate = False
    else:
        with db.atomic() as txn:
            yield txn


def serialize(name):
    """Inside a write transaction, wait for any other transaction serialized on ``name`` to end.

    Count-then-insert limits (at most 50 connections) need it on PostgreSQL, whose transactions
    run concurrently; on SQLite, BEGIN IMMEDIATE already serializes every writer.
    """
    if not is_sqlite():
        db.execute_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))


def bind(app):
    """Point the proxy at ``app.config["DATABASE_URL"]`` (the test suite re-binds one app per test)."""
    database = make_database(app.config["DATABASE_URL"], app.config["PIM_DB_BUSY_TIMEOUT_MS"],
                             strict=app.config.get("PIM_STRICT_TRANSACTIONS", False),
                             pool_size=app.config["PIM_DB_POOL_SIZE"])
    db.initialize(database)
    app.extensions["database"] = database
    return database


def init_app(app):
    """Bind the proxy to the configured database; each request checks a pooled connection out and in."""
    bind(app)

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        if not db.is_closed():
            db.close()


MAX_OFFSET = 2 ** 62  # databases take 64-bit OFFSETs: no page starts beyond it (nor holds anything)


def page_rows(query, page, limit):
    """The rows of one offset page; a page past any possible offset is empty, not a database error."""
    offset = (page - 1) * limit
    return list(query.limit(limit).offset(offset)) if offset < MAX_OFFSET else []
