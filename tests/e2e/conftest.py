"""Browser journeys: a live PIM on a thread of this process, driven by Debian's Chromium through Playwright."""
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from pimconnect import create_app, migrate
from pimconnect.db import db
from tests.conftest import ADMIN_PASSWORD, JULIA_PASSWORD, fresh_database_url, make_test_config

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # JavaScript no further than V8's baseline compiler: a test page lives a few seconds, too short
    # for the optimizing tiers to pay back their compile time (the axe sweep: ~30% less CPU).
    "--js-flags=--max-opt=1",
]
PASSWORDS = {"admin": ADMIN_PASSWORD, "julia": JULIA_PASSWORD}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (Debian's package; no browser download)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The PIM with the demo catalog, served on a free loopback port for this module's journeys."""
    with fresh_database_url(tmp_path_factory.mktemp("live")) as url:
        app = create_app(make_test_config(url, PIM_DEMO_PRODUCTS=60))
        from pimconnect.services.demo import seed as demo

        with db.connection_context():
            migrate.upgrade(db.obj)
            demo.seed_if_empty(app.config, products=60)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        app.config["PIM_URL"] = f"http://127.0.0.1:{server.server_port}"
        yield app.config["PIM_URL"]
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page; CSP violations and page errors fail the test."""
    js = getattr(request, "param", True)
    context = browser.new_context(java_script_enabled=js)
    context.set_default_timeout(10000)
    page = context.new_page()
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    yield page
    context.close()
    assert problems == [], problems


# No htmx request in flight, no swap or settle under way (wait for it before acting on a swapped form).
IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def login(page, base_url, username):
    """Log in through the login form and wait for the dashboard."""
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
