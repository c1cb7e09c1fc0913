"""The copy of a SQLite database that ``db-upgrade`` writes before migrating it."""
import datetime
import os
import re
import sqlite3
from pathlib import Path

import peewee

KEEP = 3  # backups kept next to the database; older ones are deleted


def before_upgrade(database, pending, keep=KEEP):
    """Back a SQLite database up before ``pending`` migrations run; return the backup's path.

    None when there is nothing to protect: no pending migration, an empty new database, a
    PostgreSQL database (back it up with pg_dump) or an in-memory one.
    """
    if not pending or not isinstance(database, peewee.SqliteDatabase):
        return None
    source = database.database
    if not source or source == ":memory:" or source.startswith("file:") or not database.get_tables():
        return None
    return write_backup(database, Path(source), keep)


def write_backup(database, source, keep=KEEP):
    """A consistent copy through SQLite's online backup API (never a file copy of a live database:
    it could catch a half-written page or miss the WAL), then keep the ``keep`` newest."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = source.with_name(f"{source.name}.backup-{stamp}")
    partial = target.with_name(target.name + ".partial")
    # Owner-only: the copy holds what the database holds (password hashes, encrypted secrets).
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        copy = sqlite3.connect(partial)
        try:
            database.connection().backup(copy)
        finally:
            copy.close()
        os.replace(partial, target)  # a backup under its final name is always complete
    finally:
        if partial.exists():
            partial.unlink()
    prune(source, keep)
    return target


def backups(source):
    """The backups of the database file ``source``, oldest first."""
    source = Path(source)
    name = re.compile(re.escape(source.name) + r"\.backup-\d{8}T\d{12}Z")
    return sorted(p for p in source.parent.iterdir() if name.fullmatch(p.name))


def prune(source, keep=KEEP):
    for old in backups(source)[:-keep]:
        old.unlink()
        for extra in (Path(f"{old}-wal"), Path(f"{old}-shm")):
            if extra.exists():
                extra.unlink()
