"""The Apps journey in real Chromium, with the PIM and the Demo App as two live servers: the
administrator connects the Demo App from the App Store (a new tab), goes through the wizard (EE with
its Permissions step, CE in one go) and lands on the Demo App, which shows who connected it and the
products it reads through the API. julia, without Manage apps, cannot connect it."""
import re
import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from pimconnect.cli_demo_app import DEMO_APP_ID
from tests.e2e.conftest import login
from tests.live_apps import live_apps

# The wizard's main buttons as the reference labels them (reference §7.2), most final first.
MAIN_BUTTONS = ("Confirm", "Allow", "Allow and next", "Next")
MAX_STEPS = 6


def _open_demo_app_card(page):
    page.get_by_role("link", name="Connect", exact=True).hover()
    page.get_by_role("link", name="App Store").click()
    expect(page.locator("h1")).to_have_text("App Store")
    card = page.locator(f"#app-{DEMO_APP_ID}")
    expect(card).to_be_visible()
    return card


def _step_title(page):
    """What the current wizard step is called: its progress marker, else its headings."""
    current = page.locator("[aria-current='step']")
    if current.count():
        return current.first.inner_text()
    return " ".join(page.locator("main h1, main h2").all_inner_texts())


def _walk_the_wizard(tab, demo_url):
    """Tick what each step asks for and press its main button until the tab reaches the Demo App.

    Returns the text of every step seen, so the journeys can check which steps the edition shows.
    """
    seen = []
    for _ in range(MAX_STEPS):
        if tab.url.startswith(demo_url):
            return seen
        seen.append(tab.locator("main").inner_text())
        for checkbox in tab.locator("main form input[type=checkbox]:visible").all():
            if not checkbox.is_checked() and checkbox.is_enabled():
                checkbox.check()
        before = _step_title(tab)
        for label in MAIN_BUTTONS:
            button = tab.get_by_role("button", name=label, exact=True)
            if button.count() and button.first.is_visible():
                button.first.click()
                break
        else:
            pytest.fail(f"No wizard button among {MAIN_BUTTONS} on {tab.url}: {seen[-1][:500]}")
        _wait_for_the_next_step(tab, before, demo_url)
    tab.wait_for_url(re.compile("^" + re.escape(demo_url)))
    return seen


def _wait_for_the_next_step(tab, before, demo_url, seconds=10):
    """Wait until the step changed (htmx swaps it in place) or the tab left the wizard (a navigation)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        tab.wait_for_timeout(100)
        if tab.url.startswith(demo_url) or "/connect/apps/authorize" not in tab.url:
            tab.wait_for_load_state()
            return
        try:
            if _step_title(tab) != before:
                return
        except PlaywrightError:  # the page is navigating: its elements are gone for a moment
            continue
    pytest.fail(f"The wizard did not move on from {before!r}; error shown: "
                f"{tab.locator('#wizard-error').all_inner_texts()}")


def _connect_demo_app(page, servers):
    """Log in as admin, click Connect on the Demo App card, go through the wizard; returns (tab, steps)."""
    login(page, servers.pim_url, "admin")
    card = _open_demo_app_card(page)
    with page.context.expect_page() as opened:
        card.get_by_role("link", name="Connect", exact=True).click()
    tab = opened.value
    tab.wait_for_url(re.compile(re.escape(servers.pim_url) + r"/connect/apps/authorize\?client_id="))
    steps = _walk_the_wizard(tab, servers.demo_url)
    return tab, steps


def _expect_connected_demo_app(tab, servers):
    expect(tab.locator("#connected-as")).to_contain_text("Connected as John Doe")
    expect(tab.locator("#pim-url")).to_have_text(servers.pim_url)
    expect(tab.locator("#channels")).to_contain_text("ecommerce")
    expect(tab.locator("#products tbody tr")).to_have_count(10)
    expect(tab.get_by_role("alert")).to_have_count(0)


@pytest.mark.parametrize("page", [True, False], indirect=True, ids=["with-js", "without-js"])
def test_admin_connects_the_demo_app_in_ee_with_the_permissions_step(page, tmp_path):
    """EE: Authentication, Authorizations, Permissions and Summary, then the Demo App shows the user and products."""
    with live_apps(tmp_path, edition="ee", products=30) as servers:
        tab, steps = _connect_demo_app(page, servers)
        _expect_connected_demo_app(tab, servers)
        assert any("Permissions" in step for step in steps), steps
        assert len(steps) >= 3, steps
        page.reload()
        expect(page.locator(f"#app-{DEMO_APP_ID}").get_by_role("button", name="Connected")).to_be_disabled()


@pytest.mark.parametrize("page", [False], indirect=True, ids=["without-js"])
def test_admin_connects_the_demo_app_in_ce_without_the_permissions_step(page, tmp_path):
    """CE: Authentication then Authorizations with Confirm; no Permissions step; the Demo App shows the products."""
    with live_apps(tmp_path, edition="ce", products=30) as servers:
        tab, steps = _connect_demo_app(page, servers)
        _expect_connected_demo_app(tab, servers)
        assert not any("Well done!" in step for step in steps), steps
        assert len(steps) <= 2, steps


def test_julia_cannot_connect_the_demo_app(page, tmp_path):
    """Without Manage apps the Connect button is disabled with the reference's hint, and activate is refused."""
    with live_apps(tmp_path, edition="ee", products=5) as servers:
        login(page, servers.pim_url, "julia")
        card = _open_demo_app_card(page)
        expect(card.get_by_role("link", name="Connect", exact=True)).to_have_count(0)
        button = card.get_by_role("button", name="Connect", exact=True)
        expect(button).to_be_disabled()
        expect(button).to_have_attribute("title", re.compile("Manage apps permission"))
        response = page.request.get(f"{servers.pim_url}/connect/apps/activate?id={DEMO_APP_ID}", max_redirects=0)
        assert response.status == 403
