"""Connected apps in real Chromium (issue "Connected apps management"): manage and delete the Demo App
(its token is refused at once), a custom app's whole life with a tiny app of the suite doing the Akeneo
exchange with the shown secret (connect, regenerate, scope upgrade with NEW badges, the notification
after scopes/update, delete)."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.e2e.test_apps_journey import _connect_demo_app, _expect_connected_demo_app, _walk_the_wizard
from tests.live_apps import live_apps
from tests.tiny_app import serve_tiny_app

DISCONNECTED = "The access token provided is invalid. Your app has been disconnected from that PIM."


def _manage(page, pim_url, name):
    page.goto(f"{pim_url}/connect/connected-apps")
    card = page.locator(".connected-app", has_text=name)
    card.get_by_role("link", name="Manage app").click()
    expect(page.locator("h1")).to_have_text(name)


def test_manage_then_delete_the_demo_app(page, tmp_path):
    """Change the flow type and save; delete; the Demo App's next API call is refused as disconnected."""
    with live_apps(tmp_path, edition="ee", products=12) as servers:
        tab, _ = _connect_demo_app(page, servers)
        expect(tab.locator("#connected-as")).to_contain_text("Connected as John Doe")
        _manage(page, servers.pim_url, "PIM Connect Demo App")
        page.select_option("#flow_type", "data_source")
        page.get_by_label("Track in Data flows dashboard").check()
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".flash")).to_contain_text("App settings successfully updated.")
        expect(page.locator("#flow_type")).to_have_value("data_source")
        page.locator("details.menu summary").click()
        page.get_by_role("link", name="Delete").click()
        expect(page.locator("h1")).to_have_text("Confirm deletion")
        page.get_by_role("button", name="Delete").click()
        expect(page.locator(".flash")).to_contain_text("App successfully deleted.")
        expect(page.locator("main")).to_contain_text("No apps connected yet.")
        tab.reload()
        expect(tab.get_by_role("alert").first).to_contain_text(DISCONNECTED)


def _create_custom_app(page, pim_url, tiny, tiny_url):
    page.goto(f"{pim_url}/connect/app-store")
    page.get_by_role("link", name="Create an app").click()
    page.fill("#name", "Tiny test app")
    page.fill("#activate_url", f"{tiny_url}/activate")
    page.fill("#callback_url", f"{tiny_url}/callback")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("h1")).to_have_text("Tiny test app created")
    tiny.client_id = page.locator("#credential-client-id").input_value()
    tiny.secret = page.locator("#credential-client-secret").input_value()
    page.get_by_role("link", name="Done").click()


def _open_from_connected_apps(page, pim_url):
    page.goto(f"{pim_url}/connect/connected-apps")
    card = page.locator(".connected-app", has_text="Tiny test app")
    with page.context.expect_page() as opened:
        card.get_by_role("link", name="Open app").click()
    return opened.value


def test_custom_app_life(page, tmp_path):
    """Create, connect with the shown secret, regenerate, upgrade scopes (NEW), notify, delete."""
    with live_apps(tmp_path, edition="ce", products=5) as servers, serve_tiny_app(servers.pim_url) as (tiny, tiny_url):
        login(page, servers.pim_url, "admin")
        _create_custom_app(page, servers.pim_url, tiny, tiny_url)
        card = page.locator(f"#app-{tiny.client_id}")
        expect(card).to_contain_text("Developed by John Doe")
        with page.context.expect_page() as opened:
            card.get_by_role("link", name="Connect", exact=True).click()
        tab = opened.value
        tab.wait_for_url(re.compile(r".*/connect/apps/authorize\?client_id="))
        expect(tab.locator("main")).to_contain_text("View products and product models")
        _walk_the_wizard(tab, tiny_url)
        expect(tab.locator("#tiny-connected")).to_be_visible()
        assert tiny.api("/api/rest/v1/products-uuid")[0] == 200

        # Regenerate the secret: the old one no longer passes the challenge, the new one does.
        _manage(page, servers.pim_url, "Tiny test app")
        old_secret = tiny.secret
        expect(page.locator("#client-secret")).to_have_value(old_secret[-4:].rjust(34, "*"))
        page.get_by_role("link", name="Regenerate").click()
        expect(page.locator("main")).to_contain_text("Are you sure you want to proceed ?")
        page.get_by_role("button", name="Regenerate").click()
        new_secret = page.locator("#credential-client-secret").input_value()
        assert new_secret != old_secret
        tab = _open_from_connected_apps(page, servers.pim_url)  # same scopes: straight back with a code
        expect(tab.locator("#tiny-error")).to_have_text("invalid_client")
        tiny.secret = new_secret
        tab = _open_from_connected_apps(page, servers.pim_url)
        expect(tab.locator("#tiny-connected")).to_be_visible()

        # The app asks the PIM for an upgrade: flagged, admin notified with an Open App action.
        status, body = tiny.api("/connect/apps/v1/scopes/update?scopes=read_products%20write_products", "POST")
        assert (status, body) == (200, "Ok")
        page.goto(f"{servers.pim_url}/connect/connected-apps")
        expect(page.locator(".connected-app", has_text="Tiny test app")).to_contain_text(
            "New access authorization required.")
        expect(page.locator("a.bell")).to_have_accessible_name("Notifications: 1 unread")
        page.locator("a.bell").click()
        expect(page.locator(".notification").first).to_contain_text(
            "The Tiny test app App requires an authorization update. Please open the app to proceed.")

        # Opening it with the new scopes shows the wizard with NEW lines and the current ones.
        tiny.scopes = "read_products write_products"
        with page.context.expect_page() as opened:
            page.get_by_role("link", name="Open App").click()
        tab = opened.value
        tab.wait_for_url(re.compile(r".*/connect/apps/authorize\?client_id="))
        expect(tab.locator("main")).to_contain_text("View and edit products and product models")
        expect(tab.locator(".badge", has_text="NEW").first).to_be_visible()
        expect(tab.locator("main")).to_contain_text("Is already allowed to:")
        _walk_the_wizard(tab, tiny_url)
        expect(tab.locator("#tiny-scope")).to_have_text("read_products write_products")
        assert tiny.api("/api/rest/v1/products-uuid")[0] == 200

        # Delete the custom app from the App Store: the app is disconnected at once.
        page.goto(f"{servers.pim_url}/connect/app-store")
        page.locator(f"#app-{tiny.client_id}").get_by_role("link", name="Delete").click()
        expect(page.locator("main")).to_contain_text("You are about to delete your app from this PIM.")
        page.get_by_role("button", name="Delete").click()
        expect(page.locator(f"#app-{tiny.client_id}")).to_have_count(0)
        status, body = tiny.api("/api/rest/v1/products-uuid")
        assert status == 401 and body["message"] == DISCONNECTED
