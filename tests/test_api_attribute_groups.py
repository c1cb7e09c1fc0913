"""REST API: attribute groups (reference §5.5) — an attribute belongs to exactly one group."""
import json

from pimconnect.models import AttributeGroup
from tests.test_api_attributes import DOC, assert_invalid, codes, counted_queries, documented, get, search

BASE = "/api/rest/v1/attribute-groups"


def group(api, code):
    return api.get(f"{BASE}/{code}").get_json()


def test_get_group(api):
    response = api.get(f"{BASE}/technical")
    assert response.status_code == 200
    assert json.loads(response.get_data(as_text=True)) == {
        "code": "technical", "sort_order": 1,
        "attributes": ["weight", "width", "capacity", "material", "waterproof", "release_date"],
        "labels": {"en_US": "Technical"}}
    assert list(response.get_json()) == ["code", "sort_order", "attributes", "labels"]
    missing = api.get(f"{BASE}/nope")
    assert missing.status_code == 404
    assert missing.get_json() == {"code": 404, "message": 'Attribute group "nope" does not exist.'}


def test_list_sorted_by_code_and_searched(api):
    body = api.get(BASE, query_string={"limit": 2, "page": 2, "with_count": "true"}).get_json()
    assert [i["code"] for i in body["_embedded"]["items"]] == ["marketing", "media"]
    assert body["items_count"] == 6 and body["current_page"] == 2
    assert body["_embedded"]["items"][1]["_links"]["self"]["href"] == "http://localhost/api/rest/v1/attribute-groups/media"
    assert body["_links"]["previous"]["href"] == "http://localhost/api/rest/v1/attribute-groups?with_count=true&page=1&limit=2"
    assert codes(api.get(BASE, query_string=search(code=[{"operator": "IN", "value": ["media", "ERP"]}]))) == ["ERP", "media"]
    assert api.patch(f"{BASE}/media", json={"sort_order": 9}).status_code == 204
    future = search(updated=[{"operator": ">", "value": "2100-01-01T00:00:00Z"}])
    assert codes(api.get(BASE, query_string=future)) == []
    unsupported = api.get(BASE, query_string=search(type=[{"operator": "IN", "value": []}]))
    assert unsupported.get_json() == {"code": 422, "message": 'Filter on property "type" is not supported or does not '
                                                              'support operator "IN"'}


def test_create_and_upsert(api):
    """POST creates a group placed last; PATCH creates (201) or updates (204) and merges labels."""
    response = api.post(BASE, json={"code": "sizing", "labels": {"en_US": "Sizing"}})
    assert response.status_code == 201
    assert response.headers["Location"] == "http://localhost/api/rest/v1/attribute-groups/sizing"
    assert group(api, "sizing") == {"code": "sizing", "sort_order": 6, "attributes": [], "labels": {"en_US": "Sizing"}}
    assert api.patch(f"{BASE}/logistics", json={"sort_order": 2}).status_code == 201
    updated = api.patch(f"{BASE}/sizing", json={"labels": {"fr_FR": "Tailles"}, "sort_order": 0})
    assert updated.status_code == 204 and updated.headers["Location"].endswith("/attribute-groups/sizing")
    assert group(api, "sizing")["labels"] == {"en_US": "Sizing", "fr_FR": "Tailles"}
    assert group(api, "sizing")["sort_order"] == 0


def test_attributes_move_between_groups(api):
    """Listing attributes moves them into the group; those it drops go to the default group."""
    assert api.patch(f"{BASE}/sizing", json={"attributes": ["width", "capacity"]}).status_code == 201
    assert group(api, "sizing")["attributes"] == ["width", "capacity"]
    assert "width" not in group(api, "technical")["attributes"]
    assert api.get("/api/rest/v1/attributes/width").get_json()["group"] == "sizing"
    assert api.patch(f"{BASE}/sizing", json={"attributes": ["capacity"]}).status_code == 204
    assert group(api, "sizing")["attributes"] == ["capacity"]
    assert "width" in group(api, "other")["attributes"]
    changed = search(updated=[{"operator": ">", "value": "2000-01-01T00:00:00+00:00"}])
    assert {"other", "sizing", "technical"} <= set(codes(api.get(BASE, query_string=changed)))
    assert api.patch(f"{BASE}/other", json={"attributes": []}).status_code == 204  # the default group keeps its own
    assert "width" in group(api, "other")["attributes"]


def test_moving_an_attribute_updates_both_groups(api, conn):
    """An attribute PATCHed into another group changes the ``updated`` of both groups."""
    before = {g.code: g.updated for g in AttributeGroup.select()}
    assert api.patch("/api/rest/v1/attributes/notice", json={"group": "ERP"}).status_code == 204
    after = {g.code: g.updated for g in AttributeGroup.select()}
    assert after["media"] > before["media"] and after["ERP"] > before["ERP"]
    assert after["technical"] == before["technical"]
    assert group(api, "ERP")["attributes"][-1] == "notice" and "notice" not in group(api, "media")["attributes"]


def test_refusals(api):
    anchor = "patch_attribute_groups__code_"
    documented(api.patch(f"{BASE}/media", json={"attributes": ["picture", "nope"]}),
               'Property "attributes" expects a valid attribute code. The attribute does not exist, "nope" given.', anchor)
    documented(api.patch(f"{BASE}/media", json={"attributes": "picture"}),
               'Property "attributes" expects an array as data, "string" given.', anchor)
    documented(api.patch(f"{BASE}/media", json={"attributes": [["picture"]]}),
               'Property "attributes" expects an array with valid data, one of the "attributes" values is not a scalar.',
               anchor)
    documented(api.post(BASE, json={"code": "x", "icon": "y"}), 'Property "icon" does not exist.', "post_attribute_groups")
    assert_invalid(api.post(BASE, json={"code": "ERP"}), ("code", 'The attribute group code "ERP" is already used.'))
    assert_invalid(api.post(BASE, json={}), ("code", "This value should not be blank."))
    assert_invalid(api.patch(f"{BASE}/media", json={"sort_order": True, "labels": {"de_DE": "x" * 300}}),
            ("sort_order", "This value should be of type integer."), ("labels", "A label has at most 255 characters."))
    mismatch = api.patch(f"{BASE}/media", json={"code": "medias"})
    assert mismatch.get_json() == {"code": 422, "message": 'The code "medias" provided in the request body must match '
                                                           'the code "media" provided in the url.'}
    assert group(api, "media") == {"code": "media", "sort_order": 4, "attributes": ["picture", "notice"],
                                   "labels": {"en_US": "Media"}}


def test_dropping_attributes_needs_the_default_group(api, conn):
    """Without the default group, a group cannot give attributes away; nothing changes."""
    from pimconnect.db import write_txn
    from pimconnect.models import Attribute

    with write_txn():
        other = AttributeGroup.get(code="other")
        Attribute.update(group=AttributeGroup.get(code="ERP")).where(Attribute.group == other).execute()
        other.delete_instance()
    assert_invalid(api.patch(f"{BASE}/media", json={"attributes": ["picture"]}),
            ("attributes", 'Attributes cannot leave the group: the default group "other" that would take them '
                           "does not exist."))
    assert group(api, "media")["attributes"] == ["picture", "notice"]


def test_batch(api):
    response = api.patch_batch(BASE, [
        {"code": "care", "attributes": ["waterproof"]},
        {"code": "media", "labels": {"fr_FR": "Médias"}},
        {"code": "broken", "attributes": ["ghost"]},
        {"code": "media", "labels": {"en_US": "Images"}},
    ])
    assert api.lines(response) == [
        {"line": 1, "code": "care", "status_code": 201},
        {"line": 2, "code": "media", "status_code": 204},
        {"line": 3, "code": "broken", "status_code": 422,
         "message": 'Property "attributes" expects a valid attribute code. The attribute does not exist, "ghost" given. '
                    "Check the expected format on the API documentation.",
         "_links": {"documentation": {"href": DOC + "patch_attribute_groups__code_"}}},
        {"line": 4, "code": "media", "status_code": 204},
    ]
    assert group(api, "care")["attributes"] == ["waterproof"]
    assert group(api, "media")["labels"] == {"en_US": "Images", "fr_FR": "Médias"}
    assert get(AttributeGroup, code="broken") is None


def test_acl_refusals(api_as):
    api = api_as(acls=["pim_api_overall_access"])
    assert api.get(BASE).get_json() == {"code": 403,
                                        "message": "Access forbidden. You are not allowed to list attribute groups."}
    reader = api_as(acls=["pim_api_overall_access", "pim_api_attribute_group_list"])
    for response in (reader.post(BASE, json={"code": "x"}), reader.patch(f"{BASE}/x", json={}),
                     reader.patch_batch(BASE, [{"code": "x"}])):
        assert response.status_code == 403
        assert response.get_json()["message"] == "Access forbidden. You are not allowed to create or update attribute groups."
    assert get(AttributeGroup, code="x") is None


def test_list_query_count_does_not_grow_with_the_page(api):
    """Groups and their attribute codes: a constant number of queries per page."""
    with counted_queries() as small:
        api.get(BASE, query_string={"limit": 1})
    with counted_queries() as large:
        api.get(BASE, query_string={"limit": 6})
    assert len(small) == len(large)


def test_odd_values_never_fail_the_server(api):
    values = [None, False, 2.5, 10**40, "", "x" * 10000, "ü€😀", "a\x00b", "\ud800", [], [None], {}, {"a": []}, ["x" * 500] * 200]
    for prop in ("code", "sort_order", "attributes", "labels", "😀"):
        for value in values:
            for path in (f"{BASE}/odd", f"{BASE}/media"):
                response = api.patch(path, json={prop: value})
                assert response.status_code in (201, 204, 400, 422), (prop, value, response.get_json())
    for code in ("ü€😀", "x" * 5000, "a%00b"):
        assert api.get(f"{BASE}/{code}").status_code == 404
