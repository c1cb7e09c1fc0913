"""The product grid query: every filter in SQL, keyset pagination, labels and completeness."""
import pytest

from pimconnect.services.access.access import Access
from pimconnect.services.products.grid import GridFilters, grid_page, grid_query, parse_filters, ratios_query
from pimconnect.services.products.writes import save_product


def make(identifier, family=None, categories=(), enabled=True, name=None, values=None):
    """A product saved through the write service (so its index rows and completeness exist)."""
    data = {"identifier": identifier, "enabled": enabled, "family": family, "categories": list(categories),
            "values": dict(values or {})}
    if name:
        data["values"]["name"] = [{"locale": "en_US", "scope": None, "data": name}]
    return save_product(data)


EVERYTHING = Access.unrestricted()  # the grid's reader: these tests are about filters, not permissions


@pytest.fixture
def products(seeded_app, conn):
    """A small catalog covering every filter."""
    make("hat-straw", "hats", ["master_hats"], name="Straw hat")
    make("hat-felt", "hats", ["master_hats", "ecommerce_summer_hats"], enabled=False, name="Felt fedora")
    make("bag-1", "bags", ["master_bags"], name="Leather bag")
    make("shirt-1", "clothing", ["master_shirts"], name="Linen shirt")
    make("loose-1")
    return conn


def identifiers(filters, **kwargs):
    rows, _ = grid_page(EVERYTHING, filters, **kwargs)
    return [row["identifier"] for row in rows]


def test_no_filter_lists_every_product_by_identifier(products):
    """Without filters the grid lists every product ordered by identifier."""
    assert identifiers(GridFilters()) == ["bag-1", "hat-felt", "hat-straw", "loose-1", "shirt-1"]


def test_family_filter(products):
    """The family filter keeps the family's products only."""
    assert identifiers(GridFilters(family="hats")) == ["hat-felt", "hat-straw"]


def test_unknown_family_gives_an_empty_page(products):
    """An unknown family code matches nothing (and does not fail)."""
    assert grid_page(EVERYTHING, GridFilters(family="nope")) == ([], None)


def test_category_filter_includes_descendants(products):
    """A category matches products classified in it or in any descendant."""
    assert identifiers(GridFilters(category="master_accessories")) == ["bag-1", "hat-felt", "hat-straw"]
    assert identifiers(GridFilters(category="master")) == ["bag-1", "hat-felt", "hat-straw", "shirt-1"]
    assert identifiers(GridFilters(category="ecommerce")) == ["hat-felt"]
    assert identifiers(GridFilters(category="master_kitchen")) == []


def test_enabled_filter(products):
    """Enabled yes/no keep enabled/disabled products."""
    assert identifiers(GridFilters(enabled="no")) == ["hat-felt"]
    assert "hat-felt" not in identifiers(GridFilters(enabled="yes"))


def test_search_on_identifier_and_label(products):
    """The search box matches the identifier or the label, case-insensitively."""
    assert identifiers(GridFilters(search="HAT-")) == ["hat-felt", "hat-straw"]
    assert identifiers(GridFilters(search="fedora")) == ["hat-felt"]
    assert identifiers(GridFilters(search="LEATHER")) == ["bag-1"]
    assert identifiers(GridFilters(search="50%")) == []


def test_completeness_filter(products):
    """Completeness compares the ratio stored for the chosen channel and locale."""
    complete = make("hat-full", "hats", values={
        "name": [{"locale": "en_US", "scope": None, "data": "Full"}],
        "price": [{"locale": None, "scope": None, "data": [{"amount": "10", "currency": "USD"}, {"amount": "9", "currency": "EUR"}]}],
    })
    page, _ = grid_page(EVERYTHING, GridFilters(family="hats", channel="mobile"))
    rows = {r["identifier"]: r["completeness"] for r in page}
    assert rows["hat-full"] == 100 and rows["hat-straw"] < 100
    full = GridFilters(channel="mobile", locale="en_US", completeness_op=">=", completeness=100)
    assert identifiers(full) == [complete.identifier]
    low = GridFilters(channel="mobile", locale="en_US", completeness_op="<", completeness=100)
    assert identifiers(low) == ["bag-1", "hat-felt", "hat-straw", "shirt-1"]  # loose-1 has no family


def test_filters_combine(products):
    """Filters are AND-ed."""
    assert identifiers(GridFilters(family="hats", enabled="yes", category="master")) == ["hat-straw"]


def test_rows_show_label_family_and_status(products):
    """A row carries the label in the locale (identifier as fallback), the family label and the status."""
    rows = {r["identifier"]: r for r in grid_page(EVERYTHING, GridFilters())[0]}
    assert rows["hat-straw"]["label"] == "Straw hat"
    assert rows["hat-straw"]["family"] == "Hats"
    assert rows["loose-1"]["label"] == "loose-1" and rows["loose-1"]["family"] == ""
    assert rows["hat-felt"]["enabled"] is False
    assert grid_page(EVERYTHING, GridFilters(locale="fr_FR"))[0][2]["label"] == "hat-straw"


def test_keyset_pagination_has_no_duplicates_or_gaps(seeded_app, conn):
    """Walking the pages with the cursor returns every product exactly once, in order."""
    for i in range(12):
        make(f"p-{i:02d}", "bags" if i % 2 else None)
    seen, after, pages = [], None, 0
    while True:
        rows, after = grid_page(EVERYTHING, GridFilters(), after=after, limit=5)
        seen += [r["identifier"] for r in rows]
        pages += 1
        if after is None:
            break
    assert seen == [f"p-{i:02d}" for i in range(12)]
    assert pages == 3
    odd, cursor = grid_page(EVERYTHING, GridFilters(family="bags"), limit=4)
    rest, end = grid_page(EVERYTHING, GridFilters(family="bags"), after=cursor, limit=4)
    assert [r["identifier"] for r in odd + rest] == [f"p-{i:02d}" for i in range(1, 12, 2)] and end is None


def test_parse_filters_ignores_bad_values(seeded_app):
    """Unknown operators, out-of-range percentages and odd enabled values mean "no filter"."""
    filters = parse_filters({"completeness_op": "DROP", "completeness": "50", "enabled": "maybe"}, "fr_FR", "print")
    assert (filters.completeness_op, filters.completeness, filters.enabled) == ("", None, "")
    assert (filters.locale, filters.channel) == ("fr_FR", "print")
    assert parse_filters({"completeness_op": ">=", "completeness": "101"}).completeness is None
    assert parse_filters({"completeness_op": "<=", "completeness": "40"}).completeness == 40


def sqlite_plan(sql, params):
    from pimconnect.db import db, is_sqlite

    if not is_sqlite():
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    return [row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]


@pytest.mark.parametrize("args", [
    {"family": "hats", "enabled": "yes", "category": "master"},
    {"family": "hats"},
    {"enabled": "no"},
    {"family": "hats", "completeness_op": ">=", "completeness": "50"},
])
def test_filtered_query_reads_an_index_range(products, args):
    """Family/enabled filters read an index range in identifier order: no catalog sort, no table scan."""
    plan = sqlite_plan(*grid_query(EVERYTHING, parse_filters(args)).sql())
    assert plan[0].startswith("SEARCH t1 USING INDEX product_"), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_unfiltered_query_walks_the_identifier_index(products):
    """Without family/enabled the grid walks the identifier index (keyset order), never sorts."""
    plan = sqlite_plan(*grid_query(EVERYTHING, parse_filters({"search": "hat", "category": "master"})).sql())
    assert plan[0] == "SCAN t1 USING INDEX product_identifier", plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


def test_page_completeness_lookup_uses_the_unique_key(products):
    """The page's completeness column is looked up per product, not by scanning a channel's ratios."""
    from pimconnect.models import Channel, Locale, Product

    uuids = [p.uuid for p in Product.select(Product.uuid)]
    query = ratios_query(uuids, Channel.get(code="ecommerce").id, Locale.get(code="en_US").id)
    plan = sqlite_plan(*query.sql())
    assert "productcompleteness_product_id_channel_id_locale_id" in plan[0], plan
