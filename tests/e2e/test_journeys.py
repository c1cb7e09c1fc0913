"""User journeys in real Chromium: logging in, the Manage apps gate, editing a product."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import login


def test_login_journey(page, live_server):
    """A visitor is sent to the login form and lands on the dashboard after logging in."""
    page.goto(f"{live_server}/products/")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)products(/|%2F)"))
    login(page, live_server, "admin")
    expect(page.locator("h1")).to_contain_text("Welcome, John Doe")


def test_julia_sees_no_apps_entries(page, live_server):
    """julia, a catalog manager without Manage apps, sees the App Store but no Connected apps entry."""
    login(page, live_server, "julia")
    page.get_by_role("link", name="Connect", exact=True).hover()
    expect(page.get_by_role("link", name="App Store")).to_be_visible()
    expect(page.get_by_role("link", name="Connected apps")).to_have_count(0)


def test_admin_sees_apps_entries(page, live_server):
    """The administrator sees the Connected apps entry in the Connect menu."""
    login(page, live_server, "admin")
    page.get_by_role("link", name="Connect", exact=True).hover()
    expect(page.get_by_role("link", name="Connected apps")).to_be_visible()
