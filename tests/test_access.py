"""The reader's Access: built without a query, grants read once and lazily, no SQL added for a reader who
sees everything, and the same visibility wherever products are read (REST, grid, home, category trees)."""
import pytest

from pimconnect.db import write_txn
from pimconnect.models import Category, Product, User, UserGroup, UserGroupMember
from pimconnect.services.access import group_permissions
from pimconnect.services.access.access import Access
from pimconnect.services.products import grid, reads
from pimconnect.services.structure import settings
from pimconnect.services.products.writes import save_product
from tests.factories import login_with, make_product
from tests.test_api_attributes import counted_queries
from tests.test_api_ee_permissions import app_api  # noqa: F401 (fixture)

URL = "/api/rest/v1/products-uuid"
PRODUCTS = {"free": [], "in-master": ["master_shirts"], "in-print": ["print_traditional"],
            "in-both": ["master_shirts", "print_traditional"]}


def _levels(**levels):
    return {level: {"all": codes == "all", "identifiers": [] if codes == "all" else list(codes)}
            for level, codes in levels.items()}


def _user(name, groups=(), category=None):
    """A user in ``groups`` (names) plus, when ``category`` levels are given, a group of its own holding them."""
    with write_txn():
        user = User.create(username=name, email=f"{name}@example.com", password_hash="x", type="app")
        for group in groups:
            UserGroupMember.create(user=user, group=UserGroup.get(UserGroup.name == group))
        if category is not None:
            own = UserGroup.create(name=f"{name}_group", type="app")
            UserGroupMember.create(user=user, group=own)
            group_permissions.save(own.id, {"category": category})
    return user


@pytest.fixture
def shelves(ctx):
    for identifier, categories in PRODUCTS.items():
        save_product({"identifier": identifier, "categories": categories})
    return ctx


def test_building_an_access_runs_no_query_and_grants_are_read_once(shelves):
    user = _user("reader", category=_levels(view=["master"]))
    with counted_queries() as built:
        access = Access.of(user, ["pim_api_product_list"], enforce_grants=True)
    assert built == [] and access.can("pim_api_product_list") and access.kind == "app"
    with counted_queries() as first:
        assert access.product_condition() is not None
    with counted_queries() as again:
        access.product_condition()
        access.can_view_locale("en_US")
    assert len(first) == 1 and again == []


@pytest.mark.parametrize("make", [
    lambda: Access.unrestricted(),
    lambda: Access.of(User.get(User.username == "admin"), (), enforce_grants=True),  # a member of "All"
    lambda: Access.of(_user("ce_reader", category=_levels(view=["master"])), (), enforce_grants=False),  # CE, web
    lambda: Access.of(_user("all_trees", category=_levels(view="all")), (), enforce_grants=True),
])
def test_a_reader_who_sees_everything_adds_no_sql(shelves, make):
    access = make()
    assert access.product_condition() is None
    query = Product.select(Product.uuid)
    assert access.restrict(query).sql() == query.sql()


def test_a_restricted_reader_sees_uncategorized_products_and_its_trees(shelves):
    access = Access.of(_user("master_only", category=_levels(view=["master"])), (), enforce_grants=True)
    visible = sorted(p.identifier for p in access.restrict(Product.select(Product.identifier)))
    assert visible == ["free", "in-both", "in-master"]
    nothing = Access.of(_user("no_tree", category=_levels()), (), enforce_grants=True)
    assert [p.identifier for p in nothing.restrict(Product.select(Product.identifier))] == ["free"]


@pytest.mark.parametrize("groups, category", [
    ((), _levels(view=["master"])),  # one tree
    ((), _levels(view=["print"])),
    ((), _levels()),  # no category: the uncategorized products only
    ((), _levels(view=["master_shirts"])),  # a category below a tree, not the tree
    (("Redactor",), _levels(view=["print"])),  # two groups, the union of their rights
    (("Redactor",), None),  # groups without any category grant
    ((), None),  # no group at all
])
def test_a_restricted_readers_count_is_the_number_of_products_it_sees(shelves, groups, category):
    """``visible_count`` (the REST ``with_count`` and the home count) counts in one pass what
    ``product_condition`` keeps, product by product."""
    with write_txn():
        group_permissions.save(UserGroup.get(UserGroup.name == "Redactor").id, {"category": _levels(view=["master"])})
    user = _user(f"counted_{len(groups)}_{sorted(category or {})}_{(category or {}).get('view')}", groups, category)
    access = Access.of(user, (), enforce_grants=True)
    assert access.restricted
    seen = access.restrict(Product.select()).count()
    with counted_queries() as statements:
        assert access.visible_count() == seen == reads.count(access)
    assert len(statements) == 2  # the count's, and reads.count's


def test_every_reader_service_narrows_to_what_the_access_sees(shelves):
    """The grid, its total, the product page's lookup, the home count and the category trees' counts."""
    access = Access.of(_user("print_only", category=_levels(view=["print"])), (), enforce_grants=True)
    everything = Access.unrestricted()
    rows, _ = grid.grid_page(access, grid.GridFilters())
    assert [row["identifier"] for row in rows] == ["free", "in-both", "in-print"]
    assert grid.grid_total(access, grid.GridFilters()) == 3 and grid.grid_total(everything, grid.GridFilters()) == 4
    assert reads.count(access) == 3 and reads.count(everything) == 4
    hidden = Product.get(Product.identifier == "in-master").uuid
    assert reads.product(access, hidden) is None and reads.product(everything, hidden).identifier == "in-master"
    trees = {tree.code: count for tree, count in settings.category_trees(access)}
    assert trees["print"] == 2 and trees["master"] == 1  # in-both, seen through print, is in master too
    assert {tree.code: n for tree, n in settings.category_trees(everything)}["master"] == 2


def test_structure_is_looked_up_only_for_the_codes_named(shelves):
    """No whole-table load: a category's tree is read for the codes asked, once."""
    access = Access.of(_user("lookups", category=_levels(view=["master"])), (), enforce_grants=True)
    access.grants  # noqa: B018 (read the grants first)
    with counted_queries() as statements:
        assert access.can_view_product(["master_shirts", "print_traditional"])
        assert not access.can_view_product(["print_traditional"])
        assert access.hidden_attributes(["name", "sku"]) == ["name", "sku"]  # no attribute group granted
    assert len(statements) == 2 and all("WHERE" in sql and " IN (" in sql for sql in statements)
    assert Category.select().count() > 2


def test_a_restricted_apps_page_costs_what_an_unrestricted_one_does(app_api, api, seeded_app):  # noqa: F811
    """GET /products-uuid?limit=10 and GET one product: grants, trees and groups come with the page's own
    queries (11 and 12 statements before the Access, 7 now), the same count as a member of "All" whose
    page is rendered the same way; written from the stored text, the unrestricted page costs fewer."""
    for path in (f"{URL}?limit=10", f"{URL}?limit=10&pagination_type=search_after", "/api/rest/v1/products/hat-both"):
        counts = []
        for reader, stored in ((app_api, False), (api, False), (api, True)):
            seeded_app.config["PIM_API_STORED_VALUES"] = stored
            try:
                reader.get(path)  # warm the compiled statements
                with counted_queries() as statements:
                    assert reader.get(path).status_code == 200
            finally:
                seeded_app.config["PIM_API_STORED_VALUES"] = True
            counts.append(len(statements))
        assert counts[0] == counts[1] <= 7 and counts[2] <= counts[1], (path, counts)


def test_the_web_ui_applies_the_groups_grants_in_ee_and_roles_only_in_ce(seeded_app, app):
    """A person in "All" (every right on a fresh install) sees every product; outside every group, only
    uncategorized ones; in CE the grants do not apply."""
    make_product("classified", categories=["master_shirts"])
    make_product("loose")
    everything = login_with(app, ["pim_enrich_product_index"])
    assert "classified" in everything.client.get("/products/").get_data(as_text=True)
    limited = login_with(app, ["pim_enrich_product_index"])
    with seeded_app.app_context(), write_txn():
        user = User.get(User.username == limited.username)
        UserGroupMember.delete().where(UserGroupMember.user == user).execute()
    page = limited.client.get("/products/").get_data(as_text=True)
    assert "classified" not in page and "loose" in page
    app.config["PIM_EDITION"] = "ce"
    assert "classified" in limited.client.get("/products/").get_data(as_text=True)


def test_group_levels_saved_by_the_wizard_reach_the_access(shelves):
    """The grants an app's wizard saves (group_permissions.save) are what its Access applies."""
    user = _user("wizard_app")
    with write_txn():
        group = UserGroup.create(name="wizard_app_group", type="app")
        UserGroupMember.create(user=user, group=group)
    group_permissions.save(group.id, {"category": group_permissions.normalise(
        "category", {"own": {"all": False, "identifiers": ["print"]}}, {"print", "master"})})
    access = Access.of(user, (), enforce_grants=True)
    assert access.product_level(["print_traditional"]) == "own"
    assert access.product_level(["master_shirts"]) is None and access.product_level([]) == "own"
