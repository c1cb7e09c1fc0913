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


def _wait_for_htmx_ready(page):
    """Wait until the page has loaded and htmx has processed it (it does so once the DOM is ready)."""
    page.wait_for_function("() => document.readyState === 'complete' && window.htmx !== undefined")


def _wait_for_htmx(page):
    """Wait until htmx has swapped and settled the last response."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_edit_hat_french_description_raises_completeness(page, live_server):
    """Filling Hat's fr_FR description on the ecommerce channel takes its fr_FR completeness to 100%."""
    login(page, live_server, "admin")
    page.get_by_role("link", name="Products", exact=True).click()
    expect(page).to_have_url(re.compile(r"/products/$"))
    _wait_for_htmx_ready(page)  # keys typed before htmx has processed the form are not heard
    with page.expect_response(lambda r: "search=hat" in r.url):
        page.locator("input[type=search]").press_sequentially("hat")
    hat = page.get_by_role("link", name="Open hat", exact=True)
    for _ in range(10):  # keyset pages ordered by identifier; follow "Next page" until Hat shows
        _wait_for_htmx(page)
        if hat.count():
            break
        with page.expect_response(lambda r: "after=" in r.url):
            page.get_by_role("link", name="Next page").click()
    hat.click()
    page.select_option("select[name=locale]", "fr_FR")
    page.select_option("select[name=scope]", "ecommerce")
    page.get_by_role("button", name="Show").click()
    badges = page.locator(".completeness-list")
    expect(badges).to_contain_text("ecommerce · fr_FR: 83%")
    page.fill("textarea[name=v__description]", "Un chapeau de paille léger pour les jours de soleil.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".completeness-list")).to_contain_text("ecommerce · fr_FR: 100%")
    page.reload()
    expect(page.locator("textarea[name=v__description]")).to_have_value(
        "Un chapeau de paille léger pour les jours de soleil."
    )
