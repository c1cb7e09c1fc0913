"""Issue 12's catalog journey in real Chromium, with the real PIM and the real Demo App as two live
servers: the administrator connects the Demo App (App Store, Connect, the wizard), opens its catalog
"Demo store" from the Demo App's link, adds three criteria (category in Ecommerce, a multi-select
attribute, completeness on ecommerce/en_US) watching the preview's count after each, enables the
catalog, and the Demo App shows exactly the selected products. The values are filtered to
ecommerce/en_US in a second catalog of the app: "Demo store" has the Demo App's mapping schema, so its
editor shows Product mapping instead of Filter the values (catalogs-for-apps.md §5.3, §8.2). Then the
attribute of the multi-select criterion is deleted: the catalog is disabled, the bell says so, and
the editor shows the row in red. The same journey without JavaScript up to enabling."""
import re

import pytest
import requests
from playwright.sync_api import expect
from werkzeug.datastructures import MultiDict

from pimconnect.db import db
from tests.e2e.test_apps_journey import _connect_demo_app
from tests.e2e.test_catalog_editor_journey import _add, _do
from tests.live_apps import live_apps

TAG = "journey_tags"  # a fresh multi-select attribute: deleting it needs no product to hold a value (§6.3 path)
THRESHOLD = 79  # completeness "> 79": the catalog criterion has =, !=, <, > on integer percents (§4.3), so ≥ 80
DISABLED_NOTICE = 'The catalog "Demo store" has been disabled because its configuration is no longer valid.'
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@pytest.fixture
def servers(tmp_path):
    """The PIM (CE: the app's user reads every product) and the Demo App, with the attribute
    "Journey tags" (options Hot, Cold) and Hot on about half the products."""
    with live_apps(tmp_path, edition="ce", products=60) as servers:
        _tag_products(servers)
        yield servers


def _tag_products(servers):
    """Hot on every other product, and so that each criterion narrows the selection whatever the
    random uuids: among the enabled products in Ecommerce, Hot is on an incomplete one and on a
    complete one, and a complete one has no Hot."""
    from pimconnect.models import Product
    from pimconnect.services.products.writes import save_product
    from pimconnect.services.structure import attribute_options, attributes

    untagged, _products = _expected(servers)
    complete, incomplete = untagged["without tag"], untagged["category"] - untagged["without tag"]
    assert len(complete) >= 2 and incomplete, {k: len(v) for k, v in untagged.items()}
    with servers.pim.app_context(), db.connection_context():
        attribute = attributes.save_attribute(None, MultiDict({"code": TAG, "group": "marketing",
                                                               "label-en_US": "Journey tags"}),
                                              "pim_catalog_multiselect")
        for code in ("hot", "cold"):
            attribute_options.add_option(attribute, MultiDict({"code": code, "label-en_US": code.title()}))
        products = list(Product.select().order_by(Product.uuid))
        hot = ({str(p.uuid) for p in products[::2]} | {min(incomplete), min(complete)}) - {max(complete)}
        for product in products:
            if str(product.uuid) in hot:
                save_product({"values": {TAG: [{"locale": None, "scope": None, "data": ["hot"]}]}}, product)


def _untag_every_product(servers):
    """What a user would do in each product's form before deleting the attribute: empty its values."""
    from pimconnect.models import Attribute, Product, ProductValue
    from pimconnect.services.products.writes import save_product

    with servers.pim.app_context(), db.connection_context():
        attribute = Attribute.get(Attribute.code == TAG)
        tagged = Product.select().where(Product.uuid.in_(
            ProductValue.select(ProductValue.product).where(ProductValue.attribute == attribute.id)))
        for product in list(tagged):
            save_product({"values": {TAG: [{"locale": None, "scope": None, "data": []}]}}, product)
        assert not ProductValue.select().where(ProductValue.attribute == attribute.id).exists()


def _expected(servers):
    """The selection after each criterion, computed in plain Python from the products' rows (not by
    the engine): {step: set of uuids} for status, + category, + tag, + completeness, and the three
    criteria but the tag's."""
    from pimconnect.models import Category, Channel, Locale, Product, ProductCategory, ProductCompleteness

    with servers.pim.app_context(), db.connection_context():
        root = Category.get(Category.code == "ecommerce")
        in_ecommerce = {str(pc.product_id) for pc in ProductCategory.select().join(Category).where(
            Category.path.startswith(root.path))}
        complete = {str(c.product_id) for c in ProductCompleteness.select().join(Channel).switch(
            ProductCompleteness).join(Locale).where((Channel.code == "ecommerce") & (Locale.code == "en_US")
                                                     & (ProductCompleteness.ratio > THRESHOLD))}
        products = list(Product.select())
    enabled = {str(p.uuid) for p in products if p.enabled}
    hot = {str(p.uuid) for p in products if any("hot" in (v.get("data") or []) for v in p.values.get(TAG, []))}
    steps = {"status": enabled}
    steps["category"] = steps["status"] & in_ecommerce
    steps["tag"] = steps["category"] & hot
    steps["completeness"] = steps["tag"] & complete
    steps["without tag"] = steps["category"] & complete  # once the tag's criterion is removed
    return steps, {str(p.uuid): p for p in products}


def _wording(uuids):
    return {0: "No products", 1: "1 product"}.get(len(uuids), f"{len(uuids)} products")


def _app_token(servers):
    from demo_app import storage

    with servers.demo.app_context():
        return storage.connection(servers.pim_url)["access_token"]


def _api(servers, method, path, **options):
    response = requests.request(method, f"{servers.pim_url}/api/rest/v1{path}", timeout=30,
                                headers={"Authorization": f"Bearer {_app_token(servers)}"}, **options)
    assert response.status_code < 300, response.text
    return response.json()


def _catalog(servers, name):
    from pimconnect.models import Catalog

    with servers.pim.app_context(), db.connection_context():
        return Catalog.get(Catalog.name == name)


def _open_the_catalog_from_the_demo_app(tab):
    expect(tab.locator("#catalog-state")).to_have_text("Disabled")
    with tab.context.expect_page() as opened:
        tab.get_by_role("link", name="Open the catalog in the PIM").click()
    editor = opened.value
    editor.wait_for_load_state()
    expect(editor.locator("h1")).to_have_text("Demo store")
    return editor


def _add_the_three_criteria(page, js, steps):
    """Category in (children of) Ecommerce, Journey tags in Hot, completeness > 79 on ecommerce/en_US:
    the preview's count after each is the one computed in the test."""
    count = page.locator("#preview-count")
    expect(count).to_have_text(_wording(steps["status"]))

    _add(page, js, "Category")
    _do(page, js, lambda: page.select_option("#c1-operator", "IN CHILDREN"))
    _do(page, js, page.locator("#c1-picker label.candidate", has_text="Ecommerce").first.locator("input").click)
    expect(page.locator("#c1-picker label.chip")).to_contain_text("Ecommerce")
    expect(count).to_have_text(_wording(steps["category"]))

    _add(page, js, "Journey tags", search="journey")
    _do(page, js, page.locator("#c2-picker label.candidate", has_text="Hot").first.locator("input").click)
    expect(page.locator("#c2-picker label.chip")).to_contain_text("Hot")
    expect(count).to_have_text(_wording(steps["tag"]))

    _add(page, js, "Completeness")
    _do(page, js, lambda: page.select_option("#c3-operator", ">"))
    _do(page, js, lambda: page.select_option("#c3-scope", "ecommerce"))
    _do(page, js, lambda: page.select_option("#c3-locale", "en_US"))
    page.fill("#c3-value", str(THRESHOLD))
    _do(page, js, lambda: page.locator("#c3-value").dispatch_event("change"))
    expect(count).to_have_text(_wording(steps["completeness"]))
    assert page.locator("#catalog-preview li").count() == min(len(steps["completeness"]), 10)


def _enable_and_save(page, js):
    """Enable status Yes, then Save. With htmx the change posts the form first: its swap is awaited, so
    that Save is not clicked on the form being replaced."""
    if js:
        _do(page, js, lambda: page.select_option("#enabled", "yes"))
    else:
        page.select_option("#enabled", "yes")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".flash")).to_contain_text("Catalog successfully saved.")


def _filter_the_values_in_a_second_catalog(servers, editor, js):
    """"Demo store" has a mapping schema: its tabs are Settings, Product selection, Product mapping
    (§5.3). The app's second catalog, without schema, has Filter the values: ecommerce and en_US,
    enabled; its products then carry only those channels' and locales' values (§5.2)."""
    tabs = editor.locator("nav.tabs a")
    expect(tabs).to_have_text(["Settings", "Product selection", "Product mapping"])
    created = _api(servers, "POST", "/catalogs", json={"name": "Journey values"})

    editor.locator("nav.breadcrumb").get_by_role("link", name="Demo App").click()
    editor.get_by_role("link", name="Journey values").click()
    expect(editor.locator("h1")).to_have_text("Journey values")
    expect(tabs).to_have_text(["Settings", "Product selection", "Filter the values"])
    editor.get_by_role("link", name="Filter the values").click()
    for select, codes in (("#filters-channels", ["ecommerce"]), ("#filters-locales", ["en_US"])):
        if js:  # each change posts the form; without JavaScript, Save below sends both
            _do(editor, js, lambda: editor.select_option(select, codes))
        else:
            editor.select_option(select, codes)
    _enable_and_save(editor, js)
    expect(editor.locator("#filters-channels option:checked")).to_have_text(["ecommerce"])
    expect(editor.locator("#filters-locales option:checked")).to_have_text(["en_US"])

    stored = _catalog(servers, "Journey values")
    assert stored.id == created["id"] and stored.enabled
    assert stored.product_value_filters == {"channels": ["ecommerce"], "locales": ["en_US"]}
    items = _api(servers, "GET", f"/catalogs/{created['id']}/products", params={"limit": 100})["_embedded"]["items"]
    contexts = {(value["scope"], value["locale"]) for item in items for values in item["values"].values()
                for value in values}
    assert items and ("ecommerce", "en_US") in contexts, contexts
    assert {scope for scope, _ in contexts} <= {None, "ecommerce"}, contexts
    assert {locale for _, locale in contexts} <= {None, "en_US"}, contexts


def _shown(tab, servers, kind):
    """Every uuid the Demo App lists on its ``kind`` pages (Next page links followed) and the rows."""
    tab.goto(f"{servers.demo_url}/catalog/{kind}")
    uuids, rows = [], []
    while True:
        table = tab.locator(f"#catalog-{kind}")
        expect(table).to_be_visible()
        uuids += tab.locator(f"#catalog-{kind} tbody code").all_inner_texts()
        rows += [row.locator("td").all_inner_texts() for row in table.locator("tbody tr").all()]
        following = tab.locator("a.next-page")
        if not following.count():
            return uuids, rows
        following.click()
        tab.wait_for_load_state()


def _check_the_demo_app(tab, servers, selected, products):
    """The Demo App shows exactly the selected products, with their en_US names, and maps them."""
    tab.goto(f"{servers.demo_url}/")
    expect(tab.locator("#catalog-state")).to_contain_text("Enabled")
    expect(tab.locator("#catalog-message")).to_have_count(0)
    uuids, rows = _shown(tab, servers, "products")
    assert sorted(uuids) == uuids == sorted(selected)
    names = {str(p.uuid): next((v["data"] for v in p.values.get("name", []) if v.get("locale") == "en_US"), "")
             for p in products.values()}
    assert [row[1] for row in rows] == [names[uuid] for uuid in uuids]
    mapped, rows = _shown(tab, servers, "mapped-products")
    assert mapped == uuids
    assert all(re.fullmatch(UUID, row[0]) for row in rows)


@pytest.fixture
def tab_problems(page):
    """CSP violations and page errors of the tabs the journey opens (the Demo App's, the editor's,
    the notification's), which the ``page`` fixture does not watch: they fail the test too."""
    problems = []

    def watch(tab):
        tab.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
        tab.on("pageerror", lambda exc: problems.append(str(exc)))

    page.context.on("page", watch)
    yield problems
    assert problems == [], problems


def _the_journey_up_to_enabling(page, servers, js):
    steps, products = _expected(servers)
    assert len(steps["status"]) > len(steps["category"]) > len(steps["tag"]) > len(steps["completeness"]) > 0, \
        {k: len(v) for k, v in steps.items()}
    assert steps["without tag"] != steps["completeness"]
    tab, _steps = _connect_demo_app(page, servers)
    editor = _open_the_catalog_from_the_demo_app(tab)
    _add_the_three_criteria(editor, js, steps)
    _enable_and_save(editor, js)
    catalog = _catalog(servers, "Demo store")
    assert catalog.enabled and [c["field"] for c in catalog.product_selection_criteria] == [
        "enabled", "categories", TAG, "completeness"]
    _check_the_demo_app(tab, servers, steps["completeness"], products)
    _filter_the_values_in_a_second_catalog(servers, editor, js)
    return tab, editor, catalog, steps, products


def test_the_catalog_journey_with_javascript(page, servers, tab_problems):
    """Up to enabling, then the attribute of a criterion deleted: disabled, notified, the row in red."""
    tab, editor, catalog, steps, products = _the_journey_up_to_enabling(page, servers, js=True)

    _untag_every_product(servers)
    editor.goto(f"{servers.pim_url}/settings/attributes/{TAG}")
    editor.get_by_role("button", name="Delete this attribute").click()
    expect(editor.locator(".flash")).to_contain_text(f'Attribute "{TAG}" deleted.')
    assert not _catalog(servers, "Demo store").enabled

    tab.goto(f"{servers.demo_url}/")
    expect(tab.locator("#catalog-state")).to_have_text("Disabled")
    expect(tab.locator("#catalog-message")).to_contain_text(f"The catalog {catalog.id} has been disabled")

    editor.goto(f"{servers.pim_url}/")
    expect(editor.locator("a.bell")).to_contain_text("unread")
    editor.locator("a.bell").click()
    notice = editor.locator("main li", has_text=DISABLED_NOTICE)
    expect(notice).to_have_count(1)
    with editor.context.expect_page() as opened:
        notice.get_by_role("link").first.click()
    editor = opened.value
    editor.wait_for_load_state()
    expect(editor.locator("h1")).to_have_text("Demo store")
    expect(editor.locator("#enabled")).to_have_value("no")
    row = editor.locator("#criterion-2")
    expect(row).to_contain_text(f"[{TAG}]")
    expect(row.locator(".form-error")).to_have_text("This attribute has been deleted.")
    red = "rgb(192, 57, 43)"  # --red
    assert row.locator(".form-error").evaluate("e => getComputedStyle(e).color") == red
    assert row.evaluate("e => getComputedStyle(e).borderTopColor") == red
    expect(editor.locator("nav.tabs a", has_text="Product selection").locator(".pill.danger")).to_have_count(1)
    expect(row.locator("select, input[type=checkbox]")).to_have_count(0)  # it can only be removed (§8.4)

    # Repaired: the row removed, the catalog enabled again, the Demo App shows the other criteria's selection.
    _do(editor, True, row.get_by_role("button", name="Remove").click)
    expect(editor.locator("#preview-count")).to_have_text(_wording(steps["without tag"]))
    _enable_and_save(editor, True)
    _check_the_demo_app(tab, servers, steps["without tag"], products)


@pytest.mark.parametrize("page", [False], indirect=True, ids=["without-js"])
def test_the_catalog_journey_without_javascript(page, servers, tab_problems):
    """The same journey with JavaScript off (named submit buttons, whole pages) up to enabling."""
    _, _, catalog, steps, _ = _the_journey_up_to_enabling(page, servers, js=False)
    assert catalog.enabled and len(steps["completeness"]) > 0
