"""The set-up commands, run for real on a fresh copy of the repository (the README's first steps)."""
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pimconnect.db import close_pools

REPO = Path(__file__).resolve().parent.parent
KEY_A = "a" * 40
KEY_B = "b" * 40


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


def test_a_changed_key_refuses_to_start_until_the_secrets_are_reencrypted(fresh_copy, database_url):
    """Key A stores secrets; key B alone is refused; B with A as fallback re-encrypts; then B alone starts."""
    close_pools()  # the schema is used by other processes
    url = {"DATABASE_URL": database_url}
    installed = flask(fresh_copy, "db-upgrade", SECRET_KEY=KEY_A, **url)  # OpenID key and app secrets
    assert installed.returncode == 0, installed.stderr

    refused = flask(fresh_copy, "db-upgrade", SECRET_KEY=KEY_B, **url)
    assert refused.returncode != 0
    assert "cannot be decrypted: the encryption key changed" in refused.stderr
    assert "PIM_ENCRYPTION_KEY" in refused.stderr and "secrets reencrypt" in refused.stderr
    assert "open_id_key: 1" in refused.stderr

    rotated = flask(fresh_copy, "secrets", "reencrypt", SECRET_KEY=KEY_B, SECRET_KEY_FALLBACKS=KEY_A, **url)
    assert rotated.returncode == 0, rotated.stderr
    assert "Re-encrypted 11 stored secrets" in rotated.stdout  # 10 shipped app secrets and the OpenID key

    started = flask(fresh_copy, "db-upgrade", SECRET_KEY=KEY_B, **url)
    assert started.returncode == 0, started.stderr
    assert "Database is up to date." in started.stdout


FAKE_FLASK = """#!/bin/sh
# Records how make called it; the PIM's `flask run` waits for the Demo App's line (started in the background).
echo "$* | PIM_URL=$PIM_URL PIM_DEMO_APP_URL=$PIM_DEMO_APP_URL DEMO_APP_PIM_URL=$DEMO_APP_PIM_URL" >> "$0.log"
if [ "$1" = run ]; then
  for i in $(seq 100); do grep -q -- '--app demo_app' "$0.log" && exit 0; sleep 0.05; done
fi
"""


def make_run(copy, *args, **env):
    """``make run ARGS`` in ``copy`` with a fake venv whose ``flask`` only records its arguments and URLs."""
    venv = copy / "fakevenv"
    flask_script = venv / "bin" / "flask"
    if not flask_script.exists():
        flask_script.parent.mkdir(parents=True)
        flask_script.write_text(FAKE_FLASK)
        flask_script.chmod(flask_script.stat().st_mode | stat.S_IEXEC)
        (venv / ".installed").touch()  # newer than requirements.txt: nothing to install
    log = Path(str(flask_script) + ".log")
    log.unlink(missing_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PIM_", "DEMO_APP_", "MAKE"))}
    clean.update(env)
    result = subprocess.run(["make", "--no-print-directory", "run", f"VENV={venv}", *args], cwd=copy, env=clean,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return {line.split(" | ")[0].split(" --")[0] if "--app demo_app" not in line else "demo_app": line
            for line in log.read_text().splitlines()}


def test_make_run_derives_the_urls_from_the_ports(fresh_copy):
    """`make run PORT=9000 DEMO_PORT=9001`: the PIM, its App Store listing and the Demo App point at those ports."""
    calls = make_run(fresh_copy, "PORT=9000", "DEMO_PORT=9001")
    pim = "PIM_URL=http://127.0.0.1:9000 PIM_DEMO_APP_URL=http://127.0.0.1:9001"
    assert pim in calls["seed-demo"]  # the Demo App listing is written with its URL
    assert pim in calls["run"] and "--port 9000" in calls["run"]
    assert "DEMO_APP_PIM_URL=http://127.0.0.1:9000" in calls["demo_app"] and "--port 9001" in calls["demo_app"]


def test_make_run_keeps_the_defaults_and_urls_that_are_set(fresh_copy):
    """Without ports the URLs are :8080/:8081; a PIM_URL set in the environment wins, and the Demo App follows it."""
    default = make_run(fresh_copy)
    assert "PIM_URL=http://127.0.0.1:8080 PIM_DEMO_APP_URL=http://127.0.0.1:8081" in default["run"]
    assert "DEMO_APP_PIM_URL=http://127.0.0.1:8080" in default["demo_app"]
    proxied = make_run(fresh_copy, "PORT=9000", PIM_URL="https://pim.example.com")
    assert "PIM_URL=https://pim.example.com PIM_DEMO_APP_URL=http://127.0.0.1:8081" in proxied["run"]
    assert "DEMO_APP_PIM_URL=https://pim.example.com" in proxied["demo_app"]
