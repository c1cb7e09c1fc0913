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
    positions put back (``_refill``: ~50 ms where the replay took ~650 ms, most of it DDL), unless the
    test changed the schema's shape, which sends it to be dropped. A database per
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

    def _refill(self, kind, schema):
        """Give reused ``schema`` exactly the golden's rows and sequence positions, in one transaction."""
        tables, filled, sequences = self.refills[kind]
        golden = self._golden(kind)
        statements = ["SET LOCAL session_replication_role = replica"]  # no foreign-key triggers: all rows go
        statements += [f'DELETE FROM "{schema}"."{table}"' for table in tables]
        statements += [f'INSERT INTO "{schema}"."{table}" SELECT * FROM "{golden}"."{table}"' for table in filled]
        statements += [f"SELECT setval('\"{schema}\".\"{name}\"', {value or 1}, {'true' if value else 'false'})"
                       for name, value in sequences]
        with self.admin.transaction():
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
                self.reused[kind] = reused
                self.shapes[kind] = self._shape(reused)
            else:
                self._refill(kind, reused)
            self.in_use.add(kind)

            def release():
                close_pools()  # no pooled connection may hold a lock on the tables refilled next
                self.in_use.discard(kind)
                if self._shape(reused) != self.shapes[kind]:
                    self.drops.put(self.reused.pop(kind))

            return self._url(reused), release
        schema = f"t_{uuid.uuid4().hex[:12]}"
        self._create(schema, kind)

        def drop():
            close_pools()  # an idle pooled connection would keep the schema's tables busy
            self.drops.put(schema)

        return self._url(schema), drop

    def _drop_loop(self, conn):
        with conn:
            while (schema := self.drops.get()) is not None:
                conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def close(self):
        close_pools()
        for schema in [*self.reused.values(), *(self._golden(kind) for kind in self.scripts)]:
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
