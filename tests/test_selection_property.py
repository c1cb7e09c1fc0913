"""The selection engine's SQL selects exactly what a plain Python evaluation of the same criteria
selects (tests/selection_oracle.py), for random valid criteria of every field and operator, under
both semantics (REST and catalog), on a random catalog built once (SQLite, or PostgreSQL with
PIM_TEST_DATABASE_URL)."""
import datetime
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimconnect import create_app, migrate
from pimconnect.db import db, write_txn
from pimconnect.models import (
    Category,
    Channel,
    Family,
    Locale,
    MediaFile,
    Product,
    ProductCategory,
    ProductCompleteness,
)
from pimconnect.services import selection
from pimconnect.services.access.access import Access
from pimconnect.services.demo import seed as demo
from pimconnect.services.products.media import media_code
from pimconnect.services.products.writes import save_product
from pimconnect.services.selection import registry
from tests.conftest import fresh_database_url, make_test_config
from tests.selection_oracle import ACTIVATED, ON_ALL, Oracle

EVERYTHING = Access.unrestricted()  # these tests are about selections, not permissions

WORDS = ["red", "Blue", "hat", "straw", "50%", "a_b", "Hat-2", "summer", "x" * 260]
TEXTS = WORDS + ["red hat", "Blue straw hat", "straw_50%", "x" * 300 + " tail"]
FILES = ["Red_Hat.png", "care_guide.pdf", "blue.png"]
DATES = ["2019-12-31", "2020-01-01", "2021-06-15", "2022-02-28"]
MOMENTS = [datetime.datetime(2020, 5, 1, 10, 0, 0, 400000), datetime.datetime(2020, 5, 1, 10, 0, 1),
           datetime.datetime(2021, 1, 1), datetime.datetime(2022, 3, 4, 8, 30)]
MOMENT_TEXTS = ["2020-05-01 10:00:00", "2020-05-01 10:00:01", "2021-01-01 00:00:00", "2023-01-01 00:00:00"]
UNITS = {family: list(units) for family, (_standard, units) in demo.MEASUREMENTS.items()}
CURRENCIES = ["USD", "EUR"]
PRODUCTS = 40
CAP = 5  # a count capped this low takes each of its plans on so small a catalog


def _category_codes(tree):
    for code, (_en, _fr, _de, children) in tree.items():
        yield code
        yield from _category_codes(children)


CATEGORIES = list(_category_codes(demo.TREES))


def _contexts(extra):
    """The (locale, scope) keys a value of an attribute may have."""
    locales = extra.get("available_locales") or ACTIVATED
    if extra.get("scopable") and extra.get("localizable"):
        return [(loc, ch) for ch, (_l, _t, channel_locales, _c) in demo.CHANNELS.items()
                for loc in channel_locales if loc in locales]
    if extra.get("scopable"):
        return [(None, ch) for ch in demo.CHANNELS]
    if extra.get("localizable"):
        return [(loc, None) for loc in locales]
    return [(None, None)]


def _data(rng, code, kind, extra, media):
    if kind in ("pim_catalog_text", "pim_catalog_textarea"):
        limit = extra.get("max_characters") or (255 if kind == "pim_catalog_text" else 65535)
        return rng.choice([t for t in TEXTS if len(t) <= limit]) if code != "ean" else None
    if kind == "pim_catalog_number":
        return rng.randint(0, 6)
    if kind == "pim_catalog_metric":
        return {"amount": str(rng.choice([0.5, 1, 2, 500, 1500])), "unit": rng.choice(UNITS[extra["metric_family"]])}
    if kind == "pim_catalog_price_collection":
        return [{"amount": str(rng.choice([5, 12.5, 99])), "currency": c} for c in CURRENCIES if rng.random() < 0.7]
    if kind == "pim_catalog_simpleselect":
        return rng.choice(demo.OPTIONS[code])
    if kind == "pim_catalog_multiselect":
        return rng.sample(demo.OPTIONS[code], rng.randint(1, 2))
    if kind == "pim_catalog_boolean":
        return rng.random() < 0.5
    if kind == "pim_catalog_date":
        return rng.choice(DATES)
    if kind in ("pim_catalog_image", "pim_catalog_file"):
        return rng.choice([m for m in media if m.rsplit(".", 1)[-1] in extra["allowed_extensions"]])
    return None


def _document(rng, n, media):
    family = rng.choice([None, *demo.FAMILIES])
    values = {}
    for code, (kind, _group, _label, extra) in demo.ATTRIBUTES.items():
        if kind == "pim_catalog_identifier":
            continue
        entries = [{"locale": loc, "scope": ch, "data": _data(rng, code, kind, extra, media)}
                   for loc, ch in _contexts(extra) if rng.random() < 0.45]
        entries = [e for e in entries if e["data"] not in (None, [])]
        if entries:
            values[code] = entries
    categories = rng.sample(CATEGORIES, rng.choice([0, 0, 1, 1, 2]))
    return {"identifier": rng.choice(["Hat-", "bag_", "pan%", "x"]) + f"{n:03d}", "family": family,
            "enabled": rng.random() < 0.8, "categories": categories, "values": values}


class Shop:
    def __init__(self, database, products):
        self.database = database
        self.products = products

    def selected(self, criteria, semantics, dialect=selection.REST_SEARCH):
        db.initialize(self.database)
        with db.connection_context():
            chosen = selection.Selection(criteria, dialect, semantics)
            query = Product.select(Product.uuid)
            where = selection.condition(EVERYTHING, chosen)
            found = {p.uuid for p in (query if where is None else query.where(where))}
            exact = selection.count(EVERYTHING, chosen, cap=None)
            capped = selection.count(EVERYTHING, chosen, cap=CAP)
        assert exact == selection.Count(len(found)), (exact, len(found))
        # exact, or (where counting further would cost more) "more than CAP" when there are more
        assert capped == exact or (capped == selection.Count(CAP, exact=False) and len(found) > CAP), capped
        return found


def _snapshot():
    categories = dict(Category.select(Category.id, Category.code).tuples())
    families = dict(Family.select(Family.id, Family.code).tuples())
    classified = {}
    for product_id, category_id in ProductCategory.select(ProductCategory.product, ProductCategory.category).tuples():
        classified.setdefault(product_id, set()).add(categories[category_id])
    ratios = {}
    query = (ProductCompleteness.select(ProductCompleteness.product, Channel.code, Locale.code, ProductCompleteness.ratio)
             .join(Channel).switch(ProductCompleteness).join(Locale))
    for product_id, channel, locale, ratio in query.tuples():
        ratios.setdefault(product_id, {})[channel, locale] = ratio
    return [{"uuid": p.uuid, "identifier": p.identifier, "enabled": p.enabled, "values": p.values,
             "family": families.get(p.family_id), "categories": classified.get(p.uuid, set()),
             "created": p.created, "updated": p.updated, "ratios": ratios.get(p.uuid, {})} for p in Product.select()]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    rng = random.Random(20261207)
    with fresh_database_url(tmp_path_factory.mktemp("selection")) as url:
        app = create_app(make_test_config(url))
        with db.connection_context():
            migrate.upgrade(db.obj)
            with write_txn():
                demo.seed_structure()
                media = []
                for name in FILES:
                    content = name.encode()
                    code = media_code(content, name)
                    MediaFile.create(code=code, original_filename=name, mime_type="application/octet-stream",
                                     size=len(content), extension=name.rsplit(".", 1)[-1], content=content)
                    media.append(code)
            for n in range(PRODUCTS):
                try:
                    product = save_product(_document(rng, n, media))
                except Exception as error:
                    raise AssertionError(getattr(error, "errors", error)) from error
                with write_txn():
                    Product.update(created=rng.choice(MOMENTS), updated=rng.choice(MOMENTS)).where(
                        Product.uuid == product.uuid).execute()
            products = _snapshot()
        yield Shop(app.extensions["database"], products)
        if not db.is_closed():
            db.close()


# --- random valid criteria ----------------------------------------------------------------------

def _values(shape, code, extra):
    """A strategy of valid values of ``shape`` for the field ``code``."""
    texts = st.sampled_from(WORDS + TEXTS[-3:] + ["", "HAT", "hat-0", "BAG_", "pan%0", "RED HAT", "STRAW_", "care",
                                                  "red_h", "X" * 270])
    return {
        "none": st.none(), "boolean": st.booleans(), "string": texts, "strings": st.lists(texts, max_size=3),
        "families": st.lists(st.sampled_from([*demo.FAMILIES, "HATS"]), min_size=1, max_size=2),
        "categories": st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=2),
        "codes": st.just([]), "percent": st.sampled_from([0, 25, 50, 60.5, 66, 83, 100]),
        "moment": st.sampled_from(MOMENT_TEXTS), "moment_pair": st.lists(st.sampled_from(MOMENT_TEXTS), min_size=2,
                                                                           max_size=2),
        "days": st.sampled_from([1, 100000]), "scores": st.lists(st.sampled_from("ABCDE"), max_size=2),
        "uuids": st.lists(st.sampled_from(["not-a-uuid", "00000000-0000-0000-0000-000000000000"]), max_size=2),
        "number": st.sampled_from([0, 1, 2.5, "3", 6]),
        "metric": st.fixed_dictionaries({"amount": st.sampled_from([0.5, 1, "500", 1500]),
                                         "unit": st.sampled_from(UNITS.get(extra.get("metric_family"), ["x"]))}),
        "price": st.fixed_dictionaries({"amount": st.sampled_from([5, 12.5, "99", 50]),
                                        "currency": st.sampled_from(CURRENCIES)}),
        "options": st.lists(st.sampled_from(demo.OPTIONS.get(code, ["x"]) + ["RED"] * (code == "color")),
                            min_size=0, max_size=3),
        "date": st.sampled_from(DATES), "date_pair": st.lists(st.sampled_from(DATES), min_size=2, max_size=2),
    }[shape]


PROPERTY_CODES = [c for c in registry.PROPERTIES if c != "search"]


@st.composite
def criteria(draw, shop_uuids):
    code = draw(st.sampled_from(PROPERTY_CODES + list(demo.ATTRIBUTES)))
    if code in registry.PROPERTIES:
        field, extra = registry.PROPERTIES[code], {}
    else:
        extra = demo.ATTRIBUTES[code][3]
        field = registry.ATTRIBUTE_TYPES[demo.ATTRIBUTES[code][0]]
    operation = draw(st.sampled_from([o for o in field.operations.values() if selection.REST_SEARCH in o.dialects]))
    value = draw(_values(operation.shape, code, extra))
    if operation.shape == "uuids":
        value = value + draw(st.lists(st.sampled_from(shop_uuids), max_size=2))
    locale = scope = locales = None
    if code in ("completeness", "quality_score"):
        scope = draw(st.sampled_from(list(demo.CHANNELS)))
        locale = draw(st.sampled_from(ACTIVATED)) if code == "quality_score" else draw(
            st.none() | st.sampled_from(ACTIVATED))
        if operation.operator in ON_ALL:
            locales = draw(st.lists(st.sampled_from(ACTIVATED), max_size=2, unique=True))
    if extra.get("localizable"):
        locale = draw(st.sampled_from(extra.get("available_locales") or ACTIVATED))
    if extra.get("scopable"):
        scope = draw(st.sampled_from(list(demo.CHANNELS)))
    return selection.Criterion(code, operation.operator, value, locale, scope, locales)


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sql_selects_what_the_criteria_say(shop, data):
    """For one to three random valid criteria, each semantics: the SQL's products are the oracle's."""
    uuids = [str(p["uuid"]) for p in shop.products]
    chosen = data.draw(st.lists(criteria(uuids), min_size=1, max_size=3))
    oracle = Oracle()
    for semantics in selection.model.SEMANTICS:
        expected = {p["uuid"] for p in shop.products if all(oracle.matches(p, c, semantics) for c in chosen)}
        assert shop.selected(chosen, semantics) == expected, (semantics, chosen)
