"""Connect benchmark: complete authorize → code → token round trips per second against a live server.

    .venv/bin/python bench/connect.py [--seconds 10] [--clients 1,4] [--database-url postgresql://…]

A live server (werkzeug, threaded, on a loopback port) holding an already connected app. Each
client logs in once as admin with a ``requests`` session, then loops: ``GET
/connect/apps/v1/authorize`` (302 to the app's callback with a fresh code, not followed) → ``POST
/connect/apps/v1/oauth2/token`` with Akeneo's exchange (a fresh code_identifier and its challenge).
Measured twice: scopes only, and with ``openid profile email`` consented (an RS256 id_token per
round trip). Runs on a temporary SQLite file (and a temporary PostgreSQL schema with
``--database-url``). It never asserts: it reports.
"""
import argparse
import hashlib
import logging
import os
import re
import secrets
import statistics
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import requests  # noqa: E402

from bench.harness import ADMIN_PASSWORD, build_app, sqlite_url  # noqa: E402
from pimconnect.db import db, temporary_postgres_schema, write_txn  # noqa: E402
from tests.live_api import serve  # noqa: E402

SECRET = "bench-app-secret"
CALLBACK = "https://bench-app.example.com/callback"
SCOPES = ["read_catalog_structure", "read_channel_settings", "read_products"]
AUTHENTICATION = ["email", "openid", "profile"]


def connected_app(app, name, consent):
    """A catalogue app connected by admin with SCOPES (and admin's OpenID consent when asked)."""
    from pimconnect.models import User, UserConsent
    from pimconnect.services.apps import listings as app_listings
    from pimconnect.services.apps import connect as app_connect

    with app.app_context(), db.connection_context():
        listing, _ = app_listings.register({
            "id": str(uuid.uuid4()), "kind": "app", "name": name, "author": "Bench",
            "activate_url": "https://bench-app.example.com/activate", "callback_url": CALLBACK,
            "editions": ["ce", "ee"], "versions": []}, secret=SECRET)
        admin = User.get(User.username == "admin")
        with write_txn():
            app_connect.create_connected_app(app_listings.find_app(listing.id), SCOPES, admin)
            if consent:
                UserConsent.create(user=admin, app_id=listing.id, scopes=AUTHENTICATION, uuid=str(uuid.uuid4()))
        return listing.id


def logged_in(url):
    """A session logged in as admin through the login form."""
    session = requests.Session()
    page = session.get(url + "/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(url + "/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                                  "csrf_token": token}, allow_redirects=False, timeout=30)
    assert response.status_code in (302, 303), response.status_code
    return session


def round_trip(session, url, app_id, scope):
    """One authorize → code → token round trip; returns the token response body."""
    state = secrets.token_hex(8)
    response = session.get(url + "/connect/apps/v1/authorize", allow_redirects=False, timeout=30,
                           params={"response_type": "code", "client_id": app_id, "scope": scope, "state": state})
    location = response.headers.get("Location", "")
    if response.status_code != 302 or not location.startswith(CALLBACK):
        raise RuntimeError(f"authorize answered {response.status_code} {location[:80]}")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == [state]
    identifier = secrets.token_hex(30)
    challenge = hashlib.sha256((identifier + SECRET).encode()).hexdigest()
    token = requests.post(url + "/connect/apps/v1/oauth2/token", timeout=30, data={
        "client_id": app_id, "code": query["code"][0], "grant_type": "authorization_code",
        "code_identifier": identifier, "code_challenge": challenge})
    if token.status_code != 200:
        raise RuntimeError(f"token answered {token.status_code} {token.text[:200]}")
    return token.json()


def measure(url, app_id, scope, clients, seconds):
    """(round trips per second, median ms, p95 ms, errors, CPU ms per round trip) with ``clients``
    concurrent logged-in users.

    The CPU time is the whole process's (the server's threads and the clients', both here): on a
    machine shared with other work it moves far less than the rate, which follows the load."""
    sessions = [logged_in(url) for _ in range(clients)]
    round_trip(sessions[0], url, app_id, scope)  # warm-up
    times, errors, lock = [], [], threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop(session):
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                round_trip(session, url, app_id, scope)
            except Exception as exc:  # reported, not raised: a benchmark reports
                with lock:
                    errors.append(str(exc))
                continue
            with lock:
                times.append((time.perf_counter() - started) * 1000)

    started, cpu_started = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=loop, args=(session,)) for session in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1] if times else float("nan")
    cpu_per_trip = cpu * 1000 / len(times) if times else float("nan")
    return len(times) / elapsed, statistics.median(times) if times else float("nan"), p95, errors, cpu_per_trip


def run_backend(label, url, clients_list, seconds):
    print(f"\n== {label} ==")
    app = build_app(url)
    plain = connected_app(app, "Bench app", consent=False)
    with_openid = connected_app(app, "Bench OpenID app", consent=True)
    with serve(app) as live:
        for name, app_id, scope in (("scopes only", plain, " ".join(SCOPES)),
                                    ("with openid profile email (id_token)", with_openid,
                                     " ".join(SCOPES + AUTHENTICATION))):
            for clients in clients_list:
                rate, median, p95, errors, cpu = measure(live, app_id, scope, clients, seconds)
                print(f"{name}, {clients} client(s): {rate:,.1f} round trips/s, median {median:.1f} ms, "
                      f"p95 {p95:.1f} ms, {cpu:.1f} ms CPU per round trip, {len(errors)} errors"
                      + (f" (first: {errors[0]})" if errors else ""))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per figure")
    parser.add_argument("--clients", default="1,4", help="comma-separated numbers of concurrent users")
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (a temporary schema)")
    args = parser.parse_args(argv)
    clients_list = [int(c) for c in args.clients.split(",") if c.strip()]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per request otherwise
    logging.getLogger("pimconnect.audit").setLevel(logging.WARNING)
    with sqlite_url() as url:
        run_backend("SQLite", url, clients_list, args.seconds)
    if args.database_url:
        with temporary_postgres_schema(args.database_url, prefix="benchconnect") as url:
            run_backend("PostgreSQL", url, clients_list, args.seconds)


if __name__ == "__main__":
    main()
