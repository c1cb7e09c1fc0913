"""Golden databases: migrated (and seeded) once per session, copied for each test.

Migrating and seeding a database for every test was more than half of the suite's time (165 ms
a test on SQLite, ~450 ms on PostgreSQL). Each test still gets a database of its own, but as a
copy: a file copy on SQLite (~1 ms), ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL (~110 ms;
dropped on a background thread, since nothing waits for a drop).
"""
import queue
import shutil
import sqlite3
import threading
import uuid
from urllib.parse import urlparse, urlunparse

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
    """Golden databases on the server; a test's copy is ``CREATE DATABASE ... TEMPLATE golden``.

    Every name starts with ``pimtest_<run>`` so that a killed run's leftovers are recognisable.
    A template must have no open connection, hence close_pools() after building one.
    """

    def __init__(self, base_url):
        import psycopg

        self.base_url = base_url
        self.prefix = f"pimtest_{uuid.uuid4().hex[:10]}"
        self.names = {}
        self.admin = psycopg.connect(base_url, autocommit=True)
        self.counter = 0
        self.drops = queue.Queue()
        self.dropper = threading.Thread(target=self._drop_loop, args=(psycopg.connect(base_url, autocommit=True),),
                                        daemon=True)
        self.dropper.start()

    def _url(self, name):
        return urlunparse(urlparse(self.base_url)._replace(path=f"/{name}"))

    def _create(self, name, template=None):
        template_sql = f' TEMPLATE "{template}" STRATEGY WAL_LOG' if template else ""
        self.admin.execute(f'CREATE DATABASE "{name}"{template_sql}')

    def golden_url(self, kind, source=None):
        name = self.names[kind] = f"{self.prefix}_{kind}"
        self._create(name, self.names[source] if source else None)
        return self._url(name)

    def seal(self, kind):
        close_pools()

    def copy(self, kind, directory):
        """A database of this test's own (from golden ``kind``, or empty) and the function that drops it."""
        self.counter += 1
        name = f"{self.prefix}_{self.counter}"
        self._create(name, self.names[kind] if kind else None)

        def drop():
            close_pools()  # the test's pooled connections; FORCE ends any other a test left open
            self.drops.put(name)

        return self._url(name), drop

    def _drop_loop(self, conn):
        with conn:
            while (name := self.drops.get()) is not None:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self):
        close_pools()
        self.drops.put(None)
        self.dropper.join()
        for name in self.names.values():
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


def make_goldens(pg_url, directory):
    return PostgresGoldens(pg_url) if pg_url else SqliteGoldens(directory)
