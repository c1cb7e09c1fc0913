"""The catalog endpoints #1–#5 (catalogs-for-apps.md §3.1–§3.5) for a real connected app with a real
token: create, list, get, rename, delete; names, the 200-catalog limit, the 403 of each scope, and
another app's catalog answering 404."""
import uuid

import pytest

from pimconnect.db import write_txn
from pimconnect.models import Catalog, ConnectedApp
from pimconnect.services import catalogs
from tests.app_helpers import app_token, connect_code, register_listing
from tests.conftest import Api

URL = "/api/rest/v1/catalogs"
ALL_SCOPES = ("read_products", "read_catalogs", "write_catalogs", "delete_catalogs")
NOT_FOUND = 'Catalog "{}" does not exist or you can\'t access it.'


def connected_app(seeded_app, client, scopes=ALL_SCOPES, name="Catalog App"):
    """An Api for a newly connected app holding ``scopes``; its ``user_id`` is the catalogs' owner."""
    app_id, _ = register_listing(seeded_app, name)
    connect_code(seeded_app, app_id, list(scopes))
    api = Api(client, app_token(seeded_app, app_id))
    with seeded_app.app_context():
        api.user_id = ConnectedApp.get_by_id(app_id).connection.user_id
    api.app_id = app_id
    return api


@pytest.fixture
def app_api(seeded_app, client, conn):
    return connected_app(seeded_app, client)


def create(api, name="Store US"):
    answer = api.post(URL, json={"name": name})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_create_answers_201_with_a_disabled_catalog_and_stores_the_defaults(app_api):
    created = create(app_api)
    assert list(created) == ["id", "name", "enabled"]
    assert created["name"] == "Store US" and created["enabled"] is False
    assert uuid.UUID(created["id"]).version == 4
    stored = Catalog.get_by_id(created["id"])
    assert stored.owner_id == app_api.user_id
    assert stored.product_selection_criteria == [{"field": "enabled", "operator": "=", "value": True}]
    assert stored.product_value_filters == {} and stored.product_mapping == {}
    assert stored.product_mapping_schema is None


def test_get_answers_the_three_fields(app_api):
    created = create(app_api)
    answer = app_api.get(f"{URL}/{created['id']}")
    assert answer.status_code == 200
    assert answer.get_json() == created


def test_get_accepts_the_id_in_upper_case(app_api):
    created = create(app_api)
    assert app_api.get(f"{URL}/{created['id'].upper()}").get_json() == created


@pytest.mark.parametrize("body, errors", [
    ({"name": ""}, [{"property": "name", "message": "This value should not be blank."},
                    {"property": "name", "message": "This value is too short. It should have 1 character or more."}]),
    ({}, [{"property": "name", "message": "This value should not be blank."},
          {"property": "name", "message": "This value is too short. It should have 1 character or more."}]),
    ({"name": "x" * 256}, [{"property": "name", "message": "This value is too long. It should have 255 characters "
                                                           "or less."}]),
    ({"name": 12}, [{"property": "name", "message": "This value should be of type string."}]),
    ({"name": "a\x00b"}, [{"property": "name", "message": "This value should not contain the NUL character."}]),
])
def test_invalid_names_are_refused_on_create_and_patch(app_api, body, errors):
    expected = {"code": 422, "message": "Validation failed.", "errors": errors}
    answer = app_api.post(URL, json=body)
    assert (answer.status_code, answer.get_json()) == (422, expected)
    created = create(app_api)
    answer = app_api.patch(f"{URL}/{created['id']}", json=body)
    assert (answer.status_code, answer.get_json()) == (422, expected)
    assert Catalog.get_by_id(created["id"]).name == "Store US"


def test_names_of_1_and_255_characters_are_accepted(app_api):
    assert create(app_api, "x")["name"] == "x"
    assert create(app_api, "é" * 255)["name"] == "é" * 255


def test_patch_renames_and_ignores_every_other_key(app_api):
    created = create(app_api)
    answer = app_api.patch(f"{URL}/{created['id']}", json={
        "name": "Store EU", "enabled": True, "product_selection_criteria": [],
        "product_value_filters": {"channels": ["ecommerce"]}, "product_mapping": {"x": {}}, "managed_locales": []})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"id": created["id"], "name": "Store EU", "enabled": False}
    stored = Catalog.get_by_id(created["id"])
    assert stored.enabled is False and stored.name == "Store EU"
    assert stored.product_selection_criteria == [{"field": "enabled", "operator": "=", "value": True}]
    assert stored.product_value_filters == {} and stored.product_mapping == {}


def test_create_ignores_unknown_keys(app_api):
    answer = app_api.post(URL, json={"name": "Shop", "managed_currencies": ["EUR"], "enabled": True})
    assert answer.status_code == 201 and answer.get_json()["enabled"] is False


def test_delete_answers_204_and_the_catalog_is_gone(app_api):
    created = create(app_api)
    answer = app_api.delete(f"{URL}/{created['id']}")
    assert answer.status_code == 204 and answer.get_data() == b""
    answer = app_api.get(f"{URL}/{created['id']}")
    assert answer.status_code == 404
    assert answer.get_json() == {"code": 404, "message": NOT_FOUND.format(created["id"])}


@pytest.mark.parametrize("catalog_id", ["12351d98-200e-4bbc-aa19-7fdda1bd14f2", "not-a-uuid", "42"])
def test_unknown_and_non_uuid_ids_answer_404(app_api, catalog_id):
    for call in (app_api.get, app_api.delete):
        answer = call(f"{URL}/{catalog_id}")
        assert (answer.status_code, answer.get_json()) == (404, {"code": 404, "message": NOT_FOUND.format(catalog_id)})
    answer = app_api.patch(f"{URL}/{catalog_id}", json={"name": "x"})
    assert (answer.status_code, answer.get_json()["message"]) == (404, NOT_FOUND.format(catalog_id))


def test_another_apps_catalog_is_not_found_and_not_listed(seeded_app, client, app_api):
    theirs = create(connected_app(seeded_app, client, name="Other App"), "Theirs")
    for call in (app_api.get, app_api.delete):
        answer = call(f"{URL}/{theirs['id']}")
        assert (answer.status_code, answer.get_json()["message"]) == (404, NOT_FOUND.format(theirs["id"]))
    assert app_api.patch(f"{URL}/{theirs['id']}", json={"name": "Mine"}).status_code == 404
    assert app_api.get(URL).get_json()["_embedded"]["items"] == []
    assert Catalog.get_by_id(theirs["id"]).name == "Theirs"


def test_list_pages_in_id_order_with_links(app_api):
    ids = sorted(create(app_api, f"Catalog {n}")["id"] for n in range(5))
    first = app_api.get(f"{URL}?limit=2")
    assert first.status_code == 200
    body = first.get_json()
    assert list(body) == ["_links", "current_page", "_embedded"]
    assert body["current_page"] == 1
    assert body["_links"] == {"self": {"href": f"http://localhost{URL}?page=1&limit=2"},
                              "first": {"href": f"http://localhost{URL}?page=1&limit=2"},
                              "next": {"href": f"http://localhost{URL}?page=2&limit=2"}}
    items = body["_embedded"]["items"]
    assert [item["id"] for item in items] == ids[:2]
    assert items[0] == {"_links": {"self": {"href": f"http://localhost{URL}/{ids[0]}"}}, "id": ids[0],
                        "name": items[0]["name"], "enabled": False}
    last = app_api.get(f"{URL}?page=3&limit=2&with_count=true").get_json()
    assert [item["id"] for item in last["_embedded"]["items"]] == ids[4:]
    assert last["_links"] == {"self": {"href": f"http://localhost{URL}?page=3&limit=2"},
                              "first": {"href": f"http://localhost{URL}?page=1&limit=2"},
                              "previous": {"href": f"http://localhost{URL}?page=2&limit=2"}}
    assert "items_count" not in last
    default = app_api.get(URL).get_json()
    assert len(default["_embedded"]["items"]) == 5
    assert default["_links"]["self"]["href"] == f"http://localhost{URL}?page=1&limit=100"


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=x", "limit=0", "limit=101", "limit=abc", "limit="])
def test_list_parameters_out_of_range_answer_a_bare_400(app_api, query):
    answer = app_api.get(f"{URL}?{query}")
    assert (answer.status_code, answer.get_json()) == (400, {"code": 400, "message": "Bad Request"})


def test_a_page_beyond_any_offset_is_empty(app_api):
    create(app_api)
    answer = app_api.get(f"{URL}?page=78120000760956452864&limit=62")
    assert answer.status_code == 200 and answer.get_json()["_embedded"]["items"] == []


def test_the_201st_catalog_is_refused(seeded_app, app_api):
    with seeded_app.app_context(), write_txn():
        for n in range(catalogs.MAX_PER_APP - 1):
            catalogs.create(app_api.user_id, f"Catalog {n}")
    create(app_api, "The 200th")
    answer = app_api.post(URL, json={"name": "The 201st"})
    assert answer.status_code == 422
    assert answer.get_json() == {"code": 422, "message": "Validation failed.",
                                 "errors": [{"property": "", "message": "You can create up to 200 catalogs"}]}
    assert Catalog.select().where(Catalog.owner == app_api.user_id).count() == 200


def test_another_apps_catalogs_do_not_count_towards_the_limit(seeded_app, client, app_api):
    other = connected_app(seeded_app, client, name="Other App")
    with seeded_app.app_context(), write_txn():
        for n in range(catalogs.MAX_PER_APP):
            catalogs.create(other.user_id, f"Catalog {n}")
    created = create(app_api)
    assert [item["id"] for item in app_api.get(URL).get_json()["_embedded"]["items"]] == [created["id"]]


def test_body_rules(app_api):
    """Bad JSON → 400; a missing Content-Type is read as JSON (C2); a wrong one → 415."""
    for body in ("{", "[]", '"x"'):
        answer = app_api.post(URL, data=body, headers={"Content-Type": "application/json"})
        assert (answer.status_code, answer.get_json()["message"]) == (400, "Invalid json message received")
    answer = app_api.post(URL, data='{"name": "\\ud800"}', headers={"Content-Type": "application/json"})
    assert (answer.status_code, answer.get_json()["message"]) == (400, "Invalid json message received")
    answer = app_api.client.post(URL, data='{"name": "Bare"}',
                                 headers={"Authorization": f"Bearer {app_api.token}"})
    assert answer.status_code == 201, answer.get_json()
    answer = app_api.post(URL, data='{"name": "Form"}', headers={"Content-Type": "text/plain"})
    assert answer.status_code == 415
    assert answer.get_json()["message"] == '"text/plain" in "Content-Type" header is not valid. ' \
                                           'Only "application/json" is allowed.'
    created = create(app_api)
    answer = app_api.patch(f"{URL}/{created['id']}", data='{"name": "x"}', headers={"Content-Type": "text/xml"})
    assert answer.status_code == 415


def test_no_token_answers_401(client):
    for call, path in ((client.get, URL), (client.post, URL), (client.get, f"{URL}/x"), (client.delete, f"{URL}/x")):
        answer = call(path)
        assert (answer.status_code, answer.get_json()) == (401, {"code": 401, "message": "Authentication is required"})


READ = "Access forbidden. You are not allowed to access app catalogs."
EDIT = "Access forbidden. You are not allowed to edit app catalogs."
DELETE = "Access forbidden. You are not allowed to delete app catalogs."


@pytest.mark.parametrize("scopes, allowed", [
    ((), set()),
    (("read_products",), set()),
    (("read_catalogs",), {"list", "get"}),
    (("write_catalogs",), {"list", "get", "create", "patch"}),
    (("delete_catalogs",), {"list", "get", "create", "patch", "delete"}),
])
def test_each_scope_grants_its_endpoints_and_the_others_answer_403(seeded_app, client, app_api, scopes, allowed):
    catalog_id = create(app_api)["id"]
    api = connected_app(seeded_app, client, scopes, name="Scoped App")
    calls = {"list": (lambda: api.get(URL), READ), "get": (lambda: api.get(f"{URL}/{catalog_id}"), READ),
             "create": (lambda: api.post(URL, json={"name": "Mine"}), EDIT),
             "patch": (lambda: api.patch(f"{URL}/{catalog_id}", json={"name": "Mine"}), EDIT),
             "delete": (lambda: api.delete(f"{URL}/{catalog_id}"), DELETE)}
    for name, (call, message) in calls.items():
        answer = call()
        if name in allowed:
            assert answer.status_code in (200, 201, 404), (name, answer.get_json())  # 404: not its catalog
        else:
            assert (answer.status_code, answer.get_json()) == (403, {"code": 403, "message": message}), name


def test_a_deleted_apps_token_answers_401_and_its_catalogs_are_gone(seeded_app, app_api):
    from pimconnect.services.apps import connected as connected_apps

    catalog_id = create(app_api)["id"]
    with seeded_app.app_context():
        connected_apps.delete(ConnectedApp.get_by_id(app_api.app_id))
    answer = app_api.get(URL)
    assert (answer.status_code, answer.get_json()["message"]) == (
        401, "The access token provided is invalid. Your app has been disconnected from that PIM.")
    assert Catalog.get_or_none(Catalog.id == catalog_id) is None


def test_migration_0014_gives_apps_connected_before_it_the_catalog_acls(database_url):
    """An app connected with catalog scopes before 0014 (its role without the catalog ACLs) gets them
    on upgrade and can use the catalog endpoints without reconnecting; other roles are left alone."""
    from pimconnect import create_app, migrate
    from pimconnect.db import close_pools, db
    from pimconnect.models import Role
    from pimconnect.services.apps import connected as connected_apps
    from pimconnect.services.apps import listings as app_listings
    from tests.conftest import make_test_config

    catalog_acls = {"pim_api_catalog_list", "pim_api_catalog_edit", "pim_api_catalog_remove"}
    app = create_app(make_test_config(database_url))
    try:
        with app.app_context(), db.connection_context():
            migrate.upgrade(db.obj, target="0013_catalogs")
            roles = {}
            for name, scopes in (("Writer", ["read_products", "write_catalogs"]), ("Reader", ["read_products"]),
                                 ("Deleter", ["delete_catalogs"])):
                listing, _ = app_listings.register({
                    "id": str(uuid.uuid4()), "kind": "app", "name": name, "author": "Tests",
                    "activate_url": "https://app.example/activate", "callback_url": "https://app.example/callback",
                    "editions": ["ce", "ee"], "versions": []})
                with write_txn():
                    connected = connected_apps.create_connected_app(app_listings.find_app(listing.id), scopes)
                    role = Role.get_by_id(connected.role_id)
                    role.permissions = [p for p in role.permissions if p not in catalog_acls]  # as before 0014
                    role.save()
                roles[name] = (role.id, set(role.permissions), connected.id)

            assert migrate.upgrade(db.obj)[0] == "0014_catalog_acls"

            def acls(name):
                return set(Role.get_by_id(roles[name][0]).permissions)

            assert acls("Writer") == roles["Writer"][1] | {"pim_api_catalog_list", "pim_api_catalog_edit"}
            assert acls("Reader") == roles["Reader"][1]
            assert acls("Deleter") == roles["Deleter"][1] | catalog_acls
        api = Api(app.test_client(), app_token(app, roles["Writer"][2]))
        assert api.post(URL, json={"name": "After the upgrade"}).status_code == 201
        assert len(api.get(URL).get_json()["_embedded"]["items"]) == 1
    finally:
        close_pools()


def test_the_route_list_and_the_openapi_document_name_every_catalog_endpoint(seeded_app, client):
    routes = {(r["route"], method) for r in client.get("/api/rest/v1").get_json()["routes"].values()
              for method in r["methods"]}
    paths = client.get("/api/rest/v1/openapi.json").get_json()["paths"]
    for path, method in (("", "GET"), ("", "POST"), ("/{catalog_id}", "GET"), ("/{catalog_id}", "PATCH"),
                         ("/{catalog_id}", "DELETE"), ("/{catalog_id}/product-uuids", "GET"),
                         ("/{catalog_id}/products", "GET"), ("/{catalog_id}/products/{product_uuid}", "GET"),
                         ("/{catalog_id}/product-identifiers", "GET")):
        assert (URL + path, method) in routes
        assert method.lower() in paths[URL + path]
