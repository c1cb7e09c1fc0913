"""Layout and accessibility in real Chromium (issue 14), without screenshots: element boxes, page widths,
and axe-core's serious and critical violations on every page of the seed's journeys."""
import threading

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from werkzeug.serving import make_server

from pimconnect import create_app, migrate
from pimconnect.db import db, write_txn
from pimconnect.models import User
from pimconnect.services.apps import codes as app_codes
from pimconnect.services.apps import store as app_store
from pimconnect.services.demo import seed as demo
from tests.app_helpers import APP_ID, app_token, authorize_url, connect_code, register_app, register_listing
from tests.conftest import fresh_database_url, make_test_config
from tests.e2e.conftest import login
from tests.test_app_store import DEMO_ID, LINGUA_ID, add_custom_app

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def ui(tmp_path_factory):
    """A live PIM with demo products, the App Store, one connected app, one pending app and a custom app."""
    with fresh_database_url(tmp_path_factory.mktemp("ui")) as url:
        app = create_app(make_test_config(url, PIM_DEMO_PRODUCTS=30))
        with app.app_context(), db.connection_context():
            migrate.upgrade(db.obj)
            demo.seed_if_empty(app.config, products=30)
            app_store.load_shipped()
        register_app(app)  # the wizard's app (never confirmed: its callback is not served)
        shop, _ = register_listing(app, "Shop Sync", author="Shop Sync Incorporated")
        pending, _ = register_listing(app, "Pending Feed", author="Feeds Limited")
        codes = {"shop": connect_code(app, shop, ["read_products", "read_catalog_structure"]),
                 "pending": connect_code(app, pending)}
        app_token(app, shop)
        with app.app_context(), db.connection_context(), write_txn():
            app_codes.issue_code(app_codes.app_client(pending), User.get(User.username == "admin"))
        add_custom_app(app, name="Julia's test app", creator="julia")
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        app.config["PIM_URL"] = f"http://127.0.0.1:{server.server_port}"
        yield app.config["PIM_URL"], codes
        server.shutdown()
        thread.join(timeout=5)


def _box(page, selector):
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return box


def _overlap(a, b):
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def _page_scrolls_sideways(page):
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_connected_app_cards_give_their_text_room(ui, page, viewport):
    """The state line ("Developed by…", "App not connected…") is wider than 150 px and beside the logo."""
    base, codes = ui
    page.set_viewport_size(viewport)
    login(page, base, "admin")
    page.goto(f"{base}/connect/connected-apps")
    for code in codes.values():
        card = f"#connected-app-{code}"
        state, logo = _box(page, f"{card} .state"), _box(page, f"{card} .app-logo")
        assert state["width"] > 150, (code, state)
        assert not _overlap(state, logo)
        assert state["height"] < 4 * 22, (code, state)  # a few lines, not one word per line
    assert not _page_scrolls_sideways(page)


def test_products_grid_does_not_scroll_the_phone_page(ui, page):
    """At 390 px the grid scrolls inside its own box; the page itself does not scroll sideways."""
    base, _ = ui
    page.set_viewport_size(PHONE)
    login(page, base, "admin")
    page.goto(f"{base}/products/")
    assert not _page_scrolls_sideways(page)
    assert page.locator("#product-count").inner_text() == "30 products"
    scroller = page.locator(".table-scroll")
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")  # the table is wider: it scrolls in there
    assert page.locator(".products-grid img.thumb").count() > 0


def test_custom_app_form_errors_sit_under_their_input(ui, page):
    """Label in the first column, input and its error message in the second, nothing overlapping."""
    base, _ = ui
    page.set_viewport_size(DESKTOP)
    login(page, base, "admin")
    page.goto(f"{base}/connect/custom-apps/create")
    page.fill("#name", "Layout app")
    page.fill("#activate_url", "https://layout.example/activate")
    page.fill("#callback_url", "http://not-local.example/callback")
    page.click("#create-custom-app button[type=submit]")
    page.wait_for_selector("#callback_url-error")
    label, field, error = (_box(page, s) for s in ("label[for=callback_url]", "#callback_url", "#callback_url-error"))
    assert not _overlap(label, field) and not _overlap(field, error) and not _overlap(label, error)
    assert abs(error["x"] - field["x"]) < 2 and error["y"] >= field["y"] + field["height"] - 1
    assert label["x"] < field["x"]
    helper = _box(page, "#create-custom-app .helper")
    assert abs(helper["x"] - field["x"]) < 2


def test_app_settings_heading_spans_the_form(ui, page):
    """Settings tab: the heading across, the flow-type select beside its label and below the heading."""
    base, codes = ui
    page.set_viewport_size(DESKTOP)
    login(page, base, "admin")
    page.goto(f"{base}/connect/connected-apps/{codes['shop']}")
    heading, label, select = (_box(page, s) for s in ("#app-settings h2", "label[for=flow_type]", "#flow_type"))
    assert select["y"] >= heading["y"] + heading["height"] - 1 and label["y"] >= heading["y"] + heading["height"] - 1
    assert not _overlap(label, select) and abs(label["y"] - select["y"]) < 12
    check = _box(page, "#app-settings label.check")
    assert abs(check["x"] - select["x"]) < 2
    # The title starts where the breadcrumb does (left-aligned, not centred).
    title, crumb = _box(page, "main h1"), _box(page, "main .breadcrumb")
    assert abs(title["x"] - crumb["x"]) < 2  # this app has no logo: the title comes first


def test_more_menu_is_a_styled_menu(ui, page):
    """The "…" menu opens a panel above the page, without bullets."""
    base, codes = ui
    login(page, base, "admin")
    page.goto(f"{base}/connect/connected-apps/{codes['shop']}")
    page.click("details.menu > summary")
    panel = page.locator("details.menu > ul")
    assert panel.evaluate("el => getComputedStyle(el).listStyleType") == "none"
    assert panel.evaluate("el => getComputedStyle(el).position") == "absolute"
    assert page.get_by_role("link", name="Delete").is_visible()


def test_product_save_stays_on_screen(ui, page):
    """On a phone, the product page's Save button is visible without scrolling to the bottom."""
    base, _ = ui
    page.set_viewport_size(PHONE)
    login(page, base, "admin")
    page.goto(f"{base}/products/")
    page.locator(".products-grid a", has_text="Open").first.click()
    page.wait_for_selector(".product-form")
    assert page.evaluate("document.documentElement.scrollHeight") > PHONE["height"] * 2
    page.mouse.wheel(0, 600)
    page.wait_for_timeout(100)
    save = page.locator(".product-form button.primary", has_text="Save")
    box = save.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], box
    assert not _page_scrolls_sideways(page)


# -- axe-core over every page of the journeys ------------------------------------------------------

# axe-core is loaded into every document of the sweep's browser context as it is created
# (add_init_script) rather than sent over the DevTools pipe and evaluated after each navigation
# (axe-playwright-python's Axe.run): the same script and the same axe.run, ~0.2 s less a page.
RUN_AXE = "axe.run({resultTypes: ['violations']}).then(results => results.violations)"


def _axe_problems(page):
    """The serious and critical axe-core violations of the page, as readable lines."""
    return [f"{page.url} {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}"
            for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical")]


def _journey_pages(codes):
    shop = f"/connect/connected-apps/{codes['shop']}"
    return ["/", "/products/", "/settings/", "/settings/attribute-groups/", "/settings/attributes/",
            "/settings/families/", "/settings/categories", "/settings/channels", "/settings/locales",
            "/settings/currencies", "/settings/measurements", "/connect/app-store", f"/connect/app-store/{LINGUA_ID}",
            f"/connect/app-store/{DEMO_ID}", "/connect/connected-apps", shop, f"{shop}?tab=permissions",
            f"{shop}?tab=catalogs", f"{shop}?tab=error_monitoring", f"{shop}/delete",
            "/connect/custom-apps/create", "/connect/connection-settings", "/connect/connection-settings/new",
            "/system/", "/notifications/"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_serious_axe_violation_on_the_journeys(ui, page, viewport):
    """Login, home, products, a product, settings, App Store, More info, connected apps and their tabs,
    the custom app form, connections and the wizard's steps: 0 serious or critical axe violations."""
    base, codes = ui
    page.context.add_init_script(AXE_SCRIPT)
    page.set_viewport_size(viewport)
    page.goto(f"{base}/login")
    problems = _axe_problems(page)
    login(page, base, "admin")
    for path in _journey_pages(codes):
        response = page.goto(base + path)
        assert response.status == 200, path
        problems += _axe_problems(page)
    page.goto(f"{base}/products/")
    page.locator(".products-grid a", has_text="Open").first.click()
    page.wait_for_selector(".product-form")
    problems += _axe_problems(page)
    page.goto(base + authorize_url(client_id=APP_ID, scope="read_products"))
    page.wait_for_selector("#wizard")
    problems += _axe_problems(page)  # Authorizations
    page.check("input[name=consent]")
    page.click("button:has-text('Allow and next')")
    page.wait_for_selector("#permissions-category")
    problems += _axe_problems(page)  # Permissions
    page.click("button:has-text('Next')")
    page.wait_for_selector("#permissions-summary")
    problems += _axe_problems(page)  # Summary (never confirmed: the app's callback is not served)
    assert problems == [], "\n".join(problems)
