"""Page weight: the bytes a browser receives for each page of the demo PIM, first and repeat visit.

    .venv/bin/python bench/page_weight.py [--products 1000] [--encoding "gzip, deflate, br"]

Builds the app on a temporary SQLite file seeded like ``make run`` (demo catalog, shipped App Store,
OpenID keys), logs in as admin through the Flask test client and, for each page, counts what a
browser would receive: the HTML (as sent, compressed when asked) and every stylesheet, script,
icon and image the page names. First visit: all of it. Repeat visit: the HTML again, plus a 304 for
static files under a plain name (versioned ones are cached as immutable, so no request at all).
Bytes are body plus response header lines. Targets (issue 14): repeat visit ≤ 20 KB, first ≤ 40 KB.
It reports; it never fails.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bench.harness import ADMIN_PASSWORD, sqlite_url  # noqa: E402
from pimconnect import create_app, migrate  # noqa: E402
from pimconnect.db import db  # noqa: E402

ASSET = re.compile(r'<(?:link|script|img)\b[^>]*?(?:href|src)="(/static/[^"]+)"')
VERSIONED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
FIRST_TARGET, REPEAT_TARGET = 40 * 1024, 20 * 1024


def build_demo_app(url, products):
    """The app on a migrated database seeded like ``make run``."""
    from pimconnect import cli_openid
    from pimconnect.services.apps import store as app_store
    from pimconnect.services.demo import seed as demo

    app = create_app({"PIM_ENV": "test", "DATABASE_URL": url, "SECRET_KEY": "bench-" + "k" * 40,
                      "PIM_URL": "http://localhost", "PIM_ADMIN_PASSWORD": ADMIN_PASSWORD,
                      "PIM_DEMO_USER_PASSWORD": ADMIN_PASSWORD + "-julia"})
    with app.app_context(), db.connection_context():
        migrate.upgrade(db.obj)
        demo.seed_if_empty(app.config, products=products)
        app_store.load_shipped()
        cli_openid.ensure_keys()
    return app


def wire_bytes(response):
    """Body plus header lines, as the response crosses the wire (status line left out)."""
    headers = sum(len(f"{name}: {value}\r\n") for name, value in response.headers.items())
    return len(response.get_data()) + headers


def pages(client):
    """(label, path) of the pages to weigh; the wizard needs an authorization request first."""
    from pimconnect.cli_demo_app import DEMO_APP_ID

    product = re.search(r'href="(/products/[0-9a-f-]{36}[^"]*)"', client.get("/products/").get_data(as_text=True))
    client.get("/connect/apps/v1/authorize", query_string={
        "response_type": "code", "client_id": DEMO_APP_ID, "scope": "read_products openid profile", "state": "s"})
    return [("home", "/"), ("products grid", "/products/"), ("product page", product.group(1).replace("&amp;", "&")),
            ("App Store", "/connect/app-store"), ("Demo App details", f"/connect/app-store/{DEMO_APP_ID}"),
            ("connected apps", "/connect/connected-apps"), ("connection settings", "/connect/connection-settings"),
            ("wizard", f"/connect/apps/authorize?client_id={DEMO_APP_ID}"), ("settings", "/settings/"),
            ("notifications", "/notifications/"), ("account", "/account")]


def weigh(client, path, headers):
    """(first visit bytes, repeat visit bytes, HTML bytes, HTML bytes uncompressed) of one page."""
    page = client.get(path, headers=headers)
    plain = client.get(path)
    first = repeat = wire_bytes(page)
    html = plain.get_data(as_text=True)
    for url in dict.fromkeys(ASSET.findall(html)):  # each asset once, in page order
        asset = client.get(url, headers=headers)
        first += wire_bytes(asset)
        if not VERSIONED.search(url):
            etag = asset.headers.get("ETag")
            repeat += wire_bytes(client.get(url, headers={**headers, "If-None-Match": etag or ""}))
    if page.status_code != 200:
        print(f"  (status {page.status_code} for {path})")
    return first, repeat, len(page.get_data()), len(plain.get_data())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=1000, help="demo products to seed (make run: 1000)")
    parser.add_argument("--encoding", default="gzip, deflate, br", help="the Accept-Encoding header sent")
    args = parser.parse_args(argv)
    headers = {"Accept-Encoding": args.encoding, "Sec-Fetch-Site": "same-origin"}
    with sqlite_url() as url:
        app = build_demo_app(url, args.products)
        client = app.test_client()
        rows = [("login", *weigh(client, "/login", headers))]
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
        login = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                            "csrf_token": token.group(1)})
        assert login.status_code == 303, "bench login failed"
        rows += [(label, *weigh(client, path, headers)) for label, path in pages(client)]
    print(f"Accept-Encoding: {args.encoding}; {args.products} demo products. Bytes = body + response headers.")
    print(f"{'page':<22}{'first visit':>13}{'repeat visit':>14}{'HTML sent':>11}{'HTML raw':>10}")
    for label, first, repeat, html, raw in rows:
        print(f"{label:<22}{first:>13,}{repeat:>14,}{html:>11,}{raw:>10,}")
    worst_first = max(row[1] for row in rows)
    worst_repeat = max(row[2] for row in rows)
    verdict = "PASS" if worst_first <= FIRST_TARGET and worst_repeat <= REPEAT_TARGET else "FAIL"
    print(f"{verdict}: heaviest first visit {worst_first:,} B (target {FIRST_TARGET:,}), "
          f"heaviest repeat visit {worst_repeat:,} B (target {REPEAT_TARGET:,})")


if __name__ == "__main__":
    main()
