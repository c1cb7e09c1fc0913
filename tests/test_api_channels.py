"""REST API channels (§5.8): list, get, create, upsert and batch, with completeness kept up to date."""
import pytest

from pimconnect.db import db
from pimconnect.models import Channel, Locale, ProductCompleteness
from pimconnect.services.structure import settings as structure_settings
from tests.factories import make_product
from tests.test_api_categories import ODD_VALUES, documented, invalid, items, queries  # noqa: F401

URL = "/api/rest/v1/channels"
NEW = {"code": "web", "category_tree": "master", "locales": ["en_US"], "currencies": ["USD"]}


def channel(code):
    with db.connection_context():
        found = Channel.get_or_none(Channel.code == code)
        return structure_settings.channel_data(found) if found else None


def completeness_locales(product, channel_code):
    with db.connection_context():
        query = (ProductCompleteness.select(Locale.code).join(Locale, on=(ProductCompleteness.locale == Locale.id))
                 .switch(ProductCompleteness).join(Channel, on=(ProductCompleteness.channel == Channel.id))
                 .where(ProductCompleteness.product == product.uuid, Channel.code == channel_code)
                 .order_by(Locale.code))
        return [code for (code,) in query.tuples()]


# -- reads ------------------------------------------------------------------------------------------

def test_list_by_code_with_the_reference_fields(api):
    listed = items(api.get(URL))
    assert [item["code"] for item in listed] == ["ecommerce", "mobile", "print"]
    assert listed[0] == {
        "_links": {"self": {"href": "http://localhost/api/rest/v1/channels/ecommerce"}},
        "code": "ecommerce", "currencies": ["EUR", "USD"], "locales": ["de_DE", "en_US", "fr_FR"],
        "category_tree": "master", "conversion_units": {}, "labels": {"en_US": "Ecommerce"}}
    assert list(listed[0]) == ["_links", "code", "currencies", "locales", "category_tree", "conversion_units",
                               "labels"]


def test_pagination(api):
    body = api.get(f"{URL}?limit=2&with_count=true").get_json()
    assert body["items_count"] == 3 and body["current_page"] == 1
    assert body["_links"]["next"]["href"] == "http://localhost/api/rest/v1/channels?with_count=true&page=2&limit=2"
    second = api.get(f"{URL}?limit=2&page=2").get_json()
    assert [i["code"] for i in second["_embedded"]["items"]] == ["print"] and "next" not in second["_links"]
    assert api.get(f"{URL}?pagination_type=search_after").get_json() == {
        "code": 422, "message": "Pagination type is not supported."}


def test_get_and_404(api):
    assert api.get(f"{URL}/print").get_json() == {
        "code": "print", "currencies": ["EUR"], "locales": ["de_DE", "en_US"], "category_tree": "print",
        "conversion_units": {}, "labels": {"en_US": "Print"}}
    assert api.get(f"{URL}/nope").get_json() == {"code": 404, "message": 'Channel "nope" does not exist.'}


def test_list_reads_a_constant_number_of_queries(api, queries):  # noqa: F811
    for i in range(5):
        assert api.post(URL, json={**NEW, "code": f"web{i}"}).status_code == 201
    counts = {}
    for limit in (1, 8):
        queries.count = 0
        assert len(items(api.get(f"{URL}?limit={limit}&with_count=true"))) == limit
        counts[limit] = queries.count
    assert counts[1] == counts[8]


# -- writes -----------------------------------------------------------------------------------------

def test_post_creates_a_channel(api):
    response = api.post(URL, json={**NEW, "labels": {"en_US": "Web", "fr_FR": "Web FR"},
                                   "conversion_units": {"weight": "GRAM"}})
    assert response.status_code == 201 and response.get_data() == b""
    assert response.headers["Location"] == "http://localhost/api/rest/v1/channels/web"
    assert api.get(f"{URL}/web").get_json() == {
        "code": "web", "currencies": ["USD"], "locales": ["en_US"], "category_tree": "master",
        "conversion_units": {"weight": "GRAM"}, "labels": {"en_US": "Web", "fr_FR": "Web FR"}}


def test_patch_creates_then_updates(api):
    assert api.patch(f"{URL}/web", json=NEW).status_code == 201
    response = api.patch(f"{URL}/web", json={"labels": {"de_DE": "Netz"}, "currencies": ["EUR", "USD"]})
    assert response.status_code == 204 and response.headers["Location"].endswith("/channels/web")
    saved = channel("web")
    assert saved["currencies"] == ["EUR", "USD"] and saved["locales"] == ["en_US"]
    assert saved["labels"] == {"de_DE": "Netz"}


def test_conversion_units_are_replaced_and_labels_merged(api):
    assert api.patch(f"{URL}/ecommerce", json={"conversion_units": {"weight": "GRAM", "width": "METER"},
                                               "labels": {"fr_FR": "E-commerce"}}).status_code == 204
    assert api.patch(f"{URL}/ecommerce", json={"conversion_units": {"capacity": "LITER", "weight": None},
                                               "labels": {"en_US": None}}).status_code == 204
    saved = channel("ecommerce")
    assert saved["conversion_units"] == {"capacity": "LITER"} and saved["labels"] == {"fr_FR": "E-commerce"}


def test_changing_locales_recomputes_completeness_and_enables_the_locale(api):
    product = make_product("hat_1")
    assert completeness_locales(product, "ecommerce") == ["de_DE", "en_US", "fr_FR"]
    assert api.patch(f"{URL}/ecommerce", json={"locales": ["en_US", "es_ES"]}).status_code == 204
    assert completeness_locales(product, "ecommerce") == ["en_US", "es_ES"]
    assert completeness_locales(product, "mobile") == ["en_US", "fr_FR"]
    with db.connection_context():
        assert Locale.get(Locale.code == "es_ES").enabled
    assert api.get("/api/rest/v1/locales/es_ES").get_json() == {"code": "es_ES", "enabled": True}


def test_a_new_channel_gets_completeness(api):
    product = make_product("hat_2")
    assert api.post(URL, json={**NEW, "locales": ["fr_FR", "en_US"]}).status_code == 201
    assert completeness_locales(product, "web") == ["en_US", "fr_FR"]


def test_validation_errors(api):
    response = api.post(URL, json={"code": "web", "category_tree": "master_hats", "locales": [], "currencies": ["GBP"],
                                   "conversion_units": {"name": "X", "nope": "Y", "weight": "METER"},
                                   "labels": {"xx_XX": "X"}})
    assert response.get_json() == invalid(
        ("labels", 'The locale "xx_XX" does not exist.'),
        ("category_tree", 'The category "master_hats" has to be a root category.'),
        ("currencies", 'The currency "GBP" has to be activated.'),
        ("locales", "This collection should contain 1 element or more."),
        ("conversion_units", 'The attribute "name" is not a metric attribute.'),
        ("conversion_units", 'The attribute "nope" does not exist.'),
        ("conversion_units", 'The unit "METER" does not exist or does not belong to the default metric family of '
                             'the given attribute "weight".'))
    assert api.post(URL, json={"code": "web"}).get_json() == invalid(
        ("category_tree", "This value should not be blank."),
        ("currencies", "This collection should contain 1 element or more."),
        ("locales", "This collection should contain 1 element or more."))
    assert api.post(URL, json={**NEW, "code": "9_9"}).get_json() == invalid(
        ("code", "Channel code may contain only letters, numbers and underscores and should contain at least one "
                 "letter"))
    assert api.post(URL, json={**NEW, "code": "print"}).get_json() == invalid(("code", "This value is already used."))
    assert channel("web") is None and channel("9_9") is None


def test_documented_refusals(api):
    cases = [
        ({**NEW, "category_tree": "nope"},
         'Property "category_tree" expects a valid code. The category does not exist, "nope" given.'),
        ({**NEW, "locales": ["en_US", "xx_XX"]},
         'Property "locales" expects a valid code. The locale does not exist, "xx_XX" given.'),
        ({**NEW, "currencies": ["ZZZ"]},
         'Property "currencies" expects a valid code. The currency does not exist, "ZZZ" given.'),
        ({**NEW, "locales": "en_US"}, 'Property "locales" expects an array as data, "string" given.'),
        ({**NEW, "labels": None}, 'Property "labels" expects an array as data, "NULL" given.'),
        ({**NEW, "currencies": [["USD"]]},
         'Property "currencies" expects an array with valid data, one of the "currencies" values is not a scalar.'),
        ({**NEW, "category_tree": ["master"]}, 'Property "category_tree" expects a scalar as data, "array" given.'),
        ({**NEW, "type": "bar"}, 'Property "type" does not exist.'),
    ]
    for body, reason in cases:
        assert api.post(URL, json=body).get_json() == documented(reason, "post_channels")
        assert api.patch(f"{URL}/web", json=body).get_json() == documented(reason, "patch_channels__code_")
    assert channel("web") is None


def test_body_code_must_match_the_url(api):
    response = api.patch(f"{URL}/print", json={"code": "web"})
    assert response.get_json() == {"code": 422, "message": 'The code "web" provided in the request body must match '
                                                           'the code "print" provided in the url.'}


def test_a_refused_patch_leaves_the_channel_untouched(api):
    before = channel("mobile")
    product = make_product("hat_3")
    response = api.patch(f"{URL}/mobile", json={"locales": ["de_DE"], "labels": {"en_US": "Changed"},
                                                "currencies": ["GBP"]})
    assert response.status_code == 422
    assert channel("mobile") == before
    assert completeness_locales(product, "mobile") == ["en_US", "fr_FR"]
    with db.connection_context():
        assert not Locale.get(Locale.code == "es_ES").enabled


def test_updated_is_read_only(api):
    assert api.patch(f"{URL}/print", json={"updated": "2001-01-01T00:00:00+00:00"}).status_code == 204


def test_batch(api):
    response = api.patch_batch(URL, [
        {"code": "ecommerce", "currencies": ["EUR"]},
        {"code": "foo", "type": "bar"},
        {"code": "baz,", "category_tree": "master", "currencies": ["EUR"], "locales": ["fr_FR"]},
        {"code": "ecommerce_ch", "category_tree": "master", "currencies": ["EUR"], "locales": ["fr_FR"]},
    ])
    assert response.status_code == 200
    assert api.lines(response) == [
        {"line": 1, "code": "ecommerce", "status_code": 204},
        {"line": 2, "code": "foo", "status_code": 422,
         "message": 'Property "type" does not exist. Check the expected format on the API documentation.',
         "_links": {"documentation": {"href": "http://api.akeneo.com/api-reference.html#patch_channels__code_"}}},
        {"line": 3, "code": "baz,", "status_code": 422, "message": "Validation failed.",
         "errors": [{"property": "code", "message": "Channel code may contain only letters, numbers and underscores "
                                                    "and should contain at least one letter"}]},
        {"line": 4, "code": "ecommerce_ch", "status_code": 201},
    ]
    assert channel("ecommerce")["currencies"] == ["EUR"] and channel("ecommerce_ch")["locales"] == ["fr_FR"]


def test_acls(api_as):
    nothing = api_as(["pim_api_overall_access"])
    assert nothing.get(URL).get_json() == {"code": 403, "message": "Access forbidden. You are not allowed to list "
                                                                   "channels."}
    assert nothing.get(f"{URL}/print").status_code == 403
    reader = api_as(["pim_api_overall_access", "pim_api_channel_list"])
    assert reader.get(f"{URL}/print").status_code == 200
    for response in (reader.post(URL, json=NEW), reader.patch(f"{URL}/web", json=NEW),
                     reader.patch_batch(URL, [NEW])):
        assert response.get_json() == {"code": 403, "message": "Access forbidden. You are not allowed to create or "
                                                               "update channels."}
    assert channel("web") is None


@pytest.mark.parametrize("field", ["code", "category_tree", "locales", "currencies", "conversion_units", "labels"])
def test_odd_bodies_never_fail_the_server(api, field):
    for value in ODD_VALUES:
        for response in (api.post(URL, json={**NEW, field: value}),
                         api.patch(f"{URL}/odd", json={**NEW, "code": "odd", field: value}),
                         api.patch(f"{URL}/print", json={field: value})):
            assert response.status_code in (201, 204, 400, 422), (field, value, response.get_json())
