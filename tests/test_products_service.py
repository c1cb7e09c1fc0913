"""The product write service: saving, atomicity, optimistic concurrency, deletion and completeness (§8.1)."""
import pytest

from pimconnect.db import write_txn
from pimconnect.models import (
    Attribute,
    AttributeRequirement,
    Channel,
    Family,
    Product,
    ProductCategory,
    ProductCompleteness,
    ProductValue,
)
from pimconnect.services.products.completeness import completeness_for, recompute_family
from pimconnect.services.products.writes import (
    StaleProduct,
    ValidationFailed,
    delete_product,
    save_product,
)


def v(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


def counts():
    return tuple(m.select().count() for m in (Product, ProductCategory, ProductValue, ProductCompleteness))


def ratios(product, scope):
    return {c["locale"]: c["data"] for c in completeness_for(product) if c["scope"] == scope}


def complete_hat_values():
    """Every value the hats family requires on ecommerce, for every ecommerce locale."""
    return {
        "name": v("Hat", "en_US") + v("Chapeau", "fr_FR") + v("Hut", "de_DE"),
        "description": v("d", "en_US", "ecommerce") + v("d", "fr_FR", "ecommerce") + v("d", "de_DE", "ecommerce"),
        "price": v([{"amount": 1, "currency": "USD"}, {"amount": 1, "currency": "EUR"}]),
        "color": v("red"),
    }


def test_create_writes_row_categories_index_and_completeness(seeded_app, conn):
    """Creating a product writes its row, categories, value rows and completeness."""
    product = save_product({"identifier": "hat", "family": "hats", "enabled": False,
                            "categories": ["ecommerce_summer_hats", "master_hats"], "values": {"color": v("red")}})
    assert (product.identifier, product.enabled, product.family.code, product.version) == ("hat", False, "hats", 1)
    assert product.values["sku"] == v("hat")
    assert sorted(pc.category.code for pc in product.product_categories) == ["ecommerce_summer_hats", "master_hats"]
    assert ProductValue.select().where(ProductValue.product == product.uuid).count() == 2
    assert ProductCompleteness.select().where(ProductCompleteness.product == product.uuid).count() == 7


def test_update_bumps_version_and_replaces_categories(seeded_app, conn):
    """An update increments the version; categories are replaced, absent keys untouched."""
    product = save_product({"identifier": "hat", "family": "hats", "categories": ["master_hats"]})
    product = save_product({"categories": ["print_traditional"]}, product)
    assert product.version == 2 and product.family.code == "hats"
    assert [pc.category.code for pc in product.product_categories] == ["print_traditional"]
    product = save_product({"values": {"color": v("red")}}, product)
    assert [pc.category.code for pc in product.product_categories] == ["print_traditional"]


def test_identifier_rules(seeded_app, conn):
    """The identifier is required, unique, at most 255 characters, without spaces, commas or semicolons."""
    save_product({"identifier": "hat"})
    cases = {"": "The identifier must not be empty.",
             "a;b": "The identifier must not contain spaces, commas or semicolons.",
             "x" * 256: "This value is too long. It should have 255 characters or less.",
             "hat": "The same identifier is already set on another product."}
    for identifier, message in cases.items():
        with pytest.raises(ValidationFailed) as caught:
            save_product({"identifier": identifier})
        assert caught.value.errors == [{"property": "identifier", "message": message}]


def test_identifier_from_values(seeded_app, conn):
    """The identifier may come from the identifier attribute's value; it can be renamed."""
    product = save_product({"values": {"sku": v("from-values")}})
    assert product.identifier == "from-values"
    product = save_product({"identifier": "renamed"}, product)
    assert product.identifier == "renamed" and product.values["sku"] == v("renamed")


def test_top_level_type_errors(seeded_app, conn):
    """Wrong top-level types and unknown properties are refused with the reference's wording."""
    with pytest.raises(ValidationFailed) as caught:
        save_product({"identifier": "p", "enabled": "yes", "categories": "master", "colour": 1})
    messages = [e["message"] for e in caught.value.errors]
    assert 'Property "enabled" expects a boolean as data, "string" given.' in messages
    assert 'Property "categories" expects an array as data, "string" given.' in messages
    assert 'Property "colour" does not exist.' in messages
    with pytest.raises(ValidationFailed) as caught:
        save_product({"identifier": 12})
    assert caught.value.errors == [{"property": "identifier",
                                    "message": 'Property "identifier" expects a string as data, "integer" given.'}]


def test_failing_save_writes_nothing(seeded_app, conn):
    """A save with one bad value leaves the database exactly as it was."""
    product = save_product({"identifier": "hat", "family": "hats", "values": {"color": v("red")}})
    before = counts()
    with pytest.raises(ValidationFailed):
        save_product({"categories": ["master_bags"], "values": {"color": v("blue"), "seasons": v(["never"])}}, product)
    assert counts() == before
    fresh = Product.get_by_id(product.uuid)
    assert fresh.version == 1 and fresh.values["color"] == v("red")


def test_stale_version_is_refused(seeded_app, conn):
    """A save with an outdated expected version raises StaleProduct and writes nothing."""
    product = save_product({"identifier": "hat"})
    save_product({"values": {"color": v("red")}}, product, expected_version=1)
    with pytest.raises(StaleProduct):
        save_product({"values": {"color": v("blue")}}, product, expected_version=1)
    assert Product.get_by_id(product.uuid).values["color"] == v("red")


def test_deleted_product_is_stale(seeded_app, conn):
    """Saving a product deleted meanwhile raises StaleProduct; deletion removes every row."""
    product = save_product({"identifier": "hat", "family": "hats", "categories": ["master_hats"]})
    delete_product(product)
    assert counts() == (0, 0, 0, 0)
    with pytest.raises(StaleProduct):
        save_product({"enabled": False}, product)


def test_create_with_a_given_uuid(seeded_app, conn):
    """A create may choose its uuid, which must not be used already."""
    product = save_product({"uuid": "1b4d8a4e-6c4f-4b8e-9d7f-8a3c6a2f0b11", "identifier": "p"})
    assert str(product.uuid) == "1b4d8a4e-6c4f-4b8e-9d7f-8a3c6a2f0b11"
    with pytest.raises(ValidationFailed) as caught:
        save_product({"uuid": "1b4d8a4e-6c4f-4b8e-9d7f-8a3c6a2f0b11", "identifier": "q"})
    assert caught.value.errors[0]["message"].endswith("uuid is already used for another product.")


def test_no_family_no_completeness(seeded_app, conn):
    """A product without a family has no completeness; removing the family clears it."""
    product = save_product({"identifier": "p", "values": {"color": v("red")}})
    assert completeness_for(product) == []
    product = save_product({"family": "hats"}, product)
    assert len(completeness_for(product)) == 7
    product = save_product({"family": None}, product)
    assert completeness_for(product) == []


def test_completeness_ratio_is_floored_and_lists_missing(seeded_app, conn):
    """ratio = floor(100 × filled / required), with the missing codes listed."""
    product = save_product({"identifier": "p", "family": "hats", "values": {"color": v("red")}})
    ecommerce = {c["locale"]: c for c in completeness_for(product) if c["scope"] == "ecommerce"}
    # required: sku, name, description, price, color, picture -> 2 of 6 filled
    assert ecommerce["en_US"]["data"] == 33
    assert ecommerce["en_US"]["missing"] == ["description", "name", "picture", "price"]


def test_completeness_follows_locale_and_scope(seeded_app, conn):
    """A localizable+scopable value only counts for its own (channel, locale)."""
    product = save_product({"identifier": "p", "family": "hats", "values": complete_hat_values()})
    assert ratios(product, "ecommerce") == {"de_DE": 83, "en_US": 83, "fr_FR": 83}  # picture missing
    product = save_product({"values": {"description": v(None, "fr_FR", "ecommerce")}}, product)
    assert ratios(product, "ecommerce") == {"de_DE": 83, "en_US": 83, "fr_FR": 66}


def test_price_needs_every_currency_of_the_channel(seeded_app, conn):
    """A price is filled for a channel only when every currency of that channel has an amount."""
    product = save_product({"identifier": "p", "family": "hats",
                            "values": {"name": v("Hat", "en_US"), "price": v([{"amount": 1, "currency": "EUR"}])}})
    mobile = {c["locale"]: c for c in completeness_for(product) if c["scope"] == "mobile"}
    assert "price" in mobile["en_US"]["missing"]  # mobile has USD and EUR
    print_ = {c["locale"]: c for c in completeness_for(product) if c["scope"] == "print"}
    assert "price" not in print_["en_US"]["missing"]  # print does not require a price
    product = save_product({"values": {"price": v([{"amount": 1, "currency": "EUR"},
                                                   {"amount": 2, "currency": "USD"}])}}, product)
    assert ratios(product, "mobile")["en_US"] == 100


def test_metric_counts_when_amount_and_unit_are_set(seeded_app, conn):
    """A metric requirement is filled by a value with amount and unit."""
    product = save_product({"identifier": "p", "family": "hats", "values": {"name": v("Hat", "en_US")}})
    assert "weight" in next(c for c in completeness_for(product) if c["scope"] == "print")["missing"]
    product = save_product({"values": {"weight": v({"amount": 1, "unit": "GRAM"})}}, product)
    assert all("weight" not in c["missing"] for c in completeness_for(product))


def test_locale_specific_requirement_only_counts_in_its_locales(seeded_app, conn):
    """A required attribute available only in fr_FR is not required in other locales."""
    with write_txn():
        AttributeRequirement.create(family=Family.get(code="hats"), channel=Channel.get(code="ecommerce"),
                                    attribute=Attribute.get(code="french_label"))
    product = save_product({"identifier": "p", "family": "hats", "values": complete_hat_values()})
    required = {c["locale"]: c["required"] for c in completeness_for(product) if c["scope"] == "ecommerce"}
    assert required == {"de_DE": 6, "en_US": 6, "fr_FR": 7}


def test_recompute_family_after_requirement_change(seeded_app, conn):
    """recompute_family refreshes every product of the family, in chunks."""
    products = [save_product({"identifier": f"p{i}", "family": "hats", "values": complete_hat_values()})
                for i in range(5)]
    other = save_product({"identifier": "bag", "family": "bags"})
    before_other = completeness_for(other)
    with write_txn():
        AttributeRequirement.delete().where(AttributeRequirement.attribute == Attribute.get(code="picture")).execute()
    assert recompute_family(Family.get(code="hats"), chunk=2) == 5
    for product in products:
        assert ratios(product, "ecommerce") == {"de_DE": 100, "en_US": 100, "fr_FR": 100}
    assert completeness_for(other) == before_other


def test_recompute_reads_products_inside_its_transaction(seeded_app, conn, monkeypatch):
    """A save committed while a chunk waits for the write lock is read by that chunk, never overwritten."""
    from contextlib import contextmanager

    from pimconnect.services.products import completeness

    product = save_product({"identifier": "p", "family": "hats", "values": complete_hat_values()})
    with write_txn():
        AttributeRequirement.delete().where(AttributeRequirement.attribute == Attribute.get(code="picture")).execute()
    real_txn, saved = completeness.write_txn, []

    @contextmanager
    def txn_after_a_save():
        if not saved:  # another writer commits just before the chunk gets the lock
            saved.append(save_product({"identifier": "p", "values": {"color": v(None)}}, product=product))
        with real_txn() as txn:
            yield txn

    monkeypatch.setattr(completeness, "write_txn", txn_after_a_save)
    assert recompute_family(Family.get(code="hats")) == 1
    assert ratios(product, "ecommerce")["en_US"] < 100  # the emptied colour counts as missing
