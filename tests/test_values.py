"""Value rules per attribute type (§6.3, §6.4) and the ProductValue index rows."""
import datetime

import pytest

from pimconnect.db import write_txn
from pimconnect.models import Attribute, MediaFile, ProductValue
from pimconnect.services.products.writes import ValidationFailed, save_product
from pimconnect.services.products.values import index_rows, to_standard
from pimconnect.services.structure.snapshot import Structure


def v(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


def errors_of(values, identifier="bad", **extra):
    with pytest.raises(ValidationFailed) as caught:
        save_product({"identifier": identifier, "values": values, **extra})
    assert caught.value.message == "Validation failed."
    return caught.value.errors


def message_of(values, **extra):
    errors = errors_of(values, **extra)
    assert len(errors) == 1, errors
    return errors[0]["message"]


def stored(product, code):
    return product.values[code][0]["data"]


def rows_of(product, code):
    attribute = Attribute.get(code=code)
    return list(ProductValue.select().where(ProductValue.product == product.uuid, ProductValue.attribute == attribute)
                .order_by(ProductValue.key, ProductValue.locale, ProductValue.scope).dicts())


@pytest.fixture
def media(seeded_app, conn):
    """A PNG and a text media file."""
    with write_txn():
        png = MediaFile.create(code="a/b/c/d/abcd_pic.png", original_filename="pic.png", mime_type="image/png",
                               size=3, extension="png", content=b"png")
        txt = MediaFile.create(code="a/b/c/d/abcd_notice.txt", original_filename="notice.txt",
                               mime_type="text/plain", size=3, extension="txt", content=b"txt")
    return png.code, txt.code


def test_text_is_stored_and_indexed_lower_cased(seeded_app, conn):
    """A text value is stored as given and indexed lower-cased."""
    product = save_product({"identifier": "p1", "values": {"erp_name": v("Straw HAT")}})
    assert stored(product, "erp_name") == "Straw HAT"
    assert rows_of(product, "erp_name")[0]["text"] == "straw hat"


def test_text_type_and_length_errors(seeded_app, conn):
    """Text expects a string within max_characters."""
    assert message_of({"erp_name": v(12)}) == 'Property "erp_name" expects a string as data, "integer" given.'
    assert message_of({"short_tagline": v("x" * 81, "en_US")}) == (
        "This value is too long. It should have 80 characters or less.")


def test_text_regexp_mismatch(seeded_app, conn):
    """A text with a regexp validation rule must match it."""
    error = errors_of({"ean": v("12AB")})[0]
    assert error == {"property": "values", "attribute": "ean", "locale": None, "scope": None,
                     "message": "The ean attribute must match the following regular expression: ^[0-9]{13}$."}


def test_number_without_decimals(seeded_app, conn):
    """An integer number stays an integer; decimals and negatives are refused when not allowed."""
    product = save_product({"identifier": "p1", "values": {"stock_quantity": v("12")}})
    assert stored(product, "stock_quantity") == 12
    assert rows_of(product, "stock_quantity")[0]["number"] == 12.0
    assert message_of({"stock_quantity": v(1.5)}) == "This value should not be a decimal."
    assert message_of({"stock_quantity": v(-3)}) == "This value should be greater than or equal to 0."
    assert message_of({"stock_quantity": v("abc")}) == "This value should be a valid number."
    assert message_of({"stock_quantity": v(True)}) == 'Property "stock_quantity" expects a numeric as data, "boolean" given.'


def test_number_range(seeded_app, conn):
    """number_min / number_max bound a number."""
    with write_txn():
        Attribute.update(number_min="10", number_max="20").where(Attribute.code == "stock_quantity").execute()
    assert message_of({"stock_quantity": v(5)}) == "This value should be 10 or more."
    assert message_of({"stock_quantity": v(25)}) == "This value should be 20 or less."


def test_decimal_number_is_a_string(seeded_app, conn):
    """With decimals allowed a number is stored as a numeric string (§6.3)."""
    with write_txn():
        Attribute.update(decimals_allowed=True).where(Attribute.code == "stock_quantity").execute()
    product = save_product({"identifier": "p1", "values": {"stock_quantity": v("12.05")}})
    assert stored(product, "stock_quantity") == "12.0500"


def test_metric_is_converted_to_the_standard_unit_in_the_index(seeded_app, conn):
    """A metric keeps amount and unit; its index row holds the amount in the standard unit and the unit as key."""
    product = save_product({"identifier": "p1", "values": {"weight": v({"amount": "500", "unit": "GRAM"})}})
    assert stored(product, "weight") == {"amount": "500.0000", "unit": "GRAM"}
    row = rows_of(product, "weight")[0]
    assert row["key"] == "GRAM" and row["number"] == pytest.approx(0.5)


def test_metric_errors(seeded_app, conn):
    """A metric needs a unit of its measurement family and a non-negative amount."""
    assert "valid metric unit" in message_of({"weight": v({"amount": 1, "unit": "METER"})})
    assert message_of({"weight": v({"amount": -1, "unit": "GRAM"})}) == "This value should be greater than or equal to 0."
    assert message_of({"weight": v("heavy")}) == 'Property "weight" expects an array with the keys "amount" and "unit".'


def test_price_collection_rows_per_currency(seeded_app, conn):
    """Prices are sorted by currency and indexed one row per currency."""
    product = save_product({"identifier": "p1", "values": {"price": v([{"amount": 10, "currency": "USD"},
                                                                       {"amount": "9.5", "currency": "EUR"}])}})
    assert stored(product, "price") == [{"amount": "9.50", "currency": "EUR"}, {"amount": "10.00", "currency": "USD"}]
    assert [(r["key"], r["number"]) for r in rows_of(product, "price")] == [("EUR", 9.5), ("USD", 10.0)]


def test_price_errors_carry_the_currency(seeded_app, conn):
    """An inactive currency or a negative price is reported with its currency."""
    error = errors_of({"price": v([{"amount": 1, "currency": "GBP"}])})[0]
    assert error["currency"] == "GBP" and error["message"] == 'The currency "GBP" does not exist or is not activated.'
    error = errors_of({"price": v([{"amount": -1, "currency": "EUR"}])})[0]
    assert error["currency"] == "EUR" and error["message"] == "This value should be 0 or more."


def test_boolean_and_date(seeded_app, conn):
    """Booleans must be true/false; dates are stored as ISO timestamps at midnight UTC."""
    product = save_product({"identifier": "p1", "values": {"waterproof": v(False), "release_date": v("2020-05-17")}})
    assert stored(product, "waterproof") is False
    assert stored(product, "release_date") == "2020-05-17T00:00:00+00:00"
    assert rows_of(product, "waterproof")[0]["boolean"] is False
    assert rows_of(product, "release_date")[0]["date"] == datetime.date(2020, 5, 17)
    assert message_of({"waterproof": v("yes")}) == 'Property "waterproof" expects a boolean as data, "string" given.'
    assert message_of({"release_date": v("1999-12-31")}) == "The date must be 2000-01-01 or after."
    assert "yyyy-mm-dd" in message_of({"release_date": v("17/05/2020")})


def test_simple_and_multi_select(seeded_app, conn):
    """Options must exist; a multi-select is indexed one row per option."""
    product = save_product({"identifier": "p1", "values": {"color": v("Red"), "seasons": v(["winter", "summer"])}})
    assert stored(product, "color") == "red"
    assert stored(product, "seasons") == ["summer", "winter"]
    assert [r["key"] for r in rows_of(product, "seasons")] == ["summer", "winter"]
    assert message_of({"color": v("tommh")}) == "The tommh value is not in the color attribute option list."
    assert message_of({"seasons": v(["x", "y"])}) == "The x, y values are not in the seasons attribute option list."


def test_media_must_exist_with_an_allowed_extension(media):
    """Images and files reference existing media files whose extension the attribute allows."""
    png, txt = media
    product = save_product({"identifier": "p1", "values": {"picture": v(png), "notice": v(txt)}})
    assert stored(product, "picture") == png
    assert message_of({"picture": v("nope.png")}) == 'The media file "nope.png" does not exist.'
    assert "file extension is not allowed" in message_of({"picture": v(txt)})


def test_locale_and_scope_rules(seeded_app, conn):
    """Locale and scope must match the attribute's localizable/scopable flags, channels and locales."""
    assert message_of({"name": v("x", "xx_XX")}) == 'Attribute "name" expects an existing and activated locale, "xx_XX" given.'
    assert message_of({"name": v("x", "es_ES")}) == 'Attribute "name" expects an existing and activated locale, "es_ES" given.'
    assert message_of({"name": v("x")}) == 'Attribute "name" expects a locale, none given.'
    assert message_of({"erp_name": v("x", "en_US")}) == 'Attribute "erp_name" does not expect a locale, "en_US" given.'
    assert message_of({"description": v("x", "en_US")}) == 'Attribute "description" expects a channel code, none given.'
    assert message_of({"description": v("x", "en_US", "web")}) == 'Attribute "description" expects an existing scope, "web" given.'
    assert "is not bound to channel" in message_of({"description": v("x", "de_DE", "mobile")})
    assert "locale specific" in message_of({"french_label": v("x", "en_US")})


def test_unknown_attribute(seeded_app, conn):
    """An unknown attribute uses the reference's wording."""
    assert message_of({"nope": v("x")}) == "The nope attribute does not exist in your PIM."


def test_errors_are_collected_and_deduplicated(seeded_app, conn):
    """Every problem is reported at once, each only once."""
    errors = errors_of({"color": v("x") + v("x"), "waterproof": v(3)}, family="nope", categories=["c"])
    assert [e["property"] for e in errors] == ["family", "categories", "values", "values"]


def test_unique_attribute_duplicates_are_refused(seeded_app, conn):
    """A unique attribute's value cannot repeat on another product (the product itself may keep it)."""
    first = save_product({"identifier": "p1", "values": {"ean": v("1234567890123")}})
    assert message_of({"ean": v("1234567890123")}, identifier="p2") == (
        "The value 1234567890123 is already set on another product for the unique attribute ean.")
    assert save_product({"values": {"ean": v("1234567890123")}}, first).version == 2


def test_empty_data_erases_a_value(seeded_app, conn):
    """null, "" and [] remove a value and its index rows; other values stay."""
    product = save_product({"identifier": "p1", "values": {"erp_name": v("x"), "seasons": v(["summer"]),
                                                            "color": v("red")}})
    product = save_product({"values": {"erp_name": v(""), "seasons": v([]), "color": v(None)}}, product)
    assert set(product.values) == {"sku"}
    assert rows_of(product, "seasons") == []


def test_values_merge_per_locale_and_scope(seeded_app, conn):
    """Sent entries replace or add per (locale, scope); the others are untouched."""
    product = save_product({"identifier": "p1", "values": {"name": v("Hat", "en_US") + v("Chapeau", "fr_FR")}})
    product = save_product({"values": {"name": v("Big hat", "en_US") + v("Hut", "de_DE")}}, product)
    names = {e["locale"]: e["data"] for e in product.values["name"]}
    assert names == {"en_US": "Big hat", "fr_FR": "Chapeau", "de_DE": "Hut"}


def test_index_rows_is_pure(seeded_app, conn):
    """index_rows builds rows from a document without touching the database."""
    structure = Structure.load()
    rows = index_rows("id", {"sku": v("ABC"), "weight": v({"amount": "2", "unit": "KILOGRAM"}),
                             "name": v("Hat", "en_US")}, structure)
    by_attr = {structure.attributes_by_id[r["attribute"]].code: r for r in rows}
    assert by_attr["sku"]["text"] == "abc" and by_attr["name"]["locale"] == "en_US"
    assert by_attr["weight"]["number"] == 2.0 and by_attr["weight"]["scope"] == ""


def test_to_standard_applies_operations_in_order():
    """Unit conversion applies mul/div/add/sub in order."""
    operations = [{"operator": "mul", "value": "2"}, {"operator": "add", "value": "3"},
                  {"operator": "div", "value": "5"}, {"operator": "sub", "value": "1"}]
    assert to_standard("11", operations) == 4.0
