"""EE permissions: the REST API leaks issue 13 listed, each with its regression test (rest-api-and-permissions.md
§9.2, §9.3) — search on what the reader cannot see, media files onto or of hidden products, associations to
hidden products, a no-op PATCH of a view-only product, counts and batch lines."""
import io
import json

import pytest

from pimconnect.models import ConnectedApp, MediaFile, Product
from pimconnect.services.access import group_permissions
from tests.app_helpers import app_token, connect_code, register_listing
from tests.conftest import Api
from tests.test_api_ee_permissions import URL, _levels, app_api  # noqa: F401 (fixture)

UUID_URL = "/api/rest/v1/products-uuid"
MEDIA = "/api/rest/v1/media-files"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DOC = " Check the expected format on the API documentation."


def _search(api, search, **params):
    return api.get(URL, query_string={"search": json.dumps(search), **params})


@pytest.mark.parametrize("search, params, message", [
    ({"material": [{"operator": "EMPTY"}]}, {},
     'Filter on property "material" is not supported or does not support operator "EMPTY"'),
    ({"categories": [{"operator": "IN", "value": ["print_traditional"]}]}, {},
     'Category "print_traditional" does not exist.'),
    ({"name": [{"operator": "NOT EMPTY", "locale": "de_DE"}]}, {},
     'Locale "de_DE" does not exist or is not activated.'),
    ({"name": [{"operator": "NOT EMPTY"}]}, {"search_locale": "de_DE"},
     'Locale "de_DE" does not exist or is not activated.'),
])
def test_search_on_what_the_reader_cannot_see_does_not_exist(app_api, api, search, params, message):  # noqa: F811
    answer = _search(app_api, search, **params)
    assert answer.status_code == 422 and answer.get_json() == {"code": 422, "message": message}
    assert _search(api, search, **params).status_code == 200  # it exists for a reader who sees it


def test_search_on_what_the_reader_sees_answers(app_api):  # noqa: F811
    answer = _search(app_api, {"categories": [{"operator": "IN", "value": ["master_shirts"]}],
                               "name": [{"operator": "NOT EMPTY", "locale": "fr_FR"}]})
    assert answer.status_code == 200
    assert sorted(i["identifier"] for i in answer.get_json()["_embedded"]["items"]) == ["hat-both", "hat-master"]


def test_counts_are_the_readers(app_api, api):  # noqa: F811
    assert app_api.get(f"{URL}?with_count=true").get_json()["items_count"] == 4
    assert api.get(f"{URL}?with_count=true").get_json()["items_count"] == 5


def test_completeness_shows_only_the_readers_locales(app_api, api):  # noqa: F811
    locales = {entry["locale"] for entry in app_api.get(f"{URL}/hat-master?with_completenesses=true")
               .get_json().get("completenesses", [])}
    everything = {entry["locale"] for entry in api.get(f"{URL}/hat-master?with_completenesses=true")
                  .get_json().get("completenesses", [])}
    assert "de_DE" in everything and locales == everything - {"de_DE"}
    listed = app_api.get(f"{URL}?with_completenesses=true&limit=100").get_json()["_embedded"]["items"]
    assert all(entry["locale"] != "de_DE" for item in listed for entry in item["completenesses"])


def test_a_no_op_patch_of_a_view_only_product_answers_204(app_api):  # noqa: F811
    before = Product.get(Product.identifier == "hat-shop")
    for body in ({"identifier": "hat-shop"}, {"enabled": True}, {"categories": ["ecommerce_sale"]},
                 {"values": {"name": [{"locale": "en_US", "scope": None, "data": "Hat en_US"}]}}):
        answer = app_api.patch(f"{URL}/hat-shop", json=body)
        assert answer.status_code == 204, (body, answer.get_json())
    after = Product.get(Product.identifier == "hat-shop")
    assert (after.updated, after.values) == (before.updated, before.values)
    changed = app_api.patch(f"{URL}/hat-shop", json={"values": {
        "name": [{"locale": "en_US", "scope": None, "data": "Other"}]}})
    assert changed.status_code == 403


def test_batch_lines_are_checked_one_by_one(app_api):  # noqa: F811
    answer = app_api.patch_batch(URL, [{"identifier": "hat-print", "enabled": False},
                                       {"identifier": "hat-shop", "enabled": False},
                                       {"identifier": "hat-master", "enabled": False}])
    lines = app_api.lines(answer)
    assert [line["status_code"] for line in lines] == [404, 403, 204]
    assert lines[0]["message"] == 'Product "hat-print" does not exist or you do not have permission to access it.'
    assert Product.get(Product.identifier == "hat-print").enabled is True
    assert Product.get(Product.identifier == "hat-master").enabled is False


# --- associations -----------------------------------------------------------------------------

def test_associations_to_hidden_products_are_hidden_on_read_and_kept_on_write(app_api, api):  # noqa: F811
    assert api.patch(f"{URL}/hat-master", json={"associations": {
        "X_SELL": {"products": ["hat-print", "hat-both"]}}}).status_code == 204
    assert app_api.get(f"{URL}/hat-master").get_json()["associations"]["X_SELL"]["products"] == ["hat-both"]
    listed = app_api.get(f"{URL}?search=" + json.dumps({"identifier": [{"operator": "IN", "value": ["hat-master"]}]}))
    assert listed.get_json()["_embedded"]["items"][0]["associations"]["X_SELL"]["products"] == ["hat-both"]
    assert app_api.patch(f"{URL}/hat-master", json={"associations": {
        "X_SELL": {"products": ["hat-free"]}}}).status_code == 204
    assert sorted(api.get(f"{URL}/hat-master").get_json()["associations"]["X_SELL"]["products"]) == [
        "hat-free", "hat-print"]
    assert app_api.get(f"{URL}/hat-master").get_json()["associations"]["X_SELL"]["products"] == ["hat-free"]


def test_associating_a_hidden_product_is_refused_as_unknown(app_api):  # noqa: F811
    hidden = str(Product.get(Product.identifier == "hat-print").uuid)
    master = str(Product.get(Product.identifier == "hat-master").uuid)
    answer = app_api.patch(f"{URL}/hat-master", json={"associations": {"X_SELL": {"products": ["hat-print"]}}})
    assert answer.status_code == 422
    assert answer.get_json()["message"] == ('Property "associations" expects a valid product identifier. '
                                            'The product does not exist, "hat-print" given.' + DOC)
    by_uuid = app_api.patch(f"{UUID_URL}/{master}", json={"associations": {"X_SELL": {"products": [hidden]}}})
    assert by_uuid.status_code == 422
    assert by_uuid.get_json()["message"].startswith(
        f'Property "associations" expects a valid product uuid. The product does not exist, "{hidden}" given.')


# --- media files ------------------------------------------------------------------------------

@pytest.fixture
def media_app(app_api, seeded_app, client):  # noqa: F811
    """The products of app_api, and an app owning the master tree, viewing ecommerce, editing every
    locale and attribute group."""
    app_id, _ = register_listing(seeded_app, "Media App")
    connect_code(seeded_app, app_id, ["delete_products"])
    with seeded_app.app_context():
        group_permissions.save(ConnectedApp.get_by_id(app_id).user_group_id, {
            "category": _levels("category", own=["master"], edit=["master"], view=["master", "ecommerce"]),
            "locale": _levels("locale", edit="all", view="all"),
            "attribute_group": _levels("attribute_group", edit="all", view="all"),
        })
    return Api(client, app_token(seeded_app, app_id))


def _upload(api, identifier, content=PNG):
    info = {"identifier": identifier, "attribute": "picture", "locale": None, "scope": None}
    return api.client.post(MEDIA, data={"product": json.dumps(info), "file": (io.BytesIO(content), "pic.png")},
                           content_type="multipart/form-data", headers={"Authorization": f"Bearer {api.token}"})


def test_media_files_onto_hidden_or_view_only_products_are_refused(media_app, api):
    before = MediaFile.select().count()
    hidden = _upload(media_app, "hat-print")
    assert hidden.status_code == 422 and hidden.get_json()["message"] == 'Product "hat-print" does not exist.'
    view_only = _upload(media_app, "hat-shop")
    assert view_only.status_code == 403
    assert view_only.get_json()["message"] == ('Product "hat-shop" cannot be updated. '
                                               'You only have a view right on this product.')
    assert MediaFile.select().count() == before
    assert _upload(media_app, "hat-master").status_code == 201


def test_an_editor_cannot_upload_onto_a_product_it_edits(seeded_app, client, app_api):  # noqa: F811
    app_id, _ = register_listing(seeded_app, "Editor App")
    connect_code(seeded_app, app_id, ["delete_products"])
    with seeded_app.app_context():
        group_permissions.save(ConnectedApp.get_by_id(app_id).user_group_id, {
            "category": _levels("category", edit=["master"], view=["master"]),
            "locale": _levels("locale", edit="all", view="all"),
            "attribute_group": _levels("attribute_group", edit="all", view="all")})
    answer = _upload(Api(client, app_token(seeded_app, app_id)), "hat-master")
    assert answer.status_code == 403 and "only have an edit right" in answer.get_json()["message"]


def test_media_files_of_hidden_values_are_not_listed(media_app, app_api, api):  # noqa: F811
    mine = _upload(media_app, "hat-master").headers["Location"].split("/media-files/", 1)[1]
    theirs = _upload(api, "hat-print", PNG + b"other").headers["Location"].split("/media-files/", 1)[1]
    codes = [item["code"] for item in media_app.get(f"{MEDIA}?with_count=true").get_json()["_embedded"]["items"]]
    assert codes == [mine]
    assert media_app.get(f"{MEDIA}?with_count=true").get_json()["items_count"] == 1
    assert media_app.get(f"{MEDIA}/{theirs}").status_code == 404
    assert media_app.get(f"{MEDIA}/{theirs}/download").status_code == 404
    assert media_app.get(f"{MEDIA}/{mine}").status_code == 200
    assert app_api.get(MEDIA).get_json()["_embedded"]["items"] == []  # the media group is hidden to it
    assert sorted(item["code"] for item in api.get(MEDIA).get_json()["_embedded"]["items"]) == sorted([mine, theirs])
