"""Real Akeneo client libraries from PyPI against a live server: what a connector built on them
does (token, paging, batch upsert, identifier products, structure reads and writes) works.

akeneo-api-client 1.2.1: password grant on first call; refresh grant when a call gets 401;
``products-uuid`` walked through ``_links.next`` (it always sends ``with_count=true``, also with
``pagination_type=search_after``); batch upsert as NDJSON.
pyakeneo 1.1.0: password grant, then a refresh grant once its clock says the token expires
(it does not retry on 401); sends ``Content-Type: application/json`` on every request, GET too;
batch bodies end with a newline.
"""
import datetime
import time
import uuid

import pytest
import requests
from akeneo_api_client.client_builder import ClientBuilder
from pyakeneo.client import Client as PyAkeneo

from pimconnect import create_app, migrate
from pimconnect.db import db, write_txn
from pimconnect.models import ApiToken, Attribute, AttributeOption, Category, Currency, Locale, Product
from pimconnect.models.structure import utcnow
from pimconnect.services.connections.tokens import digest
from tests.conftest import fresh_database_url, make_test_config
from tests.live_api import live_api

DEMO_PRODUCTS = 25


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from pimconnect.services.demo import seed as demo

    with fresh_database_url(tmp_path_factory.mktemp("clients")) as url:
        app = create_app(make_test_config(url))
        with db.connection_context():
            migrate.upgrade(db.obj)
            demo.seed_if_empty(app.config, products=DEMO_PRODUCTS)
        with live_api(app, code="clients") as api:
            yield api


def in_db(live, function):
    with live.app.app_context(), db.connection_context():
        return function()


def expire_access_token(live, value):
    """Time passes for the server: the access token's expiry moves to the past."""
    def expire():
        with write_txn():
            ApiToken.update(expires_at=utcnow() - datetime.timedelta(seconds=1)).where(
                ApiToken.token_hash == digest(value)).execute()
    in_db(live, expire)


def token_answer(live, value):
    return requests.get(f"{live.url}/api/rest/v1/locales", headers={"Authorization": f"Bearer {value}"}, timeout=30)


def sku(value):
    return {"sku": [{"locale": None, "scope": None, "data": value}]}


# --- akeneo-api-client ------------------------------------------------------------------------

@pytest.fixture
def akeneo(live):
    c = live.credentials
    return ClientBuilder(live.url).build_authenticated_by_password(c.username, c.password, c.client_id, c.secret)


def test_akeneo_client_password_grant(akeneo):
    assert akeneo.authentication.access_token == ""
    assert akeneo.locale_api.get("en_US") == {"code": "en_US", "enabled": True}
    assert akeneo.authentication.access_token and akeneo.authentication.refresh_token


def test_akeneo_client_walks_products_uuid_through_next_links(live, akeneo):
    pages = list(akeneo.product_uuid_api.all(page_size=7, query_params={}))
    uuids = [item["uuid"] for page in pages for item in page]
    expected = in_db(live, lambda: sorted(str(p.uuid) for p in Product.select(Product.uuid)))
    assert sorted(uuids) == expected and len(uuids) >= DEMO_PRODUCTS
    assert [len(page) for page in pages[:-1]] == [7] * (len(pages) - 1)
    assert all("identifier" not in item and item["_links"]["self"]["href"].endswith(item["uuid"])
               for page in pages for item in page)


def test_akeneo_client_batch_upsert(live, akeneo):
    new = [str(uuid.uuid4()) for _ in range(3)]
    lines = [{"uuid": u, "family": "hats", "values": sku(f"akeneo-client-{n}")} for n, u in enumerate(new)]
    assert akeneo.product_uuid_api.upsert_list(lines) == [
        {"line": n + 1, "uuid": u, "status_code": 201} for n, u in enumerate(new)]
    updates = [{"uuid": u, "enabled": False} for u in new] + [{"uuid": new[0], "family": "no_such_family"}]
    results = akeneo.product_uuid_api.upsert_list(updates)
    assert [r["status_code"] for r in results] == [204, 204, 204, 422]
    assert results[3]["line"] == 4 and results[3]["uuid"] == new[0] and results[3]["message"]
    product = akeneo.product_uuid_api.get(new[1])
    assert product["enabled"] is False and product["values"]["sku"][0]["data"] == "akeneo-client-1"


def test_akeneo_client_refreshes_on_401(live, akeneo):
    akeneo.locale_api.get("en_US")
    old = akeneo.authentication.access_token
    expire_access_token(live, old)
    assert akeneo.locale_api.get("fr_FR")["code"] == "fr_FR"
    assert akeneo.authentication.access_token != old
    assert token_answer(live, old).json() == {"code": 401, "message": "The access token provided has expired."}


def test_akeneo_client_hides_errors_other_than_401(live, akeneo):
    """A client bug, not ours: ``AuthenticatedHttpClient.send_request`` catches ``AkeneoApiError``
    and re-raises nothing unless the status is 401, so a 404 reaches the caller as ``None`` (and
    ``ProductUuidApi.get`` fails on ``None.content``). The server's answer is the reference's."""
    missing = str(uuid.UUID(int=7))
    with pytest.raises(AttributeError):
        akeneo.product_uuid_api.get(missing)
    response = requests.get(f"{live.url}/api/rest/v1/products-uuid/{missing}", headers=live.bearer, timeout=30)
    assert response.status_code == 404
    assert response.json() == {"code": 404, "message": f'Product "{missing}" does not exist or you do not have '
                                                       "permission to access it."}


# --- pyakeneo ---------------------------------------------------------------------------------

@pytest.fixture
def pyakeneo(live):
    c = live.credentials
    return PyAkeneo(live.url, c.client_id, c.secret, c.username, c.password)


def test_pyakeneo_password_grant_then_refresh(live, pyakeneo):
    auth = pyakeneo._session.auth
    assert pyakeneo.locales.fetch_item("en_US")["enabled"] is True
    old_token, old_refresh = auth._token, auth._refresh_token
    expire_access_token(live, old_token)
    auth._expiry_date = time.time()  # and for the client: its token is due for renewal
    assert pyakeneo.locales.fetch_item("de_DE")["code"] == "de_DE"
    assert auth._token != old_token and auth._refresh_token != old_refresh
    assert token_answer(live, old_token).status_code == 401
    # The refresh token was used up (rotation): a second refresh with it is refused.
    reuse = requests.post(f"{live.url}/api/oauth/v1/token", headers=live.basic, timeout=30,
                          json={"grant_type": "refresh_token", "refresh_token": old_refresh})
    assert reuse.json() == {"code": 422, "message": "Refresh token is invalid or has expired"}


def test_pyakeneo_identifier_products(live, pyakeneo):
    products = pyakeneo.products
    listed = [item["identifier"] for item in products.fetch_list({"limit": 10})]
    assert sorted(listed) == in_db(live, lambda: sorted(p.identifier for p in Product.select(Product.identifier)))

    products.create_item({"identifier": "pyakeneo-1", "family": "hats",
                          "values": {"name": [{"locale": "en_US", "scope": None, "data": "Client hat"}]}})
    item = products.fetch_item("pyakeneo-1")
    assert item["identifier"] == "pyakeneo-1" and item["family"] == "hats"
    assert item["values"]["name"] == [{"locale": "en_US", "scope": None, "data": "Client hat"}]

    location = products.update_create_item({"identifier": "pyakeneo-1", "enabled": False})
    assert location == f"{live.url}/api/rest/v1/products/pyakeneo-1"
    assert products.fetch_item("pyakeneo-1")["enabled"] is False

    results = products.update_create_list([{"identifier": "pyakeneo-1", "enabled": True},
                                           {"identifier": "pyakeneo-2", "family": "bags"}])
    assert [(r["identifier"], r["status_code"]) for r in results] == [("pyakeneo-1", 204), ("pyakeneo-2", 201)]

    products.delete_item("pyakeneo-2")
    with pytest.raises(requests.HTTPError) as refused:
        products.fetch_item("pyakeneo-2")
    assert refused.value.response.status_code == 404


def test_pyakeneo_structure_reads(live, pyakeneo):
    attributes = {a["code"]: a for a in pyakeneo.attributes.fetch_list()}
    assert attributes["sku"]["type"] == "pim_catalog_identifier" and len(attributes) == 20
    assert pyakeneo.attributes.fetch_item("weight")["metric_family"] == "Weight"

    options = [o["code"] for o in pyakeneo.attributes.options("color").fetch_list()]
    assert options == in_db(live, lambda: sorted(
        o.code for o in AttributeOption.select().join(Attribute).where(Attribute.code == "color")))
    assert pyakeneo.attributes.options("color").fetch_item("black")["attribute"] == "color"

    families = [f["code"] for f in pyakeneo.families.fetch_list()]
    assert families == sorted(families) and {"hats", "bags", "clothing", "kitchenware"} <= set(families)
    assert "ecommerce" in pyakeneo.families.fetch_item("hats")["attribute_requirements"]

    categories = [(c["code"], c["parent"]) for c in pyakeneo.categories.fetch_list({"limit": 100})]
    seen = set()
    for code, parent in categories:  # tree pre-order: a parent comes before its children
        assert parent is None or parent in seen, code
        seen.add(code)
    assert len(categories) == in_db(live, lambda: Category.select().count())
    assert pyakeneo.categories.fetch_item("master_hats")["parent"] == "master_accessories"

    channel = pyakeneo.channels.fetch_item("ecommerce")
    assert channel["category_tree"] == "master" and set(channel["currencies"]) == {"EUR", "USD"}
    assert {c["code"] for c in pyakeneo.channels.fetch_list()} == {"ecommerce", "mobile", "print"}

    locales = {loc["code"]: loc["enabled"] for loc in pyakeneo.locales.fetch_list({"limit": 100})}
    assert locales == in_db(live, lambda: {loc.code: loc.enabled for loc in Locale.select()})
    currencies = {c["code"]: c["enabled"] for c in pyakeneo.currencies.fetch_list()}
    assert currencies == in_db(live, lambda: {c.code: c.enabled for c in Currency.select()})

    types = [t["code"] for t in pyakeneo.association_types.fetch_list()]
    assert types and pyakeneo.association_types.fetch_item(types[0])["code"] == types[0]


def test_pyakeneo_structure_writes(pyakeneo):
    pyakeneo.categories.create_item({"code": "pyakeneo_cat", "parent": "master", "labels": {"en_US": "Client"}})
    assert pyakeneo.categories.update_create_item({"code": "pyakeneo_cat", "labels": {"fr_FR": "Client FR"}})
    assert pyakeneo.categories.fetch_item("pyakeneo_cat")["labels"] == {"en_US": "Client", "fr_FR": "Client FR"}

    colors = pyakeneo.attributes.options("color")
    colors.create_item({"code": "pyakeneo_purple", "attribute": "color", "labels": {"en_US": "Purple"}})
    assert colors.fetch_item("pyakeneo_purple")["labels"] == {"en_US": "Purple"}

    results = pyakeneo.association_types.update_create_list([{"code": "pyakeneo_pack", "labels": {"en_US": "Pack"}},
                                                             {"code": "pyakeneo_pack", "labels": {"en_US": "Pack 2"}}])
    assert [r["status_code"] for r in results] == [201, 204]
    assert pyakeneo.association_types.fetch_item("pyakeneo_pack")["labels"] == {"en_US": "Pack 2"}
