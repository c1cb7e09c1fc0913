"""The set-up commands, run for real on a fresh copy of the repository (the README's first steps)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
KEY_A = "a" * 40


@pytest.fixture
def fresh_copy(tmp_path):
    """The repository's files (tracked or to be: what a commit would hold) copied to a new folder, like a clone."""
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    files = subprocess.run(listing, cwd=REPO, capture_output=True, check=True).stdout
    copy = tmp_path / "repo"
    for name in filter(None, files.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    return copy


def flask(copy, *args, **env):
    """``python -m flask --app app ARGS`` in ``copy`` with the shared venv's python, in production."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("PIM_", "SECRET_KEY", "DATABASE_URL", "FLASK_"))}
    clean.update(PIM_ENV="production", **env)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=copy, env=clean,
                          capture_output=True, text=True, timeout=120)


def test_first_start_in_production_creates_the_database_folder(fresh_copy):
    """With SECRET_KEY set there is no generated key to create instance/: db-upgrade creates it for the database."""
    assert not (fresh_copy / "instance").exists()
    result = flask(fresh_copy, "db-upgrade", SECRET_KEY=KEY_A)
    assert result.returncode == 0, result.stderr
    assert "applied: 0001_initial" in result.stdout
    assert (fresh_copy / "instance" / "pimconnect.sqlite3").is_file()


def test_an_explicit_sqlite_path_in_a_missing_folder_is_refused_clearly(fresh_copy):
    """A SQLite URL whose folder is missing (often a slash too few) names the resolved folder; nothing is created."""
    result = flask(fresh_copy, "db-upgrade", SECRET_KEY=KEY_A, DATABASE_URL="sqlite:///var/pim/pim.sqlite3")
    assert result.returncode != 0
    assert f"DATABASE_URL names a SQLite file in {fresh_copy / 'var' / 'pim'}, which does not exist" in result.stderr
    assert "sqlite:////absolute/path.sqlite3" in result.stderr
    assert not (fresh_copy / "var").exists()
