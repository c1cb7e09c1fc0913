"""EE drafts and proposals through the REST API (rest-api-and-permissions.md §9.3–§9.5): an editor's PATCH
writes its draft, GET …/draft shows it, POST …/proposal sends it and notifies the product's owners."""
import pytest

from pimconnect.models import ConnectedApp, Notification, Product, User
from pimconnect.models.drafts import ProductDraft
from pimconnect.services.access import group_permissions
from tests.app_helpers import app_token, connect_code, register_listing
from tests.conftest import Api

URL = "/api/rest/v1/products"
UUID_URL = "/api/rest/v1/products-uuid"
PRODUCTS = {"hat-edit": ["master_shirts"], "hat-view": ["ecommerce_sale"], "hat-hidden": ["print_traditional"],
            "hat-own": ["sales"], "hat-free": []}
NAME = {"name": [{"locale": "en_US", "scope": None, "data": "Hat"}]}


def _levels(**levels):
    return {level: {"all": False, "identifiers": list(codes)} for level, codes in levels.items()}


def name(locale, data):
    return {"name": [{"locale": locale, "scope": None, "data": data}]}


@pytest.fixture
def editor(api, seeded_app, client, conn):
    """An app that edits the master tree, views ecommerce, owns sales; edits en_US and the ecommerce group."""
    uuids = {}
    assert api.post("/api/rest/v1/categories", json={"code": "sales"}).status_code == 201
    for identifier, categories in PRODUCTS.items():
        answer = api.patch(f"{URL}/{identifier}", json={"identifier": identifier, "family": "hats",
                                                          "categories": categories, "values": NAME})
        assert answer.status_code == 201, answer.get_json()
        uuids[identifier] = str(Product.get(Product.identifier == identifier).uuid)
    app_id, _ = register_listing(seeded_app, "Editing App")
    connect_code(seeded_app, app_id, ["write_products"])
    with seeded_app.app_context():
        group_permissions.save(ConnectedApp.get_by_id(app_id).user_group_id, {
            "category": _levels(own=["sales"], edit=["master", "sales"], view=["master", "ecommerce", "sales"]),
            "locale": _levels(edit=["en_US"], view=["en_US", "fr_FR"]),
            "attribute_group": _levels(edit=["ecommerce"], view=["ecommerce", "ERP"]),
        })
    editor_api = Api(client, app_token(seeded_app, app_id))
    editor_api.uuids = uuids
    editor_api.user_id = ConnectedApp.get_by_id(app_id).connection.user_id
    return editor_api


def test_an_editor_patch_writes_its_draft_not_the_product(editor):
    answer = editor.patch(f"{URL}/hat-edit", json={"values": name("en_US", "Draft hat")})
    assert answer.status_code == 204
    assert answer.headers["Location"] == "http://localhost/api/rest/v1/products/hat-edit/draft"
    assert Product.get(Product.identifier == "hat-edit").values["name"][0]["data"] == "Hat"
    by_uuid = editor.patch(f"{UUID_URL}/{editor.uuids['hat-edit']}", json={"values": name("en_US", "Draft 2")})
    assert by_uuid.status_code == 204
    assert by_uuid.headers["Location"] == f"http://localhost{UUID_URL}/{editor.uuids['hat-edit']}/draft"
    draft = ProductDraft.get()
    assert draft.status == "in_progress"
    assert draft.changes == {"values": {"name": [{"locale": "en_US", "scope": None, "data": "Draft 2"}]},
                             "review_statuses": {"name": [{"locale": "en_US", "scope": None, "status": "draft"}]}}


def test_the_draft_accumulates_changes_and_drops_unchanged_values(editor):
    editor.patch(f"{URL}/hat-edit", json={"values": name("en_US", "New name")})
    editor.patch(f"{URL}/hat-edit", json={"values": {"name": [{"locale": "en_US", "scope": None, "data": "New name"}],
                                                     "description": [{"locale": "en_US", "scope": "ecommerce",
                                                                      "data": "A hat"}]}})
    values = ProductDraft.get().changes["values"]
    assert sorted(values) == ["description", "name"]
    editor.patch(f"{URL}/hat-edit", json={"values": name("en_US", "Hat")})  # back to the approved value
    assert sorted(ProductDraft.get().changes["values"]) == ["description"]
    item = editor.get(f"{URL}/hat-edit/draft").get_json()
    assert item["values"]["description"] == [{"locale": "en_US", "scope": "ecommerce", "data": "A hat"}]
    assert item["values"]["name"][0]["data"] == "Hat"
    assert item["metadata"] == {"workflow_status": "draft_in_progress"}
    assert editor.get(f"{URL}/hat-edit").get_json()["metadata"] == {"workflow_status": "draft_in_progress"}
    assert "description" not in editor.get(f"{URL}/hat-edit").get_json()["values"]  # GET shows the approved one
    listed = {item["identifier"]: item["metadata"]["workflow_status"]
              for item in editor.get(f"{URL}?limit=100").get_json()["_embedded"]["items"]}
    assert listed == {"hat-edit": "draft_in_progress", "hat-view": "read_only", "hat-own": "working_copy",
                      "hat-free": "working_copy"}


def test_a_draft_is_validated_like_a_write(editor):
    answer = editor.patch(f"{URL}/hat-edit", json={"values": {"name": [{"locale": "en_US", "scope": "x",
                                                                        "data": "x"}]}})
    assert answer.status_code == 422
    assert not ProductDraft.select().exists()
    assert editor.patch(f"{URL}/hat-edit", json={"enabled": False}).get_json()["message"] == (
        'You cannot update the following fields "enabled". You should at least own this product to do it.')


@pytest.mark.parametrize("product, status, message", [
    ("hat-hidden", 404, 'Product "{ref}" does not exist or you do not have permission to access it.'),
    ("hat-own", 403, 'You have ownership on the product "{ref}", you cannot create or retrieve a draft from this '
                     'product.'),
    ("hat-free", 403, 'You have ownership on the product "{ref}", you cannot create or retrieve a draft from this '
                      'product.'),
    ("hat-view", 403, 'You only have view permission on the product "{ref}", you cannot create or retrieve a draft '
                      'from this product.'),
    ("hat-edit", 404, 'There is no draft created for the product "{ref}".'),
])
def test_get_draft_statuses(editor, product, status, message):
    for url, ref in ((f"{URL}/{product}/draft", product),
                     (f"{UUID_URL}/{editor.uuids[product]}/draft", editor.uuids[product])):
        answer = editor.get(url)
        assert answer.status_code == status, url
        assert answer.get_json() == {"code": status, "message": message.format(ref=ref)}


def test_get_draft_of_an_unknown_product(editor):
    missing = "3f2b8e8c-0000-4000-8000-000000000000"
    assert editor.get(f"{UUID_URL}/{missing}/draft").get_json()["message"] == (
        f'Product "{missing}" does not exist or you do not have permission to access it.')
    assert editor.get(f"{URL}/nope/draft").status_code == 404


@pytest.mark.parametrize("product, status, message", [
    ("hat-hidden", 404, 'Product "{ref}" does not exist or you do not have permission to access it.'),
    ("hat-own", 403, 'You have ownership on the product "{ref}", you cannot send a draft for approval.'),
    ("hat-free", 403, 'You have ownership on the product "{ref}", you cannot send a draft for approval.'),
    ("hat-view", 403, 'You only have view permission on the product "{ref}", you cannot send a draft for approval.'),
    ("hat-edit", 422, "You should create a draft before submitting it for approval."),
])
def test_proposal_statuses(editor, product, status, message):
    for url, ref in ((f"{URL}/{product}/proposal", product),
                     (f"{UUID_URL}/{editor.uuids[product]}/proposal", editor.uuids[product])):
        answer = editor.post(url, json={})
        assert answer.status_code == status, url
        assert answer.get_json() == {"code": status, "message": message.format(ref=ref)}


def test_proposal_of_an_unknown_product(editor):
    missing = "3f2b8e8c-0000-4000-8000-000000000000"
    assert editor.post(f"{UUID_URL}/{missing}/proposal", json={}).get_json() == {
        "code": 404, "message": f'Product "{missing}" does not exist.'}
    assert editor.post(f"{URL}/nope/proposal", json={}).get_json() == {
        "code": 404, "message": 'Product "nope" does not exist.'}


def test_the_identifier_route_wants_a_json_body(editor):
    answer = editor.post(f"{URL}/hat-edit/proposal", data="{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.get_json() == {"code": 400, "message": "Invalid json message received."}


def test_submitting_notifies_the_owners_once(editor):
    editor.patch(f"{URL}/hat-edit", json={"values": name("en_US", "Proposed")})
    answer = editor.post(f"{UUID_URL}/{editor.uuids['hat-edit']}/proposal", data="ignored",
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 201 and answer.data == b""
    draft = ProductDraft.get()
    assert draft.status == "ready"
    assert draft.changes["review_statuses"]["name"][0]["status"] == "to_review"
    owners = {n.user.username for n in Notification.select().join(User)}
    assert {"admin", "julia"} <= owners  # people of "All" own every product
    assert all("has sent a proposal to review for the product hat-edit" in n.message for n in Notification.select())
    again = editor.post(f"{UUID_URL}/{editor.uuids['hat-edit']}/proposal", json={})
    assert again.get_json() == {"code": 422, "message": "You already submitted your draft for approval."}
    legacy = editor.post(f"{URL}/hat-edit/proposal", json={})
    assert legacy.get_json() == {"code": 422, "message": "You already submit your draft for approval."}
    assert editor.get(f"{URL}/hat-edit/draft").get_json()["metadata"] == {
        "workflow_status": "proposal_waiting_for_approval"}
    assert editor.patch(f"{URL}/hat-edit", json={"values": name("en_US", "Proposed")}).status_code == 204
    assert ProductDraft.get().status == "ready"  # nothing changed: still sent
    editor.patch(f"{URL}/hat-edit", json={"values": name("en_US", "Proposed again")})
    assert ProductDraft.get().status == "in_progress"  # editing a sent draft puts it back in progress


def test_an_owner_writes_directly(editor):
    answer = editor.patch(f"{URL}/hat-own", json={"values": name("en_US", "Owned")})
    assert answer.status_code == 204
    assert answer.headers["Location"] == "http://localhost/api/rest/v1/products/hat-own"
    assert Product.get(Product.identifier == "hat-own").values["name"][0]["data"] == "Owned"
    assert not ProductDraft.select().exists()


def test_batch_lines_of_an_editor_become_drafts(editor):
    answer = editor.patch_batch(URL, [{"identifier": "hat-edit", "values": name("en_US", "B")}])
    assert answer.status_code == 200
    assert Api.lines(answer) == [{"line": 1, "identifier": "hat-edit", "status_code": 204}]
    assert ProductDraft.get().changes["values"]["name"][0]["data"] == "B"


def test_the_route_list_names_the_new_routes(client, seeded_app):
    routes = client.get("/api/rest/v1").get_json()["routes"]
    assert routes["api_products_uuid_draft"]["route"] == "/api/rest/v1/products-uuid/{uuid}/draft"
    assert routes["api_products_proposal"] == {"route": "/api/rest/v1/products/{code}/proposal", "methods": ["POST"]}


def test_the_owners_of_a_product_are_the_people_whose_access_owns_it(editor, seeded_app):
    """``owners_of`` (one query) names exactly the enabled people whose Access gives Own on the product."""
    from pimconnect.db import write_txn
    from pimconnect.models import UserGroup, UserGroupMember
    from pimconnect.services.access.access import Access
    from pimconnect.services.drafts.drafts import owners_of

    with seeded_app.app_context(), write_txn():
        julia = User.get(User.username == "julia")
        UserGroupMember.delete().where(UserGroupMember.user == julia.id).execute()  # out of "All"
        sellers = UserGroup.create(name="Sellers")
        UserGroupMember.create(user=julia, group=sellers)
        group_permissions.save(sellers.id, {"category": _levels(own=["sales"], view=["master"])})
    with seeded_app.app_context():
        people = list(User.select().where(User.enabled == True, User.type == "user"))  # noqa: E712
        for identifier, categories in PRODUCTS.items():
            product = Product.get(Product.identifier == identifier)
            expected = {u.username for u in people
                        if Access.of(u, (), enforce_grants=True).product_level(categories) == "own"}
            assert {u.username for u in owners_of(product)} == expected, identifier
        assert "julia" in {u.username for u in owners_of(Product.get(Product.identifier == "hat-own"))}
        assert "julia" not in {u.username for u in owners_of(Product.get(Product.identifier == "hat-edit"))}
