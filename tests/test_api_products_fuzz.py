"""Nothing a client sends to the product endpoints answers 500: random, huge, unicode and NUL-laden bodies."""
import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_product

URL = "/api/rest/v1/products-uuid"
LEGACY = "/api/rest/v1/products"
FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=20) | st.sampled_from(
    ["", " ", "\x00", "é", "😀", "master_hats", "red", "en_US", "ecommerce", "GRAM", "USD", "hats", "X_SELL",
     str(uuid.UUID(int=1)), "a" * 300])
SCALARS = st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=8)
ATTRIBUTES = st.sampled_from(["sku", "name", "description", "price", "weight", "color", "seasons", "picture",
                              "waterproof", "release_date", "stock_quantity", "nope"])
ENTRY = st.fixed_dictionaries({"data": JSON}, optional={"locale": JSON, "scope": JSON})
VALUES = st.dictionaries(ATTRIBUTES, st.lists(ENTRY, max_size=3) | JSON, max_size=4)
KEYS = st.sampled_from(["enabled", "family", "categories", "groups", "parent", "associations",
                        "quantified_associations", "created", "updated", "uuid", "metadata", "identifier"])
BODY = st.dictionaries(KEYS, JSON, max_size=4).flatmap(
    lambda base: st.just(base) | VALUES.map(lambda values: {**base, "values": values}))


def assert_no_500(response, body):
    assert response.status_code < 500, (body, response.get_data(as_text=True))


@FUZZ
@given(body=BODY)
def test_create_and_patch_never_500(api, seeded_app, body):
    assert_no_500(api.post(URL, json=body), body)
    assert_no_500(api.patch(f"{URL}/{uuid.uuid4()}", json=body), body)
    assert_no_500(api.post(LEGACY, json=body), body)
    assert_no_500(api.patch(f"{LEGACY}/fuzz-target", json=body), body)


@FUZZ
@given(body=BODY)
def test_updates_of_an_existing_product_never_500(api, seeded_app, body):
    api.patch(f"{LEGACY}/fuzz-hat", json={"family": "hats", "categories": ["master_hats"]})
    hat = api.get(f"{LEGACY}/fuzz-hat").get_json()
    target = api.get(URL, query_string={"limit": 100}).get_json()["_embedded"]["items"]
    product_uuid = next(item["uuid"] for item in target if item["values"]["sku"][0]["data"] == hat["identifier"])
    assert_no_500(api.patch(f"{URL}/{product_uuid}", json=body), body)
    assert_no_500(api.patch(f"{LEGACY}/fuzz-hat", json=body), body)


@FUZZ
@given(lines=st.lists(JSON | BODY.map(lambda b: {**b, "uuid": str(uuid.uuid4())}), max_size=4))
def test_batch_never_500(api, seeded_app, lines):
    response = api.patch_batch(URL, [json.dumps(line) for line in lines])
    assert_no_500(response, lines)
    assert all(line["status_code"] < 500 for line in api.lines(response)) if lines else True


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["attributes", "locales", "scope", "limit", "page", "with_count",
                                               "pagination_type", "search_after", "with_completenesses",
                                               "with_attribute_options"]), TEXT, max_size=4))
def test_list_parameters_never_500(api, seeded_app, params):
    assert_no_500(api.get(URL, query_string=params), params)
    assert_no_500(api.post(f"{URL}/search", json=params), params)


def test_huge_and_hostile_bodies(api, seeded_app):
    """Megabyte strings, NUL characters and deep nesting are refused with 4xx, nothing written."""
    hat = make_product("hat")
    huge = "x" * 1_000_000
    bodies = [
        {"values": {"sku": [{"locale": None, "scope": None, "data": huge}]}},
        {"categories": [huge]}, {"family": huge}, {"associations": {huge: {"products": []}}},
        {"associations": {"X_SELL": {"products": [huge, "\x00"]}}},
        {"values": {"name": [{"locale": "en_US\x00", "scope": None, "data": "x"}]}},
        {"values": {"erp_name": [{"locale": None, "scope": None, "data": "a\x00b"}]}},
        {"categories": ["master\x00"]}, {"values": {huge: []}},
        {"values": {"erp_name": [{"locale": None, "scope": None, "data": "😀" * 300}]}},
        {"values": {"weight": [{"locale": None, "scope": None, "data": {"amount": "1e999999", "unit": "GRAM"}}]}},
        {"values": {"stock_quantity": [{"locale": None, "scope": None, "data": 10**400}]}},
        {"values": {"stock_quantity": [{"locale": None, "scope": None, "data": "1e-999999999"}]}},
        {"values": {"price": [{"locale": None, "scope": None, "data": [{"amount": "-1e999999999", "currency": "EUR"}]}]}},
        {"values": {"release_date": [{"locale": None, "scope": None, "data": "9999-99-99"}]}},
        {"enabled": [[[[[[[[[[[]]]]]]]]]]]},
    ]
    for body in bodies:
        for response in (api.patch(f"{URL}/{hat.uuid}", json=body), api.post(URL, json=body)):
            assert 400 <= response.status_code < 500, (str(body)[:200], response.get_json())
    assert api.get(f"{URL}/{hat.uuid}").get_json()["values"] == {
        "sku": [{"locale": None, "scope": None, "data": "hat"}]}
    for path in (f"{LEGACY}/{huge[:5000]}", f"{LEGACY}/a%00b", f"{URL}/{huge[:5000]}", "/api/rest/v1/media-files/%00"):
        assert api.get(path).status_code == 404


def raw(api, method, path, body, content_type="application/json"):
    return getattr(api.client, method)(path, data=body, content_type=content_type,
                                       headers={"Authorization": f"Bearer {api.token}"})


def test_lone_surrogates_and_deep_nesting_are_invalid_json(api, seeded_app):
    """What the reference's JSON decoder refuses (lone surrogates, nesting too deep) is a 400, never a 500;
    a batch holding such a line is refused before any line is written."""
    sku = '{"locale": null, "scope": null, "data": "ok"}'
    bodies = ['{"values": {"sku": [{"locale": null, "scope": null, "data": "a\\ud800"}]}}',
              '{"values": {"sku": [%s], "erp_name": [{"locale": null, "scope": null, "data": "\\udfff"}]}}' % sku,
              '{"categories": ["\\ud800"]}', '{"\\ud800": 1}', "[" * 100_000 + "]" * 100_000,
              '{"enabled": ' + "[" * 900 + "]" * 900 + "}",
              '{"values": {"sku": [{"locale": null, "scope": null, "data": ' + "[" * 950 + "]" * 950 + "}]}}"]
    for number, body in enumerate(bodies):
        for method, path in (("post", URL), ("patch", f"{URL}/{uuid.uuid4()}"), ("post", LEGACY),
                             ("patch", f"{LEGACY}/x"), ("post", f"{URL}/search")):
            response = raw(api, method, path, body)
            assert response.status_code < 500, (method, path, body[:60], response.get_json())
            if number < 5:  # undecodable for the reference: a 400 everywhere
                assert response.get_json() == {"code": 400, "message": "Invalid json message received"}
    first = json.dumps({"uuid": str(uuid.uuid4()), "values": {"sku": [{"locale": None, "scope": None, "data": "a"}]}})
    for line in ('{"uuid": "\\ud800"}', '{"uuid": "%s", "x": "\\ud800"}' % uuid.uuid4(), "[" * 100_000):
        for path, bad in ((URL, line), (LEGACY, line.replace('"uuid"', '"identifier"'))):
            response = raw(api, "patch", path, f"{first}\n{bad}", "application/vnd.akeneo.collection+json")
            assert response.get_json() == {"code": 400, "message": "Invalid json message received"}
    assert api.get(URL).get_json()["_embedded"]["items"] == []
