"""The documented way to give the Manage apps permission: System → Roles → a role → Permissions → System."""
from playwright.sync_api import expect

from tests.e2e.conftest import IDLE, login


def _open_system_permissions(page, role_label):
    page.get_by_role("link", name="System", exact=True).click()
    page.get_by_role("link", name="Roles").click()
    page.get_by_role("link", name=role_label).click()
    page.get_by_role("link", name="Permissions", exact=True).click()
    section = page.get_by_role("navigation", name="Permission sections").get_by_role("link", name="System")
    # The section is swapped in by htmx: a box unticked in the form it replaces would be lost with it
    # (the role journey once saved the fresh, ticked form under load).
    with page.expect_response(lambda response: "section=System" in response.url):
        section.click()
    page.wait_for_function(IDLE)
    return page.get_by_label("Manage apps")


def _save(page):
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Permissions of the System section saved.")


def test_admin_toggles_manage_apps_on_administrator(page, live_server):
    """Unticking and re-ticking Manage apps on the Administrator role is saved each time."""
    login(page, live_server, "admin")
    checkbox = _open_system_permissions(page, "Administrator")
    expect(checkbox).to_be_checked()
    checkbox.uncheck()
    _save(page)
    page.goto(page.url)  # a fresh load: reload() may restore the form state Chromium kept
    expect(page.get_by_label("Manage apps")).not_to_be_checked()
    expect(page.get_by_label("Open apps")).to_be_checked()
    page.get_by_label("Manage apps").check()
    _save(page)
    page.goto(page.url)  # a fresh load: reload() may restore the form state Chromium kept
    expect(page.get_by_label("Manage apps")).to_be_checked()


def test_granting_manage_apps_shows_apps_to_julia(browser, page, live_server):
    """Once the catalog manager role gets Manage apps, julia sees the Connected apps entry."""
    login(page, live_server, "admin")
    checkbox = _open_system_permissions(page, "Catalog manager")
    expect(checkbox).not_to_be_checked()
    checkbox.check()
    _save(page)
    expect(page.get_by_label("Manage apps")).to_be_checked()

    context = browser.new_context()
    julia = context.new_page()
    login(julia, live_server, "julia")
    julia.get_by_role("link", name="Connect", exact=True).hover()
    expect(julia.get_by_role("link", name="Connected apps")).to_be_visible()
    context.close()
