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
    """Golden schemas on the server, replayed into a new schema per test.

    A golden is built in a schema of its own, then kept as the SQL script pg_dump writes for it
    (tables, indexes, constraints, sequences, rows); a test's copy runs that script, the golden's
    name replaced, in one transaction (~4x faster than migrating and seeding). A database per
    test (CREATE DATABASE ... TEMPLATE) was measured and rejected: each DROP DATABASE waits for a
    checkpoint, 14-80 s on this shared machine. Drops run on a background thread; nothing waits
    for them until the session ends.
    """

    def __init__(self, base_url):
        import psycopg

        self.base_url = base_url
        self.token = f"pimgolden_{uuid.uuid4().hex[:10]}"
        self.scripts = {}
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
        """Keep the golden as pg_dump's script (psql's backslash commands left out), then drop it."""
        close_pools()
        schema = self._golden(kind)
        dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", "--inserts", "--rows-per-insert=1000",
                               "--schema", schema, self.base_url],
                              check=True, capture_output=True, text=True).stdout
        assert f"CREATE SCHEMA {schema};" in dump, "pg_dump no longer writes the schema's name bare"
        self.scripts[kind] = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
        self.admin.execute(f'DROP SCHEMA "{schema}" CASCADE')

    def copy(self, kind, directory):
        """A schema of this test's own (from golden ``kind``, or empty) and the function that drops it."""
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
        self.drops.put(None)
        self.dropper.join()
        self.admin.close()


def make_goldens(pg_url, directory):
    return PostgresGoldens(pg_url) if pg_url else SqliteGoldens(directory)
