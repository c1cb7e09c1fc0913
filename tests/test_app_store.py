"""Connect -> App Store: the shipped catalogue, listing per edition and version, sections, search,
card states, the Manage apps and connections-limit gates, activate, More info, and `flask apps`."""
import json
import pathlib
import re
import uuid

import pytest

from pimconnect.db import db, is_sqlite, write_txn
from pimconnect.models import ApiToken, CustomApp, MarketplaceApp, User
from pimconnect.services import crypto
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.apps import codes as app_codes
from pimconnect.services.apps import store as app_store
from tests.conftest import make_connection

STORE = "/connect/app-store"
DEMO_ID = "7f3c1d2e-5b6a-4c8d-9e0f-1a2b3c4d5e6f"
NORTHWIND_ID = "3b1f6c2a-8d4e-4f7a-9b2c-5e6d7f8a9b01"  # certified, external More info URL, long description
LINGUA_ID = "c2d4e6f8-1a3b-4c5d-8e7f-9a0b1c2d3e4f"  # EE only, version 7.0 only, built-in More info page
SHOPLINE_ID = "9e8d7c6b-5a49-4382-a716-151413121110"  # activate URL with a query string
QUILL_ID = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"  # CE only
OLDTOWN_ID = "2f3e4d5c-6b7a-4980-b1c2-d3e4f5a6b7c8"  # version 6.0 only
CARTWRIGHT_ID = "8a9b0c1d-2e3f-4a4b-9c5d-6e7f8a9b0c1d"  # a connector
UNLISTED_ID = "5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716"  # a UUID no listing has (fixed: xdist workers must collect the same ids)
HINT = "Please get in touch with an Administrator."
XSS = '"><svg onload=alert(1)>'


@pytest.fixture
def shipped(seeded_app):
    """The demo users and the shipped App Store listings as shipped: the Demo App and examples."""
    with seeded_app.app_context(), db.connection_context():
        assert app_store.load_shipped() > 0
    return seeded_app


@pytest.fixture
def store(shipped):
    """The shipped listings as if an operator had registered those apps for real (not examples).

    Their varied data (editions, versions, query strings, external pages, long descriptions) exercise
    the store's rules; the example behaviour has its own tests below.
    """
    with shipped.app_context(), db.connection_context(), write_txn():
        MarketplaceApp.update(example=False).execute()
    return shipped


@pytest.fixture
def store_admin(store, admin):
    return admin


def page_of(app, search="", **config):
    """The App Store page model, as the service builds it with ``config`` overrides."""
    app.config.update(config)
    with app.app_context(), db.connection_context():
        return app_store.store_page(search)


def connect_buttons(html):
    """{app id: what its card offers: "link" (enabled Connect), "disabled", "connected", "pending", None}."""
    states = {}
    for card_id, body in re.findall(r'<li class="app-card" id="app-([0-9a-f-]+)"(.*?)</li>', html, re.S):
        if "pending-state" in body:
            states[card_id] = "pending"
        elif f'href="/connect/apps/activate?id={card_id}"' in body:
            states[card_id] = "link"
        elif re.search(r"<button[^>]*disabled[^>]*>Connect</button>", body, re.S):
            states[card_id] = "disabled"
        elif ">Connected</button>" in body:
            states[card_id] = "connected"
        else:
            states[card_id] = None
    return states


def add_custom_app(app, name="My ERP sync", creator="admin"):
    with app.app_context(), db.connection_context():
        with write_txn():
            user = User.get(User.username == creator) if creator else None
            row = CustomApp.create(client_id=str(uuid.uuid4()), secret_encrypted=crypto.encrypt("s3cret"), name=name,
                                   activate_url="https://custom.example/activate",
                                   callback_url="https://custom.example/callback", creator=user)
    return row.client_id


def connect(app, app_id, code=False, token=False):
    """Connect ``app_id`` as the wizard would; optionally issue it a code, then a token."""
    from pimconnect.services.apps.connected import create_connected_app

    with app.app_context(), db.connection_context():
        with write_txn():
            info = app_listings.find_app(app_id)
            connected = create_connected_app(info, ["read_products"])
            client = connected.connection.client
            admin = User.get(User.username == "admin")
            if code:
                app_codes.issue_code(client, admin)
            if token:
                ApiToken.create(token_hash=uuid.uuid4().hex * 2, kind="access", client=client,
                                user=connected.connection.user, scope="read_products")


# -- listing per edition and version, order, sections -------------------------------------

def test_ee_lists_apps_and_connectors_of_its_edition(store):
    """EE lists the EE and both-edition listings; CE-only and other-version listings are hidden."""
    page = page_of(store, PIM_EDITION="ee", PIM_VERSION="7.0.0")
    apps = {card.id for card in page.apps}
    assert {DEMO_ID, NORTHWIND_ID, LINGUA_ID, SHOPLINE_ID} <= apps
    assert QUILL_ID not in apps and OLDTOWN_ID not in apps
    assert [card.name for card in page.connectors] == ["Cartwright Commerce Connector", "Orbit Search Indexer",
                                                       "Ledgerline ERP Connector"]
    assert page.total == len(page.apps) + len(page.connectors) == 11


def test_ce_hides_ee_only_listings(store):
    """CE lists the CE-only app and hides the EE-only apps and connector."""
    page = page_of(store, PIM_EDITION="ce")
    apps = {card.id for card in page.apps}
    assert QUILL_ID in apps and LINGUA_ID not in apps
    assert "Orbit Search Indexer" not in [card.name for card in page.connectors]
    assert page.total == 8


def test_version_decides_compatibility(store):
    """A listing for version 6.0 only shows on a 6.0 PIM, and a 7.0-only listing disappears there."""
    apps = {card.id for card in page_of(store, PIM_VERSION="6.0.3").apps}
    assert OLDTOWN_ID in apps and LINGUA_ID not in apps


def test_order_is_certified_then_newest(store):
    """Certified apps come first, then the others, each group newest first (reference §8.2)."""
    names = [card.name for card in page_of(store, PIM_EDITION="ee").apps]
    assert names == ["Lingua Flow Translations", "Northwind ERP Bridge", "Assetory DAM Link",
                     "PIM Connect Demo App", "Shopline Sync", "FeedHarbor Marketplaces",
                     "PrintPress Catalog Studio", "Pricewise Channel Pricing"]


def test_page_shows_helper_counts_and_sections(store, store_admin, client):
    """The helper counts apps and connectors; Apps shows "{n} apps"; no custom-apps section without one."""
    html = client.get(STORE).get_data(as_text=True)
    assert "There are 11 apps and connectors compatible with your PIM version." in html
    assert "8 apps" in html and "3 connectors" in html
    assert 'id="custom-apps-title"' not in html
    assert 'placeholder="Search by name"' in html


def test_custom_apps_section_lists_every_custom_app(store, store_admin, client):
    """"Custom apps" (everyone's, not only mine) appears once a custom app exists, with its creator, without More info."""
    app_id = add_custom_app(store)
    add_custom_app(store, name="Orphan app", creator=None)
    html = client.get(STORE).get_data(as_text=True)
    assert '<h2 id="custom-apps-title">Custom apps</h2>' in html and "My custom apps" not in html
    card = re.search(rf'id="app-{app_id}".*?</li>', html, re.S).group(0)
    assert "My ERP sync" in card and "Developed by John Doe" in card and "More info" not in card
    assert "Developed by Removed user" in html
    assert connect_buttons(html)[app_id] == "link"


def test_create_an_app_and_delete_need_the_custom_apps_permission(store, client):
    """"Create an app" and a custom app's Delete link show only with "Create and delete custom apps"."""
    from tests.factories import login_with, login_without

    app_id = add_custom_app(store)
    creator = login_with(store, ["akeneo_connectivity_connection_manage_test_apps"])
    html = creator.client.get(STORE).get_data(as_text=True)
    assert '<a class="button" href="/connect/custom-apps/create">Create an app</a>' in html
    assert f'href="/connect/custom-apps/{app_id}/delete"' in html
    assert connect_buttons(html)[app_id] == "disabled"  # connecting needs Manage apps
    other = login_without(store, "akeneo_connectivity_connection_manage_test_apps")
    html = other.client.get(STORE).get_data(as_text=True)
    assert "Create an app" not in html and "/delete" not in html
    assert connect_buttons(html)[app_id] == "link"


def test_empty_apps_section_says_so(seeded_app, admin, client):
    """With no compatible app the Apps section shows the reference's empty message."""
    html = client.get(STORE).get_data(as_text=True)
    assert "No apps compatible with your version" in html and "0 apps" in html
    assert "There are 0 apps and connectors compatible with your PIM version." in html


# -- search ---------------------------------------------------------------------------------------

def test_search_filters_every_section_case_insensitively(store, store_admin, client):
    """?search= keeps names containing the text, in any case, in every section, and shows the count."""
    add_custom_app(store, name="Connector tester")
    html = client.get(STORE, query_string={"search": "CONNECTOR"}).get_data(as_text=True)
    assert "3 results" in html
    assert "Connector tester" in html and "Cartwright Commerce Connector" in html
    assert "Ledgerline ERP Connector" in html and "Shopline Sync" not in html
    assert "No app matches your search." in html
    assert "There are 11 apps and connectors" in html  # the helper counts the whole store


def test_search_with_one_result(store, store_admin, client):
    html = client.get(STORE, query_string={"search": "sync"}).get_data(as_text=True)
    assert "1 result" in html and "Shopline Sync" in html and "Northwind" not in html


def test_search_answers_the_results_fragment_to_htmx(store, store_admin, client):
    """htmx active search gets only the results (no page shell); a plain GET gets the page."""
    response = client.get(STORE, query_string={"search": "demo"}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers["Vary"]
    assert "<html" not in html and "PIM Connect Demo App" in html and "1 result" in html
    assert "<html" in client.get(STORE, query_string={"search": "demo"}).get_data(as_text=True)


# -- cards -----------------------------------------------------------------------------------------

def test_card_shows_author_partner_first_category_and_certified_badge(store, store_admin, client):
    html = client.get(STORE).get_data(as_text=True)
    card = re.search(rf'id="app-{NORTHWIND_ID}".*?</li>', html, re.S).group(0)
    assert "Developed by Northwind Systems" in card
    assert "PIM Connect Preferred Partner" in card
    assert ">ERP<" in card and "Supply chain" not in card  # the first category only
    assert "Certified" in card


def test_long_description_is_cut_with_read_more(store, store_admin, client):
    """Over 150 characters: the first 139 and "…", then "read more" to More info (new tab)."""
    with store.app_context(), db.connection_context():
        full = MarketplaceApp.get_by_id(NORTHWIND_ID).description
    html = client.get(STORE).get_data(as_text=True)
    card = re.search(rf'id="app-{NORTHWIND_ID}".*?</li>', html, re.S).group(0)
    assert full[:139] + "…" in card and full[:140] not in card
    assert re.search(r'<a href="https://www.northwind-erp.example/pim-connect" target="_blank" rel="noopener">read more</a>',
                     card)
    short = re.search(rf'id="app-{SHOPLINE_ID}".*?</li>', html, re.S).group(0)
    assert "read more" not in short


@pytest.mark.parametrize("length, cut", [(150, False), (151, True)])
def test_cut_description_boundary(length, cut):
    text, is_cut = app_store.cut_description("x" * length)
    assert is_cut is cut
    assert text == ("x" * 139 + "…" if cut else "x" * 150)


def test_card_states_connect_connected_pending(store, store_admin, client):
    """Connect until connected; Pending... while the app has a code but no token; then Connected."""
    connect(store, DEMO_ID, code=True)
    connect(store, NORTHWIND_ID, code=True, token=True)
    buttons = connect_buttons(client.get(STORE).get_data(as_text=True))
    assert buttons[DEMO_ID] == "pending"
    assert buttons[NORTHWIND_ID] == "connected"
    assert buttons[SHOPLINE_ID] == "link"
    assert buttons[CARTWRIGHT_ID] is None  # a connector has no Connect


def test_connected_without_any_code_is_connected(store):
    connect(store, SHOPLINE_ID)
    with store.app_context(), db.connection_context():
        assert app_store.connection_states() == {SHOPLINE_ID: "connected"}


# -- gates ----------------------------------------------------------------------------------------

def test_admin_gets_connect_links_in_a_new_tab(store, store_admin, client):
    html = client.get(STORE).get_data(as_text=True)
    assert (f'<a class="button primary connect" href="/connect/apps/activate?id={DEMO_ID}" target="_blank" '
            f'rel="noopener">Connect</a>') in html
    assert HINT not in html


def test_julia_sees_connect_disabled_and_the_hint(store, julia, client):
    """Without Manage apps Connect is a disabled button and the page says to ask an administrator."""
    html = client.get(STORE).get_data(as_text=True)
    buttons = connect_buttons(html)
    assert buttons[DEMO_ID] == "disabled" and "link" not in buttons.values()
    assert "you don't have the Manage apps permission on your PIM. " + HINT in html
    assert "/connect/apps/activate" not in html
    assert 'href="/connect/connected-apps"' not in html  # the Apps menu is hidden too


def test_limit_reached_disables_connect_and_warns(store, store_admin, client):
    """At PIM_MAX_CONNECTIONS, Connect is disabled with the limit message, and activate answers 400."""
    store.config["PIM_MAX_CONNECTIONS"] = 1
    with store.app_context(), db.connection_context():
        make_connection("erp")
    add_custom_app(store)
    html = client.get(STORE).get_data(as_text=True)
    assert html.count("You reached the limit of 1 connections and connected Apps.") == 2  # custom apps + Apps
    assert "link" not in connect_buttons(html).values()
    response = client.get("/connect/apps/activate", query_string={"id": DEMO_ID})
    assert response.status_code == 400
    assert "App and connections limit reached" in response.get_data(as_text=True)


# -- activate ------------------------------------------------------------------------------------

def test_activate_redirects_with_pim_url(store, store_admin, client):
    """The activate URL gets ?pim_url=<urlencoded PIM URL> (reference §2.1 step 2)."""
    response = client.get("/connect/apps/activate", query_string={"id": DEMO_ID})
    assert response.status_code == 302
    assert response.headers["Location"] == "http://127.0.0.1:8081/activate?pim_url=http%3A%2F%2Flocalhost"


def test_activate_appends_with_ampersand_after_a_query(store, store_admin, client):
    response = client.get("/connect/apps/activate", query_string={"id": SHOPLINE_ID})
    assert response.headers["Location"] == ("https://connect.shopline-sync.example/activate?source=pim"
                                            "&pim_url=http%3A%2F%2Flocalhost")


def test_activate_a_custom_app(store, store_admin, client):
    app_id = add_custom_app(store)
    response = client.get("/connect/apps/activate", query_string={"id": app_id})
    assert response.headers["Location"] == "https://custom.example/activate?pim_url=http%3A%2F%2Flocalhost"


def test_with_pim_url_keeps_a_fragment_last():
    assert (app_store.with_pim_url("https://a.example/go?x=1#top", "https://pim.example")
            == "https://a.example/go?x=1&pim_url=https%3A%2F%2Fpim.example#top")


@pytest.mark.parametrize("app_id", ["", "nope", UNLISTED_ID, CARTWRIGHT_ID, QUILL_ID, "x" * 500])
def test_activate_unknown_connector_or_incompatible_is_404(store, store_admin, client, app_id):
    assert client.get("/connect/apps/activate", query_string={"id": app_id}).status_code == 404


def test_activate_without_manage_apps_is_403(store, julia, client):
    assert client.get("/connect/apps/activate", query_string={"id": DEMO_ID}).status_code == 403


def test_activate_anonymous_goes_to_login(store, client):
    response = client.get("/connect/apps/activate", query_string={"id": DEMO_ID})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# -- More info -----------------------------------------------------------------------------------

def test_more_info_opens_the_external_url_or_the_builtin_page(store, store_admin, client):
    html = client.get(STORE).get_data(as_text=True)
    assert (f'<a class="button" href="/connect/app-store/{LINGUA_ID}" target="_blank" rel="noopener">More info</a>'
            in html)
    assert ('<a class="button" href="https://www.northwind-erp.example/pim-connect" target="_blank" '
            'rel="noopener">More info</a>') in html


def test_builtin_more_info_page(store, julia, client):
    """The built-in page shows the documentation, the screenshots and the seller's contact."""
    html = client.get(f"{STORE}/{LINGUA_ID}").get_data(as_text=True)
    assert "Lingua Flow Translations" in html and "Documentation" in html
    assert "Translators work in the Lingua Flow editor" in html
    assert re.search(r'<img src="/static/apps/screenshot-translations\.[0-9a-f]{12}\.svg"', html)  # versioned
    assert '<a href="mailto:hello@linguaflow.example" rel="noopener">hello@linguaflow.example</a>' in html
    assert HINT in html  # julia cannot connect from here either


def test_builtin_more_info_of_a_connector_has_no_connect(store, store_admin, client):
    html = client.get(f"{STORE}/4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a").get_data(as_text=True)
    assert "Ledgerline ERP Connector" in html and "Connection settings" in html
    assert "/connect/apps/activate" not in html


@pytest.mark.parametrize("app_id", ["nope", UNLISTED_ID, QUILL_ID])
def test_more_info_of_unknown_or_hidden_listing_is_404(store, store_admin, client, app_id):
    assert client.get(f"{STORE}/{app_id}").status_code == 404


def test_listing_text_is_escaped_and_bad_urls_are_not_linked(store, store_admin, client):
    """Names are escaped; a javascript: URL or logo registered by mistake never becomes a link."""
    with store.app_context(), db.connection_context():
        app_listings.register({"id": str(uuid.uuid4()), "name": XSS, "author": XSS, "editions": ["ee"],
                                "url": "javascript:alert(1)", "logo": "javascript:alert(2)",
                                "activate_url": "javascript:alert(3)", "callback_url": "https://x.example/cb",
                                "description": XSS, "categories": [XSS]})
    html = client.get(STORE).get_data(as_text=True)
    assert XSS not in html and "&#34;&gt;&lt;svg onload=alert(1)&gt;" in html
    assert "javascript:" not in html


# -- shipped catalogue and CLI -------------------------------------------------------------------

def test_load_shipped_is_idempotent_and_keeps_secrets(seeded_app):
    """A second load changes nothing: same listings, same encrypted secrets."""
    with seeded_app.app_context(), db.connection_context():
        assert app_store.load_shipped() == 13
        before = {row.id: (row.secret_encrypted, row.updated) for row in MarketplaceApp.select()}
        assert app_store.load_shipped() == 0
        after = {row.id: (row.secret_encrypted, row.updated) for row in MarketplaceApp.select()}
        assert before == after
        connectors = MarketplaceApp.select().where(MarketplaceApp.kind == "connector")
        assert all(row.secret_encrypted is None for row in connectors)
        assert all(row.secret_encrypted for row in MarketplaceApp.select().where(MarketplaceApp.kind == "app"))


def test_load_shipped_points_the_demo_app_at_pim_demo_app_url(seeded_app):
    seeded_app.config["PIM_DEMO_APP_URL"] = "http://demo.example:9000"
    with seeded_app.app_context(), db.connection_context():
        app_store.load_shipped()
        demo = MarketplaceApp.get_by_id(DEMO_ID)
        assert (demo.activate_url, demo.callback_url) == ("http://demo.example:9000/activate",
                                                          "http://demo.example:9000/callback")
        assert demo.author == "PIM Connect" and demo.editions == ["ce", "ee"] and not demo.certified


def test_load_shipped_keeps_operator_listings(seeded_app, tmp_path):
    """An operator's listing under a shipped id is not overwritten by the next load."""
    path = _listing_file(tmp_path, id=DEMO_ID, name="Our own demo", activate_url="https://own.example/a")
    result = seeded_app.test_cli_runner().invoke(args=["apps", "register", str(path)])
    assert result.exit_code == 0, result.output
    with seeded_app.app_context(), db.connection_context():
        app_store.load_shipped()
        row = MarketplaceApp.get_by_id(DEMO_ID)
        assert (row.name, row.source, row.activate_url) == ("Our own demo", "operator", "https://own.example/a")


def _listing_file(tmp_path, **changes):
    data = {"id": str(uuid.uuid4()), "kind": "app", "name": "Acme PIM Sync", "author": "Acme",
            "logo": "https://acme.example/logo.svg", "description": "Sync.", "categories": ["ERP"],
            "activate_url": "https://acme.example/activate", "callback_url": "https://acme.example/callback",
            "editions": ["ce", "ee"], "versions": []}
    data.update(changes)
    path = tmp_path / f"listing-{uuid.uuid4().hex}.json"
    path.write_text(json.dumps(data))
    return path


def test_cli_register_prints_the_secret_once_and_stores_it_encrypted(seeded_app, tmp_path, database_url):
    path = _listing_file(tmp_path)
    runner = seeded_app.test_cli_runner()
    result = runner.invoke(args=["apps", "register", str(path)])
    assert result.exit_code == 0, result.output
    secret = re.search(r"Client secret \(shown once, stored encrypted\): (\S+)", result.output).group(1)
    app_id = json.loads(path.read_text())["id"]
    with seeded_app.app_context(), db.connection_context():
        row = MarketplaceApp.get_by_id(app_id)
        assert row.source == "operator" and secret not in row.secret_encrypted
        assert app_listings.app_secret(app_id) == secret
        if not is_sqlite():
            stored = db.execute_sql("SELECT * FROM marketplace_app WHERE id = %s", (app_id,)).fetchone()
            assert not any(secret in str(value) for value in stored)
    if database_url.startswith("sqlite:///"):
        assert secret.encode() not in pathlib.Path(database_url[len("sqlite:///"):]).read_bytes()
    again = runner.invoke(args=["apps", "register", str(path)])
    assert again.exit_code == 0 and "Client secret" not in again.output
    with seeded_app.app_context(), db.connection_context():
        assert app_listings.app_secret(app_id) == secret  # kept


def test_cli_register_reads_the_secret_from_stdin(seeded_app, tmp_path):
    path = _listing_file(tmp_path)
    result = seeded_app.test_cli_runner().invoke(args=["apps", "register", str(path), "--secret-stdin"],
                                              input="the-operators-secret\n")
    assert result.exit_code == 0, result.output
    assert "the-operators-secret" not in result.output and "Client secret" not in result.output
    with seeded_app.app_context(), db.connection_context():
        assert app_listings.app_secret(json.loads(path.read_text())["id"]) == "the-operators-secret"


@pytest.mark.parametrize("changes, problem", [
    ({"id": "not-a-uuid"}, "id must be a UUID"),
    ({"activate_url": "javascript:alert(1)"}, "activate_url must be an http(s) URL"),
    ({"editions": ["pro"]}, "editions must be a list of ce and/or ee"),
    ({"callback_url": None}, "callback_url is required"),
    ({"secret": "x"}, "use --secret-stdin"),
])
def test_cli_register_refuses_bad_listings(seeded_app, tmp_path, changes, problem):
    result = seeded_app.test_cli_runner().invoke(args=["apps", "register", str(_listing_file(tmp_path, **changes))])
    assert result.exit_code != 0 and problem in result.output
    with seeded_app.app_context(), db.connection_context():
        assert MarketplaceApp.select().count() == 0


def test_cli_list_and_load_shipped(seeded_app):
    runner = seeded_app.test_cli_runner()
    assert "13 created or updated" in runner.invoke(args=["apps", "load-shipped"]).output
    assert "0 created or updated" in runner.invoke(args=["apps", "load-shipped"]).output
    output = runner.invoke(args=["apps", "list"]).output
    assert re.search(rf"{OLDTOWN_ID}\s+app\s+hidden\s+shipped", output)
    assert re.search(rf"{DEMO_ID}\s+app\s+listed\s+shipped", output)


def test_db_upgrade_loads_the_shipped_catalogue(seeded_app):
    result = seeded_app.test_cli_runner().invoke(args=["db-upgrade"])
    assert result.exit_code == 0, result.output
    assert "App Store: 13 shipped listings created or updated." in result.output
    with seeded_app.app_context(), db.connection_context():
        assert MarketplaceApp.select().count() == 13


# -- examples: no button leads nowhere ------------------------------------------------------------

def test_only_the_demo_app_is_shipped_as_a_real_listing():
    """Every shipped listing but the Demo App points at hosts that do not exist, so it is an example."""
    listings = json.loads(app_store.SHIPPED_FILE.read_text(encoding="utf-8"))["listings"]
    assert [item["id"] for item in listings if not item.get("example")] == [DEMO_ID]


def test_example_listings_have_no_active_connect_and_no_dead_link(shipped, admin, client):
    """Examples show an Example badge, a disabled Connect and why; the page links nowhere outside the PIM."""
    html = client.get(STORE).get_data(as_text=True)
    buttons = connect_buttons(html)
    assert buttons[DEMO_ID] == "link"
    assert {state for card_id, state in buttons.items() if card_id != DEMO_ID} <= {"disabled", None}
    assert "/connect/apps/activate" not in html.replace(f"/connect/apps/activate?id={DEMO_ID}", "")
    card = re.search(rf'id="app-{SHOPLINE_ID}".*?</li>', html, re.S).group(0)
    assert '<span class="badge warn example">Example</span>' in card
    assert f'disabled aria-describedby="example-{SHOPLINE_ID}">Connect</button>' in card
    assert (f'<p class="example-note" id="example-{SHOPLINE_ID}">Example listing: this app is not installed on this '
            "PIM. Register your own with <code>flask apps register</code>.</p>") in card
    assert re.findall(r'href="(?![/#])[^"]*"', html) == []  # Northwind's More info went to a host that does not exist
    assert f'href="/connect/app-store/{NORTHWIND_ID}"' in html  # the built-in page instead
    assert "flask --app app apps register my-app.json" in html  # how self-hosters list their own


def test_example_cannot_be_activated_or_authorized(shipped, admin, client):
    """Activate answers 404 for an example, like for an unknown app: nothing leads to its host."""
    response = client.get("/connect/apps/activate", query_string={"id": SHOPLINE_ID})
    assert response.status_code == 404
    with shipped.app_context(), db.connection_context():
        assert app_listings.find_app(SHOPLINE_ID) is None and app_listings.find_app(DEMO_ID) is not None


def test_example_more_info_page_has_no_dead_links(shipped, admin, client):
    """The built-in page of an example keeps its description but links to no seller or website."""
    html = client.get(f"{STORE}/{LINGUA_ID}").get_data(as_text=True)
    assert "Translators work in the Lingua Flow editor" in html and "Example listing:" in html
    assert "mailto:" not in html and "Contact the seller" not in html
    assert f'disabled aria-describedby="example-{LINGUA_ID}">Connect</button>' in html
    assert re.findall(r'href="(?![/#])[^"]*"', client.get(f"{STORE}/{NORTHWIND_ID}").get_data(as_text=True)) == []
