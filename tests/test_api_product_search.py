"""Products ``search`` (§6.5, §8.2) compiled to SQL: every operator of every product property and
attribute type matches what it should and nothing else, and every refusal has the reference's
status and message.

The read-only tests share one catalog (built once for the module); each binds the database proxy
to it, as the function-scoped ``app`` fixtures of other modules rebind it to theirs.
"""
import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimconnect import create_app, migrate
from pimconnect.api.core import ApiError
from pimconnect.api.product_search import product_filter
from pimconnect.db import db, write_txn
from pimconnect.models import MediaFile, Product
from pimconnect.services import demo
from pimconnect.services.media import media_code
from pimconnect.services.products import save_product
from tests.conftest import fresh_database_url, make_test_config

LONG_DESCRIPTION = "Woven " + "x" * 300 + " Needle end"
HAT_CREATED = datetime.datetime(2020, 5, 1, 10, 0, 0, 400000)
BAG_CREATED = datetime.datetime(2020, 5, 1, 10, 0, 1)
HAT_UPDATED = datetime.datetime(2021, 1, 1)
EVERYONE = ["Bag-Leather", "hat-straw", "orphan", "pan-1", "pot-2", "shirt-a"]


def _value(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


def _media(name, content):
    code = media_code(content, name)
    MediaFile.create(code=code, original_filename=name, mime_type="application/octet-stream", size=len(content),
                     extension=name.rsplit(".", 1)[-1], content=content)
    return code


def _products():
    """Six products covering every attribute type, their absence, and each property."""
    with write_txn():
        picture, notice = _media("Red_Hat.png", b"png bytes"), _media("care_guide.pdf", b"pdf bytes")
    hat = save_product({"identifier": "hat-straw", "family": "hats",
                        "categories": ["master_hats", "ecommerce_summer_hats"], "values": {
                            "name": [{"locale": "en_US", "scope": None, "data": "Straw Hat 100%"},
                                     {"locale": "fr_FR", "scope": None, "data": "Chapeau de paille"}],
                            "description": [{"locale": "en_US", "scope": "ecommerce", "data": LONG_DESCRIPTION},
                                            {"locale": "de_DE", "scope": "ecommerce", "data": "Sonnenhut"}],
                            "weight": _value({"amount": 500, "unit": "GRAM"}),
                            "price": _value([{"amount": "12.50", "currency": "EUR"}, {"amount": 15, "currency": "USD"}]),
                            "color": _value("red"), "seasons": _value(["summer", "spring"]),
                            "waterproof": _value(True), "picture": _value(picture),
                            "french_label": _value("Paille", locale="fr_FR")}})
    bag = save_product({"identifier": "Bag-Leather", "family": "bags", "enabled": False, "categories": ["master_bags"],
                        "values": {"name": _value("Leather bag", locale="en_US"),
                                   "weight": _value({"amount": "1.2", "unit": "KILOGRAM"}),
                                   "capacity": _value({"amount": 2, "unit": "LITER"}),
                                   "price": _value([{"amount": 99, "currency": "EUR"}]),
                                   "color": _value("brown"), "waterproof": _value(False), "notice": _value(notice)}})
    save_product({"identifier": "pan-1", "family": "kitchenware", "values": {
        "name": _value("Frying pan_x", locale="en_US"), "stock_quantity": _value(12),
        "release_date": _value("2021-06-15"), "capacity": _value({"amount": 1500, "unit": "MILLILITER"})}})
    save_product({"identifier": "pot-2", "family": "kitchenware", "categories": ["master_kitchen"],
                  "values": {"name": _value("Pot", locale="en_US")}})
    save_product({"identifier": "shirt-a", "family": "clothing", "categories": ["master_shirts"], "values": {
        "name": _value("Shirt", locale="en_US"), "release_date": _value("2020-01-01"),
        "seasons": _value(["winter"]), "color": _value("blue")}})
    save_product({"identifier": "orphan"})
    with write_txn():
        Product.update(created=HAT_CREATED, updated=HAT_UPDATED).where(Product.uuid == hat.uuid).execute()
        Product.update(created=BAG_CREATED).where(Product.uuid == bag.uuid).execute()


class Shop:
    """The shared catalog: ``found`` lists the identifiers a search matches, ``refused`` its error."""

    def __init__(self, database):
        self.database = database

    def found(self, search, **defaults):
        db.initialize(self.database)
        with db.connection_context():
            condition = product_filter(search, **defaults)
            query = Product.select(Product.identifier).order_by(Product.uuid)
            return sorted(p.identifier for p in (query if condition is None else query.where(condition)))

    def refused(self, search, **defaults):
        db.initialize(self.database)
        with db.connection_context(), pytest.raises(ApiError) as error:
            product_filter(search, **defaults)
        return error.value.status, error.value.message

    def uuid_of(self, identifier):
        db.initialize(self.database)
        with db.connection_context():
            return str(Product.get(Product.identifier == identifier).uuid)

    def ratios(self, identifier, channel):
        """{locale: ratio} of a product on a channel."""
        from pimconnect.models import Channel, Locale, ProductCompleteness

        db.initialize(self.database)
        with db.connection_context():
            rows = (ProductCompleteness.select(Locale.code, ProductCompleteness.ratio).join(Locale)
                    .switch(ProductCompleteness).join(Channel).join_from(ProductCompleteness, Product)
                    .where(Product.identifier == identifier, Channel.code == channel))
            return dict(rows.tuples())


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    with fresh_database_url(tmp_path_factory.mktemp("search")) as url:
        app = create_app(make_test_config(url))
        with db.connection_context():
            migrate.upgrade(db.obj)
            with write_txn():
                demo.seed_structure()
            _products()
        yield Shop(app.extensions["database"])
        if not db.is_closed():
            db.close()


def criterion(operator, value=None, **context):
    return {"operator": operator, **({} if value is None else {"value": value}), **context}


def test_no_criterion_is_no_condition(shop):
    """An empty search filters nothing."""
    db.initialize(shop.database)
    with db.connection_context():
        assert product_filter({}) is None
    assert shop.found({}) == EVERYONE


# --- product properties -----------------------------------------------------------------------

def test_uuid(shop):
    """uuid IN / NOT IN; strings that are no uuid match no product."""
    hat = shop.uuid_of("hat-straw")
    assert shop.found({"uuid": [criterion("IN", [hat, "not-a-uuid"])]}) == ["hat-straw"]
    assert shop.found({"uuid": [criterion("NOT IN", [hat.upper(), "x"])]}) == [i for i in EVERYONE if i != "hat-straw"]
    assert shop.found({"uuid": [criterion("IN", [])]}) == []


@pytest.mark.parametrize("operator, value, expected", [
    ("IN", ["PAN-1", "shirt-a", "nope"], ["pan-1", "shirt-a"]),
    ("NOT IN", ["PAN-1", "shirt-a", "nope"], ["Bag-Leather", "hat-straw", "orphan", "pot-2"]),
    ("=", "BAG-LEATHER", ["Bag-Leather"]),
    ("=", "bag", []),
    ("!=", "pan-1", ["Bag-Leather", "hat-straw", "orphan", "pot-2", "shirt-a"]),
    ("STARTS WITH", "HAT", ["hat-straw"]),
    ("STARTS WITH", "straw", []),
    ("CONTAINS", "AT-ST", ["hat-straw"]),
    ("CONTAINS", "-", ["Bag-Leather", "hat-straw", "pan-1", "pot-2", "shirt-a"]),
    ("DOES NOT CONTAIN", "-", ["orphan"]),
])
def test_identifier_property_and_attribute(shop, operator, value, expected):
    """The identifier (property or identifier attribute) compares case-insensitively, like the reference's
    lower-cased index."""
    assert shop.found({"identifier": [criterion(operator, value)]}) == expected
    assert shop.found({"sku": [criterion(operator, value)]}) == expected


def test_identifier_attribute_empty(shop):
    """Every product has an identifier."""
    assert shop.found({"sku": [criterion("EMPTY")]}) == []
    assert shop.found({"sku": [criterion("NOT EMPTY")]}) == EVERYONE


@pytest.mark.parametrize("operator, codes, expected", [
    ("IN", ["master_hats"], ["hat-straw"]),
    ("IN", ["master"], []),
    ("IN", [], []),
    ("NOT IN", ["master_bags"], ["hat-straw", "orphan", "pan-1", "pot-2", "shirt-a"]),
    ("IN OR UNCLASSIFIED", ["master_bags"], ["Bag-Leather", "orphan", "pan-1"]),
    ("IN CHILDREN", ["master"], ["Bag-Leather", "hat-straw", "pot-2", "shirt-a"]),
    ("IN CHILDREN", ["master_accessories"], ["Bag-Leather", "hat-straw"]),
    ("IN CHILDREN", ["ecommerce", "print"], ["hat-straw"]),
    ("NOT IN CHILDREN", ["master_accessories"], ["orphan", "pan-1", "pot-2", "shirt-a"]),
    ("UNCLASSIFIED", None, ["orphan", "pan-1"]),
])
def test_categories(shop, operator, codes, expected):
    """Categories: direct classification, or the category's subtree for the CHILDREN operators."""
    assert shop.found({"categories": [criterion(operator, codes)]}) == expected


def test_enabled(shop):
    others = [i for i in EVERYONE if i != "Bag-Leather"]
    assert shop.found({"enabled": [criterion("=", True)]}) == others
    assert shop.found({"enabled": [criterion("=", False)]}) == ["Bag-Leather"]
    assert shop.found({"enabled": [criterion("!=", True)]}) == ["Bag-Leather"]
    assert shop.found({"enabled": [criterion("!=", False)]}) == others


def test_family(shop):
    """Family codes compare case-insensitively; NOT IN keeps products without a family."""
    assert shop.found({"family": [criterion("IN", ["hats", "BAGS"])]}) == ["Bag-Leather", "hat-straw"]
    assert shop.found({"family": [criterion("NOT IN", ["hats"])]}) == [i for i in EVERYONE if i != "hat-straw"]
    assert shop.found({"family": [criterion("EMPTY")]}) == ["orphan"]
    assert shop.found({"family": [criterion("NOT EMPTY")]}) == [i for i in EVERYONE if i != "orphan"]


def test_groups_and_parent(shop):
    """No product is in a group or has a parent (PIM Connect has neither)."""
    assert shop.found({"groups": [criterion("EMPTY")]}) == EVERYONE
    assert shop.found({"groups": [criterion("NOT EMPTY")]}) == []
    assert shop.found({"groups": [criterion("IN", [])]}) == []
    assert shop.found({"groups": [criterion("NOT IN", [])]}) == EVERYONE
    assert shop.found({"parent": [criterion("EMPTY")]}) == EVERYONE
    assert shop.found({"parent": [criterion("NOT EMPTY")]}) == []
    assert shop.found({"parent": [criterion("=", "tshirt_model")]}) == []
    assert shop.found({"parent": [criterion("IN", ["tshirt_model"])]}) == []


def test_quality_score_matches_nothing(shop):
    assert shop.found({"quality_score": [criterion("IN", ["A", "E"], scope="ecommerce", locale="en_US")]}) == []


NOT_HAT_OR_BAG = ["orphan", "pan-1", "pot-2", "shirt-a"]


@pytest.mark.parametrize("operator, value, expected", [
    ("=", "2020-05-01 10:00:00", ["hat-straw"]),
    ("!=", "2020-05-01 10:00:00", [i for i in EVERYONE if i != "hat-straw"]),
    ("<", "2020-05-01 10:00:01", ["hat-straw"]),
    ("<", "2020-05-01 10:00:00", []),
    (">", "2020-05-01 10:00:00", ["Bag-Leather"] + NOT_HAT_OR_BAG),
    (">", "2020-05-01 10:00:01", NOT_HAT_OR_BAG),
    ("BETWEEN", ["2020-05-01 10:00:00", "2020-05-01 10:00:01"], ["Bag-Leather", "hat-straw"]),
    ("BETWEEN", ["2020-05-01 10:00:01", "2020-05-01 10:00:00"], []),
    ("NOT BETWEEN", ["2020-05-01 10:00:00", "2020-05-01 10:00:01"], NOT_HAT_OR_BAG),
    ("SINCE LAST N DAYS", 1, NOT_HAT_OR_BAG),
    ("SINCE LAST N DAYS", 100000, EVERYONE),
    ("SINCE LAST N DAYS", 10 ** 12, EVERYONE),
    ("SINCE LAST N DAYS", -(10 ** 12), []),
])
def test_created(shop, operator, value, expected):
    """Dates compare to the second, as the reference indexes them (12:00:00.4 is 12:00:00)."""
    assert shop.found({"created": [criterion(operator, value)]}) == expected


def test_updated(shop):
    assert shop.found({"updated": [criterion("<", "2022-01-01 00:00:00")]}) == ["hat-straw"]
    assert shop.found({"updated": [criterion("=", "2021-01-01 00:00:00")]}) == ["hat-straw"]
    assert shop.found({"updated": [criterion("SINCE LAST N DAYS", 2)]}) == [i for i in EVERYONE if i != "hat-straw"]


def test_completeness_ratios_of_the_fixture(shop):
    """The ratios the completeness tests below rely on."""
    assert shop.ratios("hat-straw", "ecommerce") == {"en_US": 100, "fr_FR": 83, "de_DE": 83}
    assert shop.ratios("Bag-Leather", "ecommerce") == {"en_US": 60, "fr_FR": 40, "de_DE": 40}
    assert shop.ratios("pan-1", "ecommerce") == shop.ratios("pot-2", "ecommerce") == {"en_US": 50, "fr_FR": 25,
                                                                                      "de_DE": 25}
    assert shop.ratios("shirt-a", "ecommerce") == {"en_US": 66, "fr_FR": 50, "de_DE": 50}
    assert shop.ratios("hat-straw", "mobile") == {"en_US": 100, "fr_FR": 100}
    assert shop.ratios("orphan", "ecommerce") == {}


WITH_FAMILY = [i for i in EVERYONE if i != "orphan"]


@pytest.mark.parametrize("operator, value, context, expected", [
    ("=", 100, {}, ["hat-straw"]),
    ("=", 83, {}, ["hat-straw"]),
    ("=", 83, {"locale": "en_US"}, []),
    ("=", 50, {}, ["pan-1", "pot-2", "shirt-a"]),
    ("<", 30, {}, ["pan-1", "pot-2"]),
    ("<=", 40, {"locale": "fr_FR"}, ["Bag-Leather", "pan-1", "pot-2"]),
    (">", 90, {}, ["hat-straw"]),
    (">=", "83", {"locale": "de_DE"}, ["hat-straw"]),
    (">=", 60.5, {}, ["hat-straw", "shirt-a"]),
    ("!=", 50, {}, WITH_FAMILY),
    ("!=", 25, {"locale": "fr_FR"}, ["Bag-Leather", "hat-straw", "shirt-a"]),
    ("!=", 100, {"scope": "mobile"}, ["Bag-Leather", "pan-1", "pot-2", "shirt-a"]),
    ("GREATER THAN ON ALL LOCALES", 45, {"locales": ["en_US", "fr_FR"]}, ["hat-straw", "shirt-a"]),
    ("GREATER OR EQUALS THAN ON ALL LOCALES", 50, {"locales": ["fr_FR", "de_DE"]}, ["hat-straw", "shirt-a"]),
    ("LOWER THAN ON ALL LOCALES", 60, {"locales": ["en_US", "de_DE"]}, ["pan-1", "pot-2"]),
    ("LOWER OR EQUALS THAN ON ALL LOCALES", 40, {"locales": ["fr_FR"]}, ["Bag-Leather", "pan-1", "pot-2"]),
    ("GREATER THAN ON ALL LOCALES", 0, {"locales": []}, EVERYONE),
])
def test_completeness(shop, operator, value, context, expected):
    """§8.2: at least one locale of the set, != unless all equal, ON ALL LOCALES on every listed
    locale; products without a family never match."""
    assert shop.found({"completeness": [criterion(operator, value, **{"scope": "ecommerce", **context})]}) == expected


def test_completeness_defaults(shop):
    """search_scope supplies the channel and search_locale the locale set."""
    search = {"completeness": [criterion("=", 83)]}
    assert shop.found(search, search_scope="ecommerce") == ["hat-straw"]
    assert shop.found(search, search_scope="ecommerce", search_locale="en_US") == []


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
