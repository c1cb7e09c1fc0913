"""Golden databases: migrated (and seeded) once per session, copied for each test.

Migrating and seeding a database for every test was more than half of the suite's time (165 ms
a test on SQLite, ~450 ms on PostgreSQL). Each test still gets a database of its own, but as a
copy: a file copy on SQLite (~1 ms), a schema replayed from the golden's pg_dump script on
PostgreSQL (dropped on a background thread, since nothing waits for a drop).
"""
import queue
import shutil
import sqlite3
import subprocess
import threading
import uuid
from urllib.parse import quote

from pimconnect import db as pim_db
from pimconnect.db import close_pools

MIGRATED, SEEDED = "migrated", "seeded"


class SqliteGoldens:
    """Golden files in a session directory; a test's copy is one ``shutil.copyfile``."""

    def __init__(self, directory):
        self.directory = directory
        self.paths = {}

    def golden_url(self, kind, source=None):
        """The URL to build golden ``kind`` at (a copy of golden ``source`` when given)."""
        path = self.directory / f"golden-{kind}.sqlite3"
        if source:
            shutil.copyfile(self.paths[source], path)
        self.paths[kind] = path
        return f"sqlite:///{path}"

    def seal(self, kind):
        """Fold the write-ahead log into the file, so that copying the file alone copies everything."""
        close_pools()
        path = self.paths[kind]
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        wal = path.with_name(path.name + "-wal")
        assert not wal.exists() or wal.stat().st_size == 0, f"{wal} still holds pages"

    def pool_for(self, url):
        return None

    def keep_pool(self, url, database):
        pass

    def end_test_connections(self):
        close_pools()

    def copy(self, kind, directory):
        target = directory / "test.sqlite3"
        if kind:
            shutil.copyfile(self.paths[kind], target)
        return f"sqlite:///{target}", lambda: None

    def close(self):
        pass


class PostgresGoldens:
    """Golden schemas on the server; each worker reuses one test schema per golden, refilled per test.

    A golden is built in a schema of its own and kept, with the SQL script pg_dump writes for it
    (tables, indexes, constraints, sequences, rows). A worker's first test of a golden gets a schema
    replayed from the script; the next ones get the same schema with the golden's rows and sequence
    positions put back (``_refill``: a few ms where the replay took ~650 ms, most of it DDL), unless
    the test changed the schema's shape, which sends it to be dropped. The tests of a reused schema
    share a pool of connections (a new backend per test cost ~6 ms and cold caches). A database per
    test (CREATE DATABASE ... TEMPLATE) was measured and rejected: each DROP DATABASE waits for a
    checkpoint, 14-80 s on this shared machine. Drops run on a background thread; nothing waits
    for them until the session ends.
    """

    def __init__(self, base_url):
        import psycopg

        self.base_url = base_url
        self.token = f"pimgolden_{uuid.uuid4().hex[:10]}"
        self.scripts = {}
        self.refills = {}  # golden kind -> (tables, tables with rows, sequence positions)
        self.reused, self.shapes, self.in_use = {}, {}, set()  # golden kind -> this worker's reused schema
        self.pools = {}  # a reused schema's URL -> the connection pool its tests share
        self.admin = psycopg.connect(base_url, autocommit=True)
        self.drops = queue.Queue()
        self.dropper = threading.Thread(target=self._drop_loop, args=(psycopg.connect(base_url, autocommit=True),),
                                        daemon=True)
        self.dropper.start()

    def _url(self, schema):
        sep = "&" if "?" in self.base_url else "?"
        return f"{self.base_url}{sep}options={quote(f'-c search_path={schema}')}"

    def _create(self, schema, kind):
        with self.admin.transaction():
            if kind:
                self.admin.execute(self.scripts[kind].replace(self._golden(kind), schema))
            else:
                self.admin.execute(f'CREATE SCHEMA "{schema}"')

    def _golden(self, kind):
        return f"{self.token}_{kind}"

    def golden_url(self, kind, source=None):
        schema = self._golden(kind)
        self._create(schema, source)
        return self._url(schema)

    def seal(self, kind):
        """Keep the golden as pg_dump's script (psql's backslash commands left out), and its rows.

        The golden schema stays: a test's copy is usually a reused schema of this worker's whose
        rows are replaced by the golden's (``_refill``), ~20x cheaper than replaying the script's DDL.
        """
        close_pools()
        schema = self._golden(kind)
        dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "--inserts", "--rows-per-insert=1000",
                               "--schema", schema, self.base_url],
                              check=True, capture_output=True, text=True).stdout
        assert f"CREATE SCHEMA {schema};" in dump, "pg_dump no longer writes the schema's name bare"
        self.scripts[kind] = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
        tables = [row[0] for row in self.admin.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,))]
        filled = [table for table in tables
                  if self.admin.execute(f'SELECT EXISTS (SELECT 1 FROM "{schema}"."{table}")').fetchone()[0]]
        sequences = self.admin.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s", (schema,)).fetchall()
        self.refills[kind] = (tables, filled, sequences)

    def _track_writes(self, schema):
        """Note which tables of ``schema`` each statement writes, in schema ``<schema>_writes``.

        A statement trigger per table appends the table's name (no key: concurrent writers never
        wait for each other); foreign-key cascades fire it on the tables they reach, and the refill,
        run as a replica, does not.
        """
        marks = f"{schema}_writes"
        tables = [row[0] for row in self.admin.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s",
                                                         (schema,))]
        statements = [f'CREATE SCHEMA "{marks}"', f'CREATE TABLE "{marks}".written (name text NOT NULL)',
                      f'CREATE FUNCTION "{marks}".note() RETURNS trigger LANGUAGE plpgsql AS '
                      f'$$ BEGIN INSERT INTO "{marks}".written VALUES (TG_TABLE_NAME); RETURN NULL; END $$']
        statements += [f'CREATE TRIGGER pim_test_written AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
                       f'ON "{schema}"."{table}" FOR EACH STATEMENT EXECUTE FUNCTION "{marks}".note()'
                       for table in tables]
        with self.admin.transaction():
            self.admin.execute(";\n".join(statements))

    def _refill(self, kind, schema):
        """Give reused ``schema`` exactly the golden's rows and sequence positions, in one transaction.

        Only the tables the last test wrote get their rows back (most tests write a few of the ~45;
        ~19 ms a test refilling them all); every sequence is set back, as a failed insert moves one.
        """
        tables, filled, sequences = self.refills[kind]
        golden, marks = self._golden(kind), f"{schema}_writes"
        with self.admin.transaction():
            written = {row[0] for row in self.admin.execute(f'SELECT DISTINCT name FROM "{marks}".written')}
            statements = ["SET LOCAL session_replication_role = replica"]  # no foreign-key triggers: all rows go
            statements += [f'DELETE FROM "{schema}"."{table}"' for table in tables if table in written]
            statements += [f'INSERT INTO "{schema}"."{table}" SELECT * FROM "{golden}"."{table}"'
                           for table in filled if table in written]
            statements += [f"SELECT setval('\"{schema}\".\"{name}\"', {value or 1}, {'true' if value else 'false'})"
                           for name, value in sequences]
            statements.append(f'DELETE FROM "{marks}".written')
            self.admin.execute(";\n".join(statements))

    def _shape(self, schema):
        """A digest of the schema's tables, columns, indexes and constraints: a test's DDL changes it."""
        namespace = self.admin.execute("SELECT oid FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone()[0]
        return self.admin.execute(
            """SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
                 SELECT concat_ws(':', c.relname, c.relkind, c.relfilenode, a.attname, a.atttypid, a.atttypmod,
                                  a.attnotnull) AS item
                   FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
                  WHERE c.relnamespace = %(ns)s AND a.attnum > 0 AND NOT a.attisdropped
                 UNION ALL
                 SELECT concat_ws(':', conname, contype, conkey, confkey) FROM pg_constraint
                  WHERE connamespace = %(ns)s) AS shape""", {"ns": namespace}).fetchone()[0]

    def pool_for(self, url):
        """The pool kept open for reused schema ``url`` (its connections, their caches and prepared
        statements go from test to test: a new backend per test cost ~6 ms and cold catalog caches)."""
        return self.pools.get(url)

    def keep_pool(self, url, database):
        if url in (self._url(schema) for schema in self.reused.values()):
            self.pools[url] = database

    def end_test_connections(self):
        """After a test: close every pool but the kept ones with one idle connection and none out.

        A pooled connection is rolled back as it is checked in, so an idle one holds no lock that
        could block the next refill; one still checked out might, and closes its whole pool. So does
        a pool a threaded test filled: the suite's workers share the server's 100 connections.
        """
        kept = {id(database) for database in self.pools.values()
                if not database._in_use and len(database._connections) <= 1}
        for database in list(pim_db._POOLS):
            if id(database) not in kept:
                database.close_all()

    def _forget_pool(self, url):
        database = self.pools.pop(url, None)
        if database is not None:
            database.close_all()

    def copy(self, kind, directory):
        """A schema of this test's own (from golden ``kind``, or empty) and the function that ends it.

        From a golden, the schema is this worker's reused one for that golden, refilled, unless a
        test changed its shape (DDL): then it is dropped and replayed anew from the script.
        """
        if kind and kind not in self.in_use:
            reused = self.reused.get(kind)
            if reused is None:
                reused = f"t_{uuid.uuid4().hex[:12]}"
                self._create(reused, kind)
                self._track_writes(reused)
                self.reused[kind] = reused
                self.shapes[kind] = self._shape(reused)
            else:
                self._refill(kind, reused)
            self.in_use.add(kind)

            def release():
                self.end_test_connections()  # no pooled connection may hold a lock on the tables refilled next
                self.in_use.discard(kind)
                if self._shape(reused) != self.shapes[kind]:
                    self._forget_pool(self._url(reused))
                    self.drops.put(self.reused.pop(kind))
                    self.drops.put(f"{reused}_writes")

            return self._url(reused), release
        schema = f"t_{uuid.uuid4().hex[:12]}"
        self._create(schema, kind)

        def drop():
            self.end_test_connections()  # an idle pooled connection would keep the schema's tables busy
            self.drops.put(schema)

        return self._url(schema), drop

    def _drop_loop(self, conn):
        with conn:
            while (schema := self.drops.get()) is not None:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def close(self):
        close_pools()
        self.pools.clear()
        reused = [*self.reused.values(), *(f"{schema}_writes" for schema in self.reused.values())]
        for schema in [*reused, *(self._golden(kind) for kind in self.scripts)]:
            self.drops.put(schema)
        self.drops.put(None)
        self.dropper.join()
        self.admin.close()


# The system catalog tables each test schema's ~45 tables and indexes were written into and deleted
# from. Autovacuum leaves their files large: after a few runs, scanning pg_attribute took 4 s (3,054
# rows) and every DDL statement slowed with it. Rewriting them takes ~3 s on the test database.
CATALOG_TABLES = ("pg_attribute", "pg_class", "pg_constraint", "pg_type", "pg_depend", "pg_index",
                  "pg_attrdef", "pg_sequence", "pg_namespace")


def compact_catalog(pg_url):
    """Rewrite the test database's bloated catalog tables (before a run; needs the superuser)."""
    import psycopg

    try:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("VACUUM FULL " + ", ".join(f"pg_catalog.{table}" for table in CATALOG_TABLES))
    except psycopg.errors.InsufficientPrivilege:
        pass  # a test role without the right: the suite only runs slower


def make_goldens(pg_url, directory):
    return PostgresGoldens(pg_url) if pg_url else SqliteGoldens(directory)
