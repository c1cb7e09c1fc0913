"""REST API association types (§5.7): list, get, create, upsert and batch; the two flags are fixed."""
import pytest

from pimconnect.db import db
from pimconnect.models import AssociationType
from tests.test_api_categories import ODD_VALUES, documented, invalid, items, queries  # noqa: F401

URL = "/api/rest/v1/association-types"


def row(code):
    with db.connection_context():
        return AssociationType.get_or_none(AssociationType.code == code)


def test_list_and_get(api):
    listed = items(api.get(URL))
    assert [item["code"] for item in listed] == ["SUBSTITUTION", "UPSELL", "X_SELL"]
    assert listed[1] == {"_links": {"self": {"href": "http://localhost/api/rest/v1/association-types/UPSELL"}},
                         "code": "UPSELL", "labels": {"en_US": "Upsell"}, "is_quantified": False,
                         "is_two_way": False}
    assert api.get(f"{URL}/X_SELL").get_json() == {"code": "X_SELL", "labels": {"en_US": "Cross sell"},
                                                   "is_quantified": False, "is_two_way": False}
    assert api.get(f"{URL}/nope").get_json() == {"code": 404, "message": 'Association type "nope" does not exist.'}


def test_pagination(api):
    body = api.get(f"{URL}?limit=2&page=2&with_count=true").get_json()
    assert body["items_count"] == 3 and [i["code"] for i in body["_embedded"]["items"]] == ["X_SELL"]
    assert body["_links"]["previous"]["href"] == ("http://localhost/api/rest/v1/association-types?with_count=true"
                                                  "&page=1&limit=2")
    assert "next" not in body["_links"]


def test_list_reads_a_constant_number_of_queries(api, queries):  # noqa: F811
    counts = {}
    for limit in (1, 3):
        queries.count = 0
        assert len(items(api.get(f"{URL}?limit={limit}&with_count=true"))) == limit
        counts[limit] = queries.count
    assert counts[1] == counts[3]


def test_create_with_flags_then_update_labels(api):
    response = api.post(URL, json={"code": "PACK", "labels": {"en_US": "Pack"}, "is_quantified": True,
                                   "is_two_way": False})
    assert response.status_code == 201 and response.headers["Location"] == ("http://localhost/api/rest/v1/"
                                                                            "association-types/PACK")
    response = api.patch(f"{URL}/PACK", json={"labels": {"fr_FR": "Lot"}, "is_quantified": True})
    assert response.status_code == 204
    assert api.get(f"{URL}/PACK").get_json() == {"code": "PACK", "labels": {"en_US": "Pack", "fr_FR": "Lot"},
                                                 "is_quantified": True, "is_two_way": False}
    assert api.patch(f"{URL}/COMPATIBLE", json={"is_two_way": True}).status_code == 201
    assert row("COMPATIBLE").is_two_way and not row("COMPATIBLE").is_quantified


def test_flags_cannot_change_once_created(api):
    response = api.patch(f"{URL}/UPSELL", json={"is_quantified": True, "is_two_way": True, "labels": {"en_US": "Up"}})
    assert response.get_json() == invalid(("is_quantified", "This property cannot be changed."),
                                          ("is_two_way", "This property cannot be changed."))
    saved = row("UPSELL")
    assert (saved.is_quantified, saved.is_two_way, saved.labels) == (False, False, {"en_US": "Upsell"})


def test_refusals(api):
    cases = [
        ({"code": "UPSELL"}, invalid(("code", "This value is already used."))),
        ({"code": "a b"}, invalid(("code", "Association code may contain only letters, numbers and underscores"))),
        ({"labels": {}}, invalid(("code", "This value should not be blank."))),
        ({"code": "NEW", "labels": {"xx": "X"}}, invalid(("labels", 'The locale "xx" does not exist.'))),
        ({"code": "NEW", "is_two_way": "yes"},
         documented('Property "is_two_way" expects a boolean as data, "string" given.', "post_association_types")),
        ({"code": "NEW", "labels": "Up"},
         documented('Property "labels" expects an array as data, "string" given.', "post_association_types")),
        ({"code": "NEW", "type": "x"}, documented('Property "type" does not exist.', "post_association_types")),
    ]
    for body, expected in cases:
        assert api.post(URL, json=body).get_json() == expected
    assert row("NEW") is None
    response = api.patch(f"{URL}/UPSELL", json={"code": "X_SELL"})
    assert response.get_json() == {"code": 422, "message": 'The code "X_SELL" provided in the request body must '
                                                           'match the code "UPSELL" provided in the url.'}
    assert api.patch(f"{URL}/UPSELL", json={"is_quantified": 1}).get_json() == documented(
        'Property "is_quantified" expects a boolean as data, "integer" given.', "patch_association_types__code_")


def test_batch(api):
    response = api.patch_batch(URL, [
        {"code": "PACK", "is_quantified": True},
        {"code": "UPSELL", "is_two_way": True},
        {"code": "X_SELL", "labels": {"fr_FR": "Vente croisée"}},
    ])
    assert api.lines(response) == [
        {"line": 1, "code": "PACK", "status_code": 201},
        {"line": 2, "code": "UPSELL", "status_code": 422, "message": "Validation failed.",
         "errors": [{"property": "is_two_way", "message": "This property cannot be changed."}]},
        {"line": 3, "code": "X_SELL", "status_code": 204},
    ]
    assert row("PACK").is_quantified and row("X_SELL").labels == {"en_US": "Cross sell", "fr_FR": "Vente croisée"}


def test_acls(api_as):
    nothing = api_as(["pim_api_overall_access"])
    assert nothing.get(URL).get_json() == {
        "code": 403, "message": "Access forbidden. You are not allowed to list association types."}
    reader = api_as(["pim_api_overall_access", "pim_api_association_type_list"])
    assert reader.get(f"{URL}/UPSELL").status_code == 200
    for response in (reader.post(URL, json={"code": "NEW"}), reader.patch(f"{URL}/NEW", json={}),
                     reader.patch_batch(URL, [{"code": "NEW"}])):
        assert response.get_json() == {
            "code": 403, "message": "Access forbidden. You are not allowed to create or update association types."}
    assert row("NEW") is None


@pytest.mark.parametrize("field", ["code", "labels", "is_quantified", "is_two_way"])
def test_odd_bodies_never_fail_the_server(api, field):
    for value in ODD_VALUES:
        for response in (api.post(URL, json={"code": "ODD", field: value}),
                         api.patch(f"{URL}/ODD", json={field: value}),
                         api.patch(f"{URL}/UPSELL", json={field: value})):
            assert response.status_code in (201, 204, 400, 422), (field, value, response.get_json())
