"""The catalog editor in real Chromium (issue 12): from the app's Catalogs tab, add a category criterion
and a multi-select criterion, watch the live preview's count change, then enable the catalog — with
htmx, and the same journey with JavaScript off (named submit buttons, whole-page round trips)."""

import pytest
from playwright.sync_api import expect

from pimconnect.db import db
from pimconnect.models import Catalog
from tests.e2e.catalog_shop import live_shop, posted
from tests.e2e.conftest import IDLE, login


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A live PIM with 80 demo products and an app owning two new catalogs: (app, base URL, connection
    code, [catalog ids])."""
    with live_shop(tmp_path_factory.mktemp("catalogs"), "Catalog Shop", 80,
                   ("Store with htmx", "Store without JavaScript")) as shop:
        yield shop


def _do(page, js, action):
    """Do ``action`` and wait for its round trip: with htmx the editor's swap after the change it
    posts; without JavaScript the Update preview submit (a change alone sends nothing)."""
    if not js:
        action()
        page.get_by_role("button", name="Update preview").click()
        return
    posted(page, action)


def _add(page, js, label, search=None):
    page.locator("#criterion-picker summary").click()
    if search and js:
        with page.expect_response(lambda response: "/attributes" in response.url):  # the live search
            page.fill("#picker_search", search)
        page.wait_for_function(IDLE)
    elif search:
        page.fill("#picker_search", search)
        page.get_by_role("button", name="Search").click()
    button = page.locator("#picker-list button.pick", has_text=label).first
    if js:
        with page.expect_response(lambda response: response.request.method == "POST"):
            button.click()
        page.wait_for_function(IDLE)
    else:
        button.click()


@pytest.mark.parametrize("page, js", [(True, True), (False, False)], ids=["htmx", "no-js"], indirect=["page"])
def test_select_products_watch_the_preview_then_enable(shop, page, js):
    """Category IN CHILDREN Ecommerce, then Seasons IN Summer: the count changes each time; Save enables."""
    app, base, code, ids = shop
    catalog_id = ids[0] if js else ids[1]
    name = "Store with htmx" if js else "Store without JavaScript"
    login(page, base, "admin")
    page.goto(f"{base}/connect/connected-apps/{code}?tab=catalogs")
    page.get_by_role("link", name=name).click()
    expect(page.locator("h1")).to_have_text(name)
    count = page.locator("#preview-count")
    expect(count).to_contain_text("products")
    first = count.inner_text()

    _add(page, js, "Category")
    expect(page.locator("#c1-operator")).to_be_visible()
    _do(page, js, lambda: page.select_option("#c1-operator", "IN CHILDREN"))
    ecommerce = page.locator("#c1-picker label.candidate", has_text="Ecommerce").first.locator("input")
    _do(page, js, ecommerce.click)
    expect(page.locator("#c1-picker label.chip")).to_contain_text("Ecommerce")
    expect(count).not_to_have_text(first)
    second = count.inner_text()

    _add(page, js, "Seasons", search="seas")
    expect(page.locator("#c2-operator")).to_be_visible()
    summer = page.locator("#c2-picker label.candidate", has_text="Summer").first.locator("input")
    _do(page, js, summer.click)
    expect(page.locator("#c2-picker label.chip")).to_contain_text("Summer")
    expect(count).not_to_have_text(second)
    assert page.locator("#catalog-preview li").count() > 0

    if js:  # the change posts the form: Save waits for its swap (not clicked on the form being replaced)
        posted(page, lambda: page.select_option("#enabled", "yes"))
    else:
        page.select_option("#enabled", "yes")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".flash")).to_contain_text("Catalog successfully saved.")
    with app.app_context(), db.connection_context():
        catalog = Catalog.get_by_id(catalog_id)
    assert catalog.enabled is True
    assert [c["field"] for c in catalog.product_selection_criteria] == ["enabled", "categories", "seasons"]
    assert catalog.product_selection_criteria[1]["value"] == ["ecommerce"]
