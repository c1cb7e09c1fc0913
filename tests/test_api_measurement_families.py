"""REST API measurement families (§5.8): the unpaginated list and the PATCH of a JSON array of families."""
import pytest

from pimconnect.db import db
from pimconnect.models import Attribute, MeasurementFamily, MeasurementUnit, ProductValue
from tests.factories import make_product
from tests.test_api_categories import ODD_VALUES, queries  # noqa: F401

URL = "/api/rest/v1/measurement-families"
BUSINESS = "The measurement family has data that does not comply with the business rules."
FORMAT = "The measurement family has an invalid format."


def unit(code, operations=(("mul", "1"),), symbol="", labels=None):
    return {"code": code, "labels": labels or {}, "symbol": symbol,
            "convert_from_standard": [{"operator": o, "value": v} for o, v in operations]}


def family(code, standard, *units, labels=None):
    return {"code": code, "labels": labels or {}, "standard_unit_code": standard, "units": {u["code"]: u for u in units}}


AREA = family("Area", "SQUARE_METER", unit("SQUARE_METER", symbol="m²", labels={"en_US": "Square meter"}),
              unit("SQUARE_CENTIMETER", [("mul", "0.0001")], "cm²"), labels={"en_US": "Area"})


def patch(api, *families):
    response = api.patch(URL, json=list(families))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def stored(code):
    with db.connection_context():
        found = MeasurementFamily.get_or_none(MeasurementFamily.code == code)
        if found is None:
            return None
        units = MeasurementUnit.select().where(MeasurementUnit.family == found).order_by(MeasurementUnit.sort_order)
        return {"labels": found.labels, "standard": found.standard_unit,
                "units": {u.code: (u.symbol, u.labels, u.convert_from_standard) for u in units}}


def refused(code, message, *errors):
    return {"code": code, "status_code": 422, "message": message,
            "errors": [{"property": p, "message": m} for p, m in errors]}


# -- reads ------------------------------------------------------------------------------------------

def test_list_is_every_family_with_units_indexed_by_code(api):
    body = api.get(URL).get_json()
    assert [f["code"] for f in body] == ["Length", "Volume", "Weight"]
    weight = body[2]
    assert list(weight) == ["code", "labels", "standard_unit_code", "units"]
    assert weight["standard_unit_code"] == "KILOGRAM" and list(weight["units"])[:2] == ["MILLIGRAM", "GRAM"]
    assert weight["units"]["GRAM"] == {"code": "GRAM", "labels": {"en_US": "Gram"},
                                       "convert_from_standard": [{"operator": "mul", "value": "0.001"}], "symbol": "g"}


def test_list_reads_two_queries_whatever_the_number_of_families(api, queries):  # noqa: F811
    queries.count = 0
    api.get(URL)
    few = queries.count
    patch(api, *[family(f"F{i}", "U", unit("U"), unit("V", [("mul", "2")])) for i in range(10)])
    queries.count = 0
    assert len(api.get(URL).get_json()) == 13
    assert queries.count == few


# -- create and update ------------------------------------------------------------------------------

def test_patch_creates_a_family(api):
    assert patch(api, AREA) == [{"code": "Area", "status_code": 201}]
    assert stored("Area") == {"labels": {"en_US": "Area"}, "standard": "SQUARE_METER", "units": {
        "SQUARE_METER": ("m²", {"en_US": "Square meter"}, [{"operator": "mul", "value": "1"}]),
        "SQUARE_CENTIMETER": ("cm²", {}, [{"operator": "mul", "value": "0.0001"}])}}
    assert [f["code"] for f in api.get(URL).get_json()] == ["Area", "Length", "Volume", "Weight"]


def test_patch_merges_labels_and_units_into_the_stored_family(api):
    patch(api, AREA)
    result = patch(api, {"code": "Area", "labels": {"fr_FR": "Surface"}, "units": {
        "SQUARE_CENTIMETER": {"labels": {"fr_FR": "Centimètre carré"},
                              "convert_from_standard": [{"operator": "mul", "value": "0.1"}, {"operator": "add",
                                                                                              "value": "10"}]},
        "HECTARE": unit("HECTARE", [("mul", "10000")], "ha")}})
    assert result == [{"code": "Area", "status_code": 204}]
    area = stored("Area")
    assert area["labels"] == {"en_US": "Area", "fr_FR": "Surface"}
    assert list(area["units"]) == ["SQUARE_METER", "SQUARE_CENTIMETER", "HECTARE"]
    assert area["units"]["SQUARE_CENTIMETER"] == ("cm²", {"fr_FR": "Centimètre carré"}, [
        {"operator": "mul", "value": "0.1"}, {"operator": "add", "value": "10"}])


def test_each_family_is_answered_on_its_own(api):
    result = patch(api, AREA, {"code": "Bad-code", "standard_unit_code": "U", "units": {"U": unit("U")}},
                   family("Speed", "MPS", unit("MPS")))
    assert [line["status_code"] for line in result] == [201, 422, 201]
    assert stored("Area") and stored("Speed") and stored("Bad-code") is None


def test_a_new_unit_is_usable_by_product_values(api):
    """The product values code converts metric amounts with the stored operations (to the standard unit)."""
    patch(api, {"code": "Weight", "units": {"TON": unit("TON", [("mul", "1000")], "t")}})
    product = make_product("heavy_hat", values={"weight": [{"locale": None, "scope": None,
                                                            "data": {"amount": "2", "unit": "TON"}}]})
    with db.connection_context():
        attribute = Attribute.get(Attribute.code == "weight")
        value = ProductValue.get(ProductValue.product == product.uuid, ProductValue.attribute == attribute)
    assert value.number == 2000 and value.key == "TON"


# -- refusals ---------------------------------------------------------------------------------------

def test_the_body_must_be_an_array_of_objects(api):
    response = api.patch(URL, json={"values": None})
    assert response.status_code == 400
    assert response.get_json() == {"code": 400, "message": "The list of measurement families has an invalid format.",
                                   "errors": [{"property": "", "message": "Object value found, but an array is "
                                                                         "required"}]}
    assert api.patch(URL, json=[AREA, 3]).get_json()["errors"] == [
        {"property": "[1]", "message": "Integer value found, but an object is required"}]
    for raw in ("null", "nope", '[{"code": "\\ud800"}]', "[" * 5000 + "]" * 5000):
        response = api.client.patch(URL, data=raw, content_type="application/json", headers=api._headers(None))
        assert response.get_json() == {"code": 400, "message": "Invalid json message received"}
    too_many = api.patch(URL, json=[AREA] * 101)
    assert too_many.get_json() == {"code": 413, "message": "Too many resources to process, 100 is the maximum "
                                                           "allowed."}
    assert stored("Area") is None


def test_structure_refusals(api):
    assert patch(api, {"labels": {"en_US": "X"}}) == [refused("", FORMAT, ("code", "The property code is required"))]
    assert patch(api, {"code": 3}) == [refused("3", FORMAT, ("code", "Integer value found, but a string is required"))]
    assert patch(api, {"code": "Area"}) == [refused("Area", FORMAT, ("units", "The property units is required"), (
        "standard_unit_code", "The property standard_unit_code is required"))]
    assert patch(api, {"code": "Weight", "foo": "bar"}) == [refused("Weight", FORMAT, (
        "", "The property foo is not defined and the definition does not allow additional properties"))]
    assert patch(api, {**AREA, "labels": None, "units": {"X": {"code": 1, "convert_from_standard": [{"op": "mul"}]}}}) \
        == [refused("Area", FORMAT,
                    ("labels", "NULL value found, but an object is required"),
                    ("units.X.code", "Integer value found, but a string is required"),
                    ("units.X.convert_from_standard[0].operator", "The property operator is required"),
                    ("units.X.convert_from_standard[0].value", "The property value is required"))]
    assert stored("Area") is None


def test_business_rule_refusals(api):
    cases = [
        ({**AREA, "units": {"WRONG": unit("SQUARE_METER")}},
         [("[units][WRONG]", "The index does not match the unit code.")]),
        ({**AREA, "code": "a-b"}, [("code", "This field can only contain letters, numbers, and underscores.")]),
        ({**AREA, "labels": {"en_US": "x" * 101}},
         [("labels[en_US]", "This value is too long. It should have 100 characters or less.")]),
        ({**AREA, "standard_unit_code": ""}, [("standard_unit_code", "The standard unit is required.")]),
        ({**AREA, "standard_unit_code": "ACRE"}, [("standard_unit_code", 'The "ACRE" standard unit code does not exist '
                                                                         'in the list of units for the "Area" '
                                                                         'measurement family.')]),
        (family("Area", "M2", unit("M2", [("mul", "2")])),
         [("units[0].convert_from_standard",
           'The standard unit code of the "Area" measurement family should be a multiply-by-1 operation')]),
        (family("Area", "M2", unit("M2"), unit("CM2", [])),
         [("units[1][convert_from_standard]", "A minimum of one conversion operation per unit is required.")]),
        (family("Area", "M2", unit("M2"), unit("CM2", [("mul", "1")] * 6)),
         [("units[1][convert_from_standard]", "You’ve reached the limit of 5 conversion operations per unit.")]),
        (family("Area", "M2", unit("M2"), unit("CM2", [("pow", "2"), ("", "1")])),
         [("units[1][convert_from_standard][0][operator]",
           'The "pow" operator is invalid, please use "mul", "div", "add", "sub" instead.'),
          ("units[1][convert_from_standard][1][operator]", "This value should not be blank.")]),
        (family("Area", "M2", unit("M2"), unit("CM2", [("mul", "1.24adv"), ("mul", ""), ("div", "0"),
                                                       ("mul", "1e999")])),
         [("units[1][convert_from_standard][0][value]", 'The conversion value should be a number represented in a '
                                                        'string (example: "0.2561")'),
          ("units[1][convert_from_standard][1][value]", "This value should not be blank."),
          ("units[1][convert_from_standard][2][value]", "A conversion cannot divide by zero."),
          ("units[1][convert_from_standard][3][value]", 'The conversion value should be a number represented in a '
                                                        'string (example: "0.2561")')]),
        (family("Area", "M2", unit("M2", symbol="s" * 256)),
         [("units[0][symbol]", "This value is too long. It should have 255 characters or less.")]),
        (family("Area", "M2", unit("M2", labels={"en_US": "a\u0000"})),
         [("units[0][labels][en_US]", "This value should not contain the NUL character.")]),
        (family("Area", "U0", *[unit(f"U{i}") for i in range(51)]),
         [("units", "You’ve reached the limit of 50 conversion operations per unit.")]),
        ({**AREA, "units": {}}, [("standard_unit_code", 'The "SQUARE_METER" standard unit code does not exist in the '
                                                        'list of units for the "Area" measurement family.'),
                                 ("units", "There should be at least 1 unit in the measurement family.")]),
    ]
    for body, errors in cases:
        assert patch(api, body) == [refused(body["code"], BUSINESS, *errors)], errors
    assert stored("Area") is None


def test_the_standard_unit_never_changes(api):
    before = stored("Length")
    result = patch(api, {"code": "Length", "standard_unit_code": "CENTIMETER",
                         "units": {"CENTIMETER": {"convert_from_standard": [{"operator": "mul", "value": "1"}]}}})
    assert result == [refused("Length", BUSINESS, ("standard_unit_code", 'The standard unit code of the "Length" '
                                                                         "measurement family cannot be changed"),
                              ("", "A product attribute is linked to this measurement family. You can only edit "
                                   "the translated labels and symbol of a unit"))]
    assert stored("Length") == before


def test_operations_are_locked_once_an_attribute_uses_the_family(api):
    before = stored("Weight")
    result = patch(api, {"code": "Weight", "units": {"GRAM": {"convert_from_standard": [{"operator": "mul",
                                                                                        "value": "0.002"}]}}})
    assert result == [refused("Weight", BUSINESS, ("", "A product attribute is linked to this measurement family. "
                                                       "You can only edit the translated labels and symbol of a unit"))]
    assert stored("Weight") == before
    result = patch(api, {"code": "Weight", "units": {"GRAM": {"symbol": "gr", "labels": {"fr_FR": "Gramme"}}}})
    assert result == [{"code": "Weight", "status_code": 204}]
    assert stored("Weight")["units"]["GRAM"] == ("gr", {"en_US": "Gram", "fr_FR": "Gramme"},
                                                 [{"operator": "mul", "value": "0.001"}])


def test_at_most_100_families(api):
    result = patch(api, *[family(f"F{i}", "U", unit("U")) for i in range(97)])
    assert {line["status_code"] for line in result} == {201}
    assert patch(api, family("One_too_many", "U", unit("U"))) == [refused(
        "One_too_many", BUSINESS, ("", "You’ve reached the limit of 100 measurement families."))]
    assert patch(api, {"code": "F1", "labels": {"en_US": "Still editable"}}) == [{"code": "F1", "status_code": 204}]


# -- permissions and odd input ----------------------------------------------------------------------

def test_acls(api_as):
    """The reference names no ACL: the attribute ones apply (measurement families are catalog structure)."""
    nothing = api_as(["pim_api_overall_access"])
    assert nothing.get(URL).get_json() == {
        "code": 403, "message": "Access forbidden. You are not allowed to list measurement families."}
    reader = api_as(["pim_api_overall_access", "pim_api_attribute_list"])
    assert reader.get(URL).status_code == 200
    assert reader.patch(URL, json=[AREA]).get_json() == {
        "code": 403, "message": "Access forbidden. You are not allowed to create or update measurement families."}
    assert stored("Area") is None


@pytest.mark.parametrize("field", ["code", "labels", "standard_unit_code", "units", "unit", "operations"])
def test_odd_bodies_never_fail_the_server(api, field):
    for value in ODD_VALUES:
        if field == "unit":
            body = {"code": "Weight", "units": {"GRAM": value}}
        elif field == "operations":
            body = {"code": "Weight", "units": {"TON": {"code": "TON", "convert_from_standard": [value]}}}
        else:
            body = {**AREA, field: value}
        response = api.patch(URL, json=[body])
        assert response.status_code in (200, 400), (field, value, response.get_json())


def test_a_255_character_symbol_is_kept(api):
    """The reference allows unit symbols of 255 characters (migration 0006 widened the column)."""
    body = [{"code": "Wide", "labels": {}, "standard_unit_code": "W1",
             "units": {"W1": {"code": "W1", "labels": {}, "symbol": "w" * 255,
                              "convert_from_standard": [{"operator": "mul", "value": "1"}]}}}]
    answer = api.patch("/api/rest/v1/measurement-families", json=body)
    assert answer.get_json() == [{"code": "Wide", "status_code": 201}]
    listed = {family["code"]: family for family in api.get("/api/rest/v1/measurement-families").get_json()}
    assert listed["Wide"]["units"]["W1"]["symbol"] == "w" * 255
