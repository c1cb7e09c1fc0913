"""Products ``search`` on attribute values (§6.5): every operator of every attribute type matches
what it should and nothing else, locale and scope defaults apply, criteria are AND-ed."""
import pytest

from pimconnect.services.products.media import media_code
from tests.product_search_shop import (  # noqa: F401 (shop is a fixture)
    EVERYONE,
    LONG_DESCRIPTION,
    WITH_FAMILY,
    criterion,
    shop,
)


# --- attribute values -------------------------------------------------------------------------

EN, FR, DE = {"locale": "en_US"}, {"locale": "fr_FR"}, {"locale": "de_DE"}
EN_ECOMMERCE = {"locale": "en_US", "scope": "ecommerce"}


@pytest.mark.parametrize("code, operator, value, context, expected", [
    ("name", "STARTS WITH", "straw", EN, ["hat-straw"]),
    ("name", "STARTS WITH", "straw", FR, []),
    ("name", "STARTS WITH", "CHAPEAU", FR, ["hat-straw"]),
    ("name", "CONTAINS", "100%", EN, ["hat-straw"]),
    ("name", "CONTAINS", "%", EN, ["hat-straw"]),
    ("name", "CONTAINS", "1_0", EN, []),
    ("name", "CONTAINS", "N_X", EN, ["pan-1"]),
    ("name", "DOES NOT CONTAIN", "bag", EN, ["hat-straw", "pan-1", "pot-2", "shirt-a"]),
    ("name", "=", "leather BAG", EN, ["Bag-Leather"]),
    ("name", "=", "leather", EN, []),
    ("name", "!=", "leather bag", EN, ["hat-straw", "pan-1", "pot-2", "shirt-a"]),
    ("name", "IN", ["SHIRT", "nope"], EN, ["shirt-a"]),
    ("name", "NOT IN", ["shirt"], EN, ["Bag-Leather", "hat-straw", "orphan", "pan-1", "pot-2"]),
    ("name", "EMPTY", None, EN, []),
    ("name", "EMPTY", None, FR, ["Bag-Leather", "pan-1", "pot-2", "shirt-a"]),
    ("name", "NOT EMPTY", None, FR, ["hat-straw"]),
    ("french_label", "=", "PAILLE", FR, ["hat-straw"]),
])
def test_text(shop, code, operator, value, context, expected):
    """Texts compare case-insensitively; % and _ in the value are plain characters; EMPTY needs the
    attribute in the product's family."""
    assert shop.found({code: [criterion(operator, value, **context)]}) == expected


@pytest.mark.parametrize("operator, value, context, expected", [
    ("CONTAINS", "needle", EN_ECOMMERCE, ["hat-straw"]),
    ("CONTAINS", "x" * 290 + " NEEDLE", EN_ECOMMERCE, ["hat-straw"]),
    ("CONTAINS", "needle", {"locale": "en_US", "scope": "mobile"}, []),
    ("STARTS WITH", "woven", EN_ECOMMERCE, ["hat-straw"]),
    ("STARTS WITH", LONG_DESCRIPTION[:280].upper(), EN_ECOMMERCE, ["hat-straw"]),
    ("STARTS WITH", LONG_DESCRIPTION[:280] + "y", EN_ECOMMERCE, []),
    ("=", LONG_DESCRIPTION.upper(), EN_ECOMMERCE, ["hat-straw"]),
    ("=", LONG_DESCRIPTION[:-1], EN_ECOMMERCE, []),
    ("=", LONG_DESCRIPTION[:255], EN_ECOMMERCE, []),
    ("!=", LONG_DESCRIPTION, EN_ECOMMERCE, []),
    ("!=", LONG_DESCRIPTION[:-1], EN_ECOMMERCE, ["hat-straw"]),
    ("DOES NOT CONTAIN", "needle", EN_ECOMMERCE, []),
    ("DOES NOT CONTAIN", "zzz", EN_ECOMMERCE, ["hat-straw"]),
    ("IN", [LONG_DESCRIPTION.upper(), "short"], EN_ECOMMERCE, ["hat-straw"]),
    ("NOT IN", [LONG_DESCRIPTION], EN_ECOMMERCE, [i for i in EVERYONE if i != "hat-straw"]),
    ("=", "SONNENHUT", {"locale": "de_DE", "scope": "ecommerce"}, ["hat-straw"]),
])
def test_long_text_past_the_index(shop, operator, value, context, expected):
    """A textarea longer than the 255 indexed characters still compares on its whole text."""
    assert shop.found({"description": [criterion(operator, value, **context)]}) == expected


@pytest.mark.parametrize("operator, value, expected", [
    ("<", 13, ["pan-1"]),
    ("<", 12, []),
    ("<=", 12, ["pan-1"]),
    ("=", "12", ["pan-1"]),
    ("=", 12.0, ["pan-1"]),
    ("!=", 12, []),
    ("!=", 11, ["pan-1"]),
    (">=", 12, ["pan-1"]),
    (">", 12, []),
    ("EMPTY", None, ["pot-2"]),
    ("NOT EMPTY", None, ["pan-1"]),
])
def test_number(shop, operator, value, expected):
    assert shop.found({"stock_quantity": [criterion(operator, value)]}) == expected


@pytest.mark.parametrize("code, operator, value, expected", [
    ("weight", "=", {"amount": 0.5, "unit": "KILOGRAM"}, ["hat-straw"]),
    ("weight", "=", {"amount": "500", "unit": "GRAM"}, ["hat-straw"]),
    ("weight", "<", {"amount": 1, "unit": "KILOGRAM"}, ["hat-straw"]),
    ("weight", "<=", {"amount": 1200, "unit": "GRAM"}, ["Bag-Leather", "hat-straw"]),
    ("weight", ">", {"amount": 0.5, "unit": "KILOGRAM"}, ["Bag-Leather"]),
    ("weight", ">=", {"amount": "0.5", "unit": "KILOGRAM"}, ["Bag-Leather", "hat-straw"]),
    ("weight", "!=", {"amount": 500, "unit": "GRAM"}, ["Bag-Leather"]),
    ("weight", "EMPTY", None, ["pan-1", "pot-2", "shirt-a"]),
    ("weight", "NOT EMPTY", None, ["Bag-Leather", "hat-straw"]),
    ("capacity", "=", {"amount": 1.5, "unit": "LITER"}, ["pan-1"]),
    ("capacity", ">", {"amount": 1600, "unit": "MILLILITER"}, ["Bag-Leather"]),
])
def test_metric(shop, code, operator, value, expected):
    """Metric amounts convert to the family's standard unit before comparing."""
    assert shop.found({code: [criterion(operator, value)]}) == expected


@pytest.mark.parametrize("operator, value, expected", [
    ("<", {"amount": 13, "currency": "EUR"}, ["hat-straw"]),
    ("<", {"amount": 13, "currency": "USD"}, []),
    ("<=", {"amount": 12.5, "currency": "EUR"}, ["hat-straw"]),
    ("=", {"amount": "12.5", "currency": "EUR"}, ["hat-straw"]),
    ("=", {"amount": 15, "currency": "USD"}, ["hat-straw"]),
    ("!=", {"amount": 12.5, "currency": "EUR"}, ["Bag-Leather"]),
    (">", {"amount": 50, "currency": "EUR"}, ["Bag-Leather"]),
    (">=", {"amount": 99, "currency": "EUR"}, ["Bag-Leather"]),
    ("EMPTY", None, ["pan-1", "pot-2", "shirt-a"]),
    ("NOT EMPTY", None, ["Bag-Leather", "hat-straw"]),
])
def test_price(shop, operator, value, expected):
    """A price compares its amount in the given currency."""
    assert shop.found({"price": [criterion(operator, value)]}) == expected


@pytest.mark.parametrize("code, operator, value, expected", [
    ("color", "IN", ["RED", "blue"], ["hat-straw", "shirt-a"]),
    ("color", "IN", [], []),
    ("color", "NOT IN", ["red"], ["Bag-Leather", "orphan", "pan-1", "pot-2", "shirt-a"]),
    ("color", "EMPTY", None, []),
    ("color", "NOT EMPTY", None, ["Bag-Leather", "hat-straw", "shirt-a"]),
    ("material", "EMPTY", None, WITH_FAMILY),
    ("seasons", "IN", ["summer", "winter"], ["hat-straw", "shirt-a"]),
    ("seasons", "IN", ["autumn"], []),
    ("seasons", "NOT IN", ["spring"], ["Bag-Leather", "orphan", "pan-1", "pot-2", "shirt-a"]),
    ("seasons", "EMPTY", None, []),
    ("seasons", "NOT EMPTY", None, ["hat-straw", "shirt-a"]),
])
def test_options(shop, code, operator, value, expected):
    """Simple and multi selects: option codes compare case-insensitively; NOT IN keeps empty values."""
    assert shop.found({code: [criterion(operator, value)]}) == expected


@pytest.mark.parametrize("operator, value, expected", [
    ("=", True, ["hat-straw"]),
    ("=", False, ["Bag-Leather"]),
    ("!=", True, ["Bag-Leather"]),
    ("!=", False, ["hat-straw"]),
    ("EMPTY", None, []),
    ("NOT EMPTY", None, ["Bag-Leather", "hat-straw"]),
])
def test_boolean(shop, operator, value, expected):
    assert shop.found({"waterproof": [criterion(operator, value)]}) == expected


@pytest.mark.parametrize("operator, value, expected", [
    ("<", "2021-01-01", ["shirt-a"]),
    ("=", "2021-06-15", ["pan-1"]),
    ("!=", "2021-06-15", ["shirt-a"]),
    (">", "2020-01-01", ["pan-1"]),
    ("BETWEEN", ["2019-12-31", "2021-06-15"], ["pan-1", "shirt-a"]),
    ("BETWEEN", ["2020-01-02", "2021-06-14"], []),
    ("NOT BETWEEN", ["2020-01-02", "2022-01-01"], ["shirt-a"]),
    ("EMPTY", None, ["pot-2"]),
    ("NOT EMPTY", None, ["pan-1", "shirt-a"]),
])
def test_date(shop, operator, value, expected):
    assert shop.found({"release_date": [criterion(operator, value)]}) == expected


@pytest.mark.parametrize("code, operator, value, expected", [
    ("picture", "STARTS WITH", "red_", ["hat-straw"]),
    ("picture", "CONTAINS", "HAT.P", ["hat-straw"]),
    ("picture", "=", "red_hat.png", ["hat-straw"]),
    ("picture", "!=", "red_hat.png", []),
    ("picture", "!=", "other.png", ["hat-straw"]),
    ("picture", "DOES NOT CONTAIN", "hat", []),
    ("picture", "DOES NOT CONTAIN", "zzz", ["hat-straw"]),
    ("picture", "EMPTY", None, ["Bag-Leather", "shirt-a"]),
    ("picture", "NOT EMPTY", None, ["hat-straw"]),
    ("notice", "CONTAINS", "guide", ["Bag-Leather"]),
    ("notice", "STARTS WITH", media_code(b"pdf bytes", "care_guide.pdf")[:4], []),
])
def test_media(shop, code, operator, value, expected):
    """Image and file values compare on the file name, not on the stored code's hash."""
    assert shop.found({code: [criterion(operator, value)]}) == expected


def test_criteria_are_and_ed(shop):
    """Every criterion holds, several on one key too."""
    assert shop.found({"family": [criterion("IN", ["hats", "bags"])], "enabled": [criterion("=", True)]}) == [
        "hat-straw"]
    assert shop.found({"name": [criterion("CONTAINS", "a", **EN), criterion("CONTAINS", "w", **EN)]}) == ["hat-straw"]


def test_search_locale_and_scope_are_defaults(shop):
    """search_locale / search_scope fill criteria without locale / scope; a criterion's own wins."""
    assert shop.found({"description": [criterion("CONTAINS", "needle")]},
                      search_locale="en_US", search_scope="ecommerce") == ["hat-straw"]
    assert shop.found({"name": [criterion("STARTS WITH", "chapeau", locale="fr_FR")]},
                      search_locale="en_US") == ["hat-straw"]
    assert shop.found({"description": [criterion("=", "sonnenhut", scope="ecommerce")]},
                      search_locale="de_DE", search_scope="mobile") == ["hat-straw"]


def test_locale_and_scope_ignored_where_they_do_not_apply(shop):
    """As the reference's query builder, a non-localizable / non-scopable attribute ignores them."""
    assert shop.found({"color": [criterion("IN", ["red"], locale="fr_FR", scope="print")]}) == ["hat-straw"]
    assert shop.found({"color": [criterion("IN", ["red"])]}, search_locale="de_DE", search_scope="mobile") == [
        "hat-straw"]
