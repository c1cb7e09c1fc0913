"""The selection engine: its registry, validation (every problem at its path, worded by the caller),
the REST and catalog semantics side by side, the reader's access AND-ed in, pages and counts."""
import logging

import pytest

from pimconnect.models import Family, Product
from pimconnect.services import selection
from pimconnect.services.access.access import Access
from pimconnect.services.products.writes import save_product
from pimconnect.services.selection import CATALOG, CATALOG_CRITERIA, REST, Count, Criterion, Selection, registry
from pimconnect.services.selection.catalog_criteria import word

EVERYTHING = Access.unrestricted()  # these tests are about selections, not permissions


def value(data, locale=None, scope=None):
    return [{"locale": locale, "scope": scope, "data": data}]


@pytest.fixture
def shop(seeded_app, conn):
    """Six products: a red waterproof hat, a disabled bag without a color, a blue shirt and a shirt
    without a color (their families have the attribute), a pot (its family has no color), an orphan."""
    made = {
        "hat": save_product({"identifier": "hat", "family": "hats", "categories": ["master_hats"],
                             "values": {"color": value("red"), "waterproof": value(True),
                                        "name": value("Straw hat", "en_US")}}),
        "bag": save_product({"identifier": "bag", "family": "bags", "enabled": False,
                             "values": {"waterproof": value(False)}}),
        "shirt": save_product({"identifier": "shirt", "family": "clothing", "categories": ["master_shirts"],
                               "values": {"color": value("blue")}}),
        "plain-shirt": save_product({"identifier": "plain-shirt", "family": "clothing"}),
        "pot": save_product({"identifier": "pot", "family": "kitchenware"}),
        "orphan": save_product({"identifier": "orphan"}),
    }
    return {name: product.uuid for name, product in made.items()}


def names(shop, uuids):
    by_uuid = {u: n for n, u in shop.items()}
    return sorted(by_uuid[u] for u in uuids)


def selected(shop, criteria, semantics=REST, dialect=selection.REST_SEARCH, access=EVERYTHING):
    chosen = Selection(criteria, dialect, semantics)
    products = selection.page(access, chosen, query=Product.select(Product.uuid))
    return names(shop, [p.uuid for p in products])


class FamilyAccess:
    """A stand-in for the access object: a reader who sees only one family's products."""

    def __init__(self, code):
        self.family_id = Family.get(code=code).id

    def product_condition(self):
        return Product.family == self.family_id


# --- the registry -------------------------------------------------------------------------------

def test_catalog_editor_operator_lists_are_the_references():
    """§4.3: the operators a catalog criterion offers for each system field and attribute type."""
    assert [op for op, _ in registry.operators_for("enabled")] == ["=", "!="]
    assert [op for op, _ in registry.operators_for("family")] == ["IN", "NOT IN", "EMPTY", "NOT EMPTY"]
    assert sorted(op for op, _ in registry.operators_for("completeness")) == ["!=", "<", "=", ">"]
    assert sorted(op for op, _ in registry.operators_for("categories")) == sorted(
        ["IN", "NOT IN", "IN CHILDREN", "NOT IN CHILDREN", "UNCLASSIFIED", "IN OR UNCLASSIFIED"])
    assert sorted(op for op, _ in registry.operators_for("pim_catalog_identifier")) == sorted(
        ["=", "!=", "CONTAINS", "DOES NOT CONTAIN", "STARTS WITH", "IN", "NOT IN"])
    assert sorted(op for op, _ in registry.operators_for("pim_catalog_text")) == sorted(
        ["=", "!=", "CONTAINS", "DOES NOT CONTAIN", "STARTS WITH", "EMPTY", "NOT EMPTY"])
    assert [op for op, _ in registry.operators_for("pim_catalog_multiselect")] == ["IN", "NOT IN", "EMPTY",
                                                                                   "NOT EMPTY"]
    assert registry.operators_for("pim_catalog_price_collection") == []
    assert ("CONTAINS", "contains") in registry.operators_for("pim_catalog_textarea")
    assert ("IN OR UNCLASSIFIED", "is unclassified or in") in registry.operators_for("categories")


def test_fields_for_an_editor_picker():
    """The catalog picker lists Status, Family, Completeness, Category, then nine attribute types."""
    properties, types = registry.fields_for(CATALOG_CRITERIA)
    assert [(f.code, f.label) for f in properties] == [("enabled", "Status"), ("family", "Family"),
                                                       ("completeness", "Completeness"), ("categories", "Category")]
    assert len(types) == 9 and "pim_catalog_image" not in {t.code for t in types}
    field = registry.PROPERTIES["completeness"]
    assert (field.channel, field.locale) == (registry.REQUIRED, registry.DEFAULTED)
    assert registry.ATTRIBUTE_TYPES["pim_catalog_metric"].operations["<"].shape == "metric"


def test_every_rest_operator_has_a_label_and_a_builder():
    for field in [*registry.PROPERTIES.values(), *registry.ATTRIBUTE_TYPES.values()]:
        assert field.build is not None, field.code
        for operation in field.operations.values():
            assert operation.label and operation.dialects, (field.code, operation.operator)


# --- validation ---------------------------------------------------------------------------------

def test_rest_validation_returns_every_problem_with_its_path(seeded_app, conn):
    problems = selection.validate(Selection([
        Criterion("nope", "=", 1),
        Criterion("family", "IN", ["hats", "ghosts"]),
        Criterion("description", "CONTAINS", 5, locale="en_US"),
        Criterion("categories", "IN", ["master", "lost"]),
    ]))
    found = [(p.code, p.path) for p in problems]
    assert found == [
        ("categories.unknown", "criteria[3].value"),
        ("field.unsupported", "criteria[0].field"),
        ("code.unknown", "criteria[1].value"),
        ("scope.missing", "criteria[2].scope"),
        ("value.type", "criteria[2].value"),
    ]
    assert problems[2].params["code"] == "ghosts" and problems[0].params["codes"] == ["lost"]


def test_the_rest_adapter_words_the_first_problem_as_akeneo():
    from pimconnect.api.product_search import refusal

    first = selection.Problem("value.type", "criteria[0].value", field="name", expected="a string", given="integer")
    error = refusal([first, selection.Problem("scope.missing", "criteria[1].scope", field="x")])
    assert (error.status, error.message) == (422, 'Property "name" expects a string as data, "integer" given.')


@pytest.mark.parametrize("criteria, expected", [
    ({"field": "enabled"}, "Invalid array structure."),
    ([{"field": "enabled", "operator": "=", "value": True}] * 26, "Too many criteria."),
    ([{"operator": "="}], "Missing field value"),
    ([{"field": "ghost", "operator": "=", "value": 1, "scope": None, "locale": None}], "Invalid field value"),
    ([{"field": "picture", "operator": "EMPTY", "value": None, "scope": None, "locale": None}],
     "Invalid field value"),
    ([{"field": "family", "operator": "EMPTY", "value": [], "scope": None}], "This field was not expected."),
    ([{"field": "name", "operator": "=", "value": "x", "locale": "en_US"}], "This field is missing."),
    ([{"field": "family", "operator": "EMPTY", "value": ["hats"]}], "This value must be empty."),
    ([{"field": "family", "operator": "IN", "value": []}], "This value must not be empty."),
    ([{"field": "family", "operator": "IN", "value": ["ghosts"]}], "At least one selected family does not exist."),
    ([{"field": "categories", "operator": "IN", "value": ["lost", "master", "gone"]}],
     "The following categories do not exist anymore: lost, gone. Please remove them from the criterion value."),
    ([{"field": "completeness", "operator": ">", "value": 101, "scope": "ecommerce", "locale": "en_US"}],
     "Completeness value must be between 0 and 100 percent."),
    ([{"field": "completeness", "operator": "=", "value": 5, "scope": "print", "locale": "fr_FR"}],
     "This locale is disabled for this channel. Please check your channel settings or remove this criterion."),
    ([{"field": "color", "operator": "IN", "value": ["red"], "scope": "ecommerce", "locale": None}],
     "This channel must be empty."),
    ([{"field": "description", "operator": "=", "value": "x", "scope": None, "locale": "en_US"}],
     "This channel must not be empty."),
    ([{"field": "description", "operator": "=", "value": "x", "scope": "web", "locale": "en_US"}],
     "This channel has been deactivated. Please check your channel settings or remove this criterion."),
    ([{"field": "name", "operator": "=", "value": "x", "scope": None, "locale": "es_ES"}],
     "This locale does not exist."),
    ([{"field": "color", "operator": "IN", "value": ["purple"], "scope": None, "locale": None}],
     "At least one selected option does not exists."),
    ([{"field": "weight", "operator": "<", "value": {"amount": 1, "unit": "LITER"}, "scope": None, "locale": None}],
     'The unit of the field "weight" does not exist.'),
    ([{"field": "weight", "operator": "<", "value": {"amount": 1, "unit": " "}, "scope": None, "locale": None}],
     "The unit must not be empty."),
    ([{"field": "release_date", "operator": "BETWEEN", "value": ["2020-01-01"], "scope": None, "locale": None}],
     "These values must not be empty."),
    ([{"field": "stock_quantity", "operator": "IN", "value": [1], "scope": None, "locale": None}],
     "The value you selected is not a valid choice."),
])
def test_catalog_criteria_problems_in_the_catalog_wording(seeded_app, conn, criteria, expected):
    problems = selection.validate(Selection(criteria, CATALOG_CRITERIA, CATALOG))
    assert expected in [word(p) for p in problems], [word(p) for p in problems]


def test_catalog_validation_reports_every_criterion(seeded_app, conn):
    problems = selection.validate(Selection([
        {"field": "enabled", "operator": "=", "value": True},
        {"field": "family", "operator": "EMPTY", "value": ["hats"]},
        {"field": "weight", "operator": "<", "value": {"amount": "", "unit": "LITER"}, "scope": "x", "locale": None},
    ], CATALOG_CRITERIA, CATALOG))
    assert [(p.path, p.code) for p in problems] == [
        ("criteria[1].value", "value.must_be_empty"), ("criteria[2].scope", "channel.must_be_empty"),
        ("criteria[2].value.amount", "value.invalid"), ("criteria[2].value.unit", "unit.unknown")]


def test_validating_again_with_the_same_structure_reads_nothing(seeded_app, conn, caplog):
    """A structure object keeps what it read: an editor re-validating costs no query."""
    structure = selection.SelectionStructure()
    chosen = Selection([{"field": "color", "operator": "IN", "value": ["red"], "scope": None, "locale": None},
                        {"field": "categories", "operator": "IN CHILDREN", "value": ["master"]}],
                       CATALOG_CRITERIA, CATALOG)
    assert selection.validate(chosen, structure) == []
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        caplog.clear()
        assert selection.validate(chosen, structure) == []
    assert not [r for r in caplog.records if r.name == "peewee"]


# --- semantics side by side -----------------------------------------------------------------------

@pytest.mark.parametrize("criterion, rest, catalog_", [
    # EMPTY: REST needs the attribute in the product's family; a catalog takes any product without it.
    (Criterion("color", "EMPTY"), ["bag", "plain-shirt"], ["bag", "orphan", "plain-shirt", "pot"]),
    # NOT IN: REST keeps products without a value; a catalog excludes them.
    (Criterion("color", "NOT IN", ["red"]), ["bag", "orphan", "plain-shirt", "pot", "shirt"], ["shirt"]),
    # Other negative operators need a value under both.
    (Criterion("waterproof", "!=", True), ["bag"], ["bag"]),
    (Criterion("name", "DOES NOT CONTAIN", "silk", locale="en_US"), ["hat"], ["hat"]),
    # Positive operators and properties do not differ.
    (Criterion("color", "NOT EMPTY"), ["hat", "shirt"], ["hat", "shirt"]),
    (Criterion("family", "NOT IN", ["hats"]), ["bag", "orphan", "plain-shirt", "pot", "shirt"],
     ["bag", "orphan", "plain-shirt", "pot", "shirt"]),
])
def test_rest_and_catalog_semantics_side_by_side(shop, criterion, rest, catalog_):
    assert selected(shop, [criterion], REST) == rest
    assert selected(shop, [criterion], CATALOG) == catalog_


def test_catalog_criteria_select_with_catalog_semantics(shop):
    criteria = [{"field": "enabled", "operator": "=", "value": True},
                {"field": "color", "operator": "NOT IN", "value": ["blue"], "scope": None, "locale": None}]
    assert selected(shop, criteria, CATALOG, CATALOG_CRITERIA) == ["hat"]


# --- access, pages, counts ----------------------------------------------------------------------

def test_access_is_and_ed_into_every_entry_point(shop):
    access = FamilyAccess("clothing")
    chosen = Selection([Criterion("enabled", "=", True)])
    assert selected(shop, chosen.criteria, access=access) == ["plain-shirt", "shirt"]
    assert selection.count(access, chosen) == Count(2)
    assert selection.count(EVERYTHING, chosen) == Count(5)
    where = selection.condition(access, Selection([]))
    assert names(shop, [p.uuid for p in Product.select(Product.uuid).where(where)]) == ["plain-shirt", "shirt"]


def test_pages_in_uuid_and_identifier_order(shop):
    everyone = Selection([])
    first = selection.page(EVERYTHING, everyone, limit=2)
    rest = selection.page(EVERYTHING, everyone, after=first[-1].uuid)
    uuids = [p.uuid for p in first + rest]
    assert uuids == sorted(uuids) and len(uuids) == 6
    by_identifier = selection.page(EVERYTHING, everyone, order=selection.IDENTIFIER_ORDER,
                                   after="hat", limit=2)
    assert [p.identifier for p in by_identifier] == ["orphan", "plain-shirt"]


@pytest.mark.parametrize("criteria, exact", [
    ([], 6),
    ([Criterion("family", "IN", ["clothing"])], 2),
    ([Criterion("color", "IN", ["red", "blue"])], 2),
    ([Criterion("color", "NOT IN", ["red"])], 5),
    ([Criterion("categories", "IN CHILDREN", ["master"]), Criterion("enabled", "=", True)], 2),
    ([Criterion("enabled", "=", True), Criterion("waterproof", "NOT EMPTY")], 1),
])
def test_counts_are_exact_or_say_they_stopped(shop, criteria, exact):
    chosen = Selection(criteria)
    assert selection.count(EVERYTHING, chosen, cap=None) == Count(exact)
    capped = selection.count(EVERYTHING, chosen, cap=1)
    assert capped == Count(exact) or capped == Count(1, exact=False)
    assert str(Count(10_000, exact=False)) == "more than 10,000" and str(Count(3)) == "3"


def test_an_invalid_selection_raises_with_its_problems(seeded_app, conn):
    with pytest.raises(selection.InvalidSelection) as raised:
        selection.count(EVERYTHING, Selection([Criterion("family", "IN", ["ghosts"])]))
    assert [p.code for p in raised.value.problems] == ["code.unknown"]
