"""The shop the products ``search`` tests query: the demo structure and six products covering every
attribute type, the absence of values and each product property. Built once per test module (the
tests only read it); ``Shop`` binds the database proxy to it before each use, as the function-scoped
``app`` fixtures of other tests rebind the proxy to theirs."""
import datetime

import pytest

from pimconnect import create_app, migrate
from pimconnect.api.core import ApiError
from pimconnect.api.product_search import product_filter
from pimconnect.db import db, write_txn
from pimconnect.models import Channel, Locale, MediaFile, Product, ProductCompleteness
from pimconnect.services.access.access import Access
from pimconnect.services.demo import seed as demo
from pimconnect.services.products.media import media_code
from pimconnect.services.products.writes import save_product
from tests.conftest import fresh_database_url, make_test_config

EVERYTHING = Access.unrestricted()  # the search tests are about criteria, not permissions

LONG_DESCRIPTION = "Woven " + "x" * 300 + " Needle end"
HAT_CREATED = datetime.datetime(2020, 5, 1, 10, 0, 0, 400000)
BAG_CREATED = datetime.datetime(2020, 5, 1, 10, 0, 1)
HAT_UPDATED = datetime.datetime(2021, 1, 1)
EVERYONE = ["Bag-Leather", "hat-straw", "orphan", "pan-1", "pot-2", "shirt-a"]
WITH_FAMILY = [i for i in EVERYONE if i != "orphan"]


def value(data, locale=None, scope=None):
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
                            "weight": value({"amount": 500, "unit": "GRAM"}),
                            "price": value([{"amount": "12.50", "currency": "EUR"}, {"amount": 15, "currency": "USD"}]),
                            "color": value("red"), "seasons": value(["summer", "spring"]),
                            "waterproof": value(True), "picture": value(picture),
                            "french_label": value("Paille", locale="fr_FR")}})
    bag = save_product({"identifier": "Bag-Leather", "family": "bags", "enabled": False, "categories": ["master_bags"],
                        "values": {"name": value("Leather bag", locale="en_US"),
                                   "weight": value({"amount": "1.2", "unit": "KILOGRAM"}),
                                   "capacity": value({"amount": 2, "unit": "LITER"}),
                                   "price": value([{"amount": 99, "currency": "EUR"}]),
                                   "color": value("brown"), "waterproof": value(False), "notice": value(notice)}})
    save_product({"identifier": "pan-1", "family": "kitchenware", "values": {
        "name": value("Frying pan_x", locale="en_US"), "stock_quantity": value(12),
        "release_date": value("2021-06-15"), "capacity": value({"amount": 1500, "unit": "MILLILITER"})}})
    save_product({"identifier": "pot-2", "family": "kitchenware", "categories": ["master_kitchen"],
                  "values": {"name": value("Pot", locale="en_US")}})
    save_product({"identifier": "shirt-a", "family": "clothing", "categories": ["master_shirts"], "values": {
        "name": value("Shirt", locale="en_US"), "release_date": value("2020-01-01"),
        "seasons": value(["winter"]), "color": value("blue")}})
    save_product({"identifier": "orphan"})
    with write_txn():
        Product.update(created=HAT_CREATED, updated=HAT_UPDATED).where(Product.uuid == hat.uuid).execute()
        Product.update(created=BAG_CREATED).where(Product.uuid == bag.uuid).execute()


class Shop:
    """The shared shop: ``found`` lists the identifiers a search matches, ``refused`` its error."""

    def __init__(self, database):
        self.database = database

    def found(self, search, **defaults):
        db.initialize(self.database)
        with db.connection_context():
            condition = product_filter(EVERYTHING, search, **defaults)
            query = Product.select(Product.identifier).order_by(Product.uuid)
            return sorted(p.identifier for p in (query if condition is None else query.where(condition)))

    def refused(self, search, **defaults):
        db.initialize(self.database)
        with db.connection_context(), pytest.raises(ApiError) as error:
            product_filter(EVERYTHING, search, **defaults)
        return error.value.status, error.value.message

    def uuid_of(self, identifier):
        db.initialize(self.database)
        with db.connection_context():
            return str(Product.get(Product.identifier == identifier).uuid)

    def ratios(self, identifier, channel):
        """{locale: ratio} of a product on a channel."""
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


def criterion(operator, data=None, **context):
    """A search criterion: ``{"operator", "value"?, "locale"?, "scope"?, "locales"?}``."""
    return {"operator": operator, **({} if data is None else {"value": data}), **context}
