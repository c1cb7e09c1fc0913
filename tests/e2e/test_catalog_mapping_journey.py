"""The catalog editor's Product mapping tab in real Chromium (issue 12): pick a source per target, fill in
the parameters it asks for, watch a new source reset them, then save and enable — with htmx (a change
posts the form and swaps the editor) and with JavaScript off (each row's Apply submit)."""

import pytest
from playwright.sync_api import expect

from pimconnect.db import db
from pimconnect.models import Catalog
from tests.e2e.catalog_shop import live_shop, posted
from tests.e2e.conftest import login
from tests.e2e.test_ui_layout import AXE_SCRIPT, _axe_problems

SCHEMA = {"$schema": "https://api.akeneo.com/mapping/product/0.0.13/schema", "type": "object",
          "properties": {"uuid": {"type": "string"}, "title": {"type": "string", "title": "Product name"},
                         "weight": {"type": "number"}},
          "required": ["uuid", "title"]}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A live PIM with the demo structure and an app owning two catalogs with a schema: (app, base URL,
    connection code, [catalog ids])."""
    with live_shop(tmp_path_factory.mktemp("mapping"), "Mapping Shop", 10,
                   ("Mapped with htmx", "Mapped without JavaScript"), schema=SCHEMA) as shop:
        yield shop


def _row(page, target):
    return page.locator("tr.mapping-row", has=page.locator("code", has_text=target))


def _choose(page, js, target, name, value):
    """Choose ``value`` in the target row's ``name`` select and wait for the round trip."""
    select = _row(page, target).locator(f"select[name$='-{name}']")
    if not js:
        select.select_option(value)
        _row(page, target).get_by_role("button", name="Apply").click()
        return
    posted(page, lambda: select.select_option(value))


@pytest.mark.parametrize("page, js", [(True, True), (False, False)], ids=["htmx", "no-js"], indirect=["page"])
def test_map_targets_then_enable(shop, page, js):
    app, base, _, ids = shop
    catalog_id = ids[0] if js else ids[1]
    if js:
        page.context.add_init_script(AXE_SCRIPT)
    login(page, base, "admin")
    page.goto(f"{base}/connect/apps/v1/catalogs/{catalog_id}?tab=mapping")
    expect(_row(page, "uuid")).to_contain_text("The UUID is a technical product identifier.")
    expect(_row(page, "title").locator("select[name$='-source'] option:checked")).to_have_text(
        "Define a content source")

    _choose(page, js, "title", "source", "name")
    _choose(page, js, "title", "locale", "en_US")
    _choose(page, js, "weight", "source", "weight")
    _choose(page, js, "weight", "unit", "KILOGRAM")
    expect(_row(page, "weight").locator("select[name$='-unit']")).to_have_value("KILOGRAM")
    _choose(page, js, "weight", "source", "capacity")  # another measurement: its unit starts empty
    expect(_row(page, "weight").locator("select[name$='-unit']")).to_have_value("")
    if js:  # the tab with parameters and an error under an input
        page.get_by_role("button", name="Save").first.click()
        expect(_row(page, "weight")).to_contain_text("The unit must not be empty.")
        assert _axe_problems(page) == []
    _choose(page, js, "weight", "unit", "LITER")
    expect(_row(page, "title").locator("select[name$='-locale']")).to_have_value("en_US")

    if js:  # the change posts the form: Save waits for its swap (not clicked on the form being replaced)
        posted(page, lambda: page.select_option("#enabled", "yes"))
    else:
        page.select_option("#enabled", "yes")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".flash")).to_contain_text("Catalog successfully saved.")
    with app.app_context(), db.connection_context():
        catalog = Catalog.get_by_id(catalog_id)
    assert catalog.enabled is True
    assert catalog.product_mapping == {
        "uuid": {"source": "uuid", "scope": None, "locale": None},
        "title": {"source": "name", "scope": None, "locale": "en_US"},
        "weight": {"source": "capacity", "scope": None, "locale": None, "parameters": {"unit": "LITER"}},
    }
