"""Settings: category trees (browse, create, labels, move with subtree paths, delete refusals)."""
import html

from pimconnect.db import db
from pimconnect.models import Category
from tests.factories import login_without


def cat(code):
    with db.connection_context():
        return Category.get(code=code)


def assert_path_invariant():
    """Every category's path is its parent's path plus its id, with a consistent level and root."""
    with db.connection_context():
        for c in Category.select():
            parent = c.parent
            assert c.path == (parent.path if parent else "/") + f"{c.id}/"
            assert c.level == (parent.level + 1 if parent else 0)
            assert c.root_id == (parent.root_id if parent else c.id)


def test_trees_list_with_product_counts(admin):
    """The tree list shows each root with its number of classified products."""
    from pimconnect.services.products.writes import save_product

    with db.connection_context():
        save_product({"identifier": "p1", "categories": ["master_hats", "master_bags"]})
        save_product({"identifier": "p2", "categories": ["master_shirts"]})
    html = admin.client.get("/settings/categories").get_data(as_text=True)
    assert "Master catalog" in html and "Print" in html
    assert "<td>master</td>\n      <td>2</td>" in html
    assert "<td>print</td>\n      <td>0</td>" in html


def test_categories_page_versus_fragment(admin):
    """Tree list and category page answer a page, or a fragment for htmx."""
    for path in ("/settings/categories", "/settings/categories/master"):
        assert b"<html" in admin.client.get(path).data
        fragment = admin.client.get(path, headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and b"<html" not in fragment.data


def test_browse_tree_without_js_renders_nested_nodes(admin):
    """A tree page renders its nested categories as links, without JavaScript."""
    html = admin.client.get("/settings/categories/master").get_data(as_text=True)
    assert "Accessories" in html and "Hats" in html and "Kitchen" in html
    assert 'href="/settings/categories/master_hats"' in html


def test_deep_branches_lazy_load_children(admin):
    """Beyond the rendered depth a node offers its children by link (no JS) and htmx lazy-load."""
    for parent, code in (("master_hats", "deep1"), ("deep1", "deep2")):
        assert admin.post(f"/settings/categories/{parent}/children", {"code": code}).status_code == 303
    html = admin.client.get("/settings/categories/master").get_data(as_text=True)
    assert "deep1" in html and 'href="/settings/categories/deep2"' not in html
    assert 'href="/settings/categories/deep1"' in html
    assert 'hx-get="/settings/categories/deep1/children"' in html
    fragment = admin.client.get("/settings/categories/deep1/children", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.data and b"deep2" in fragment.data
    page = admin.client.get("/settings/categories/deep1/children")
    assert b"<html" in page.data and b"deep2" in page.data
    assert b"deep2" in admin.client.get("/settings/categories/deep1").data


def test_create_tree_and_child(admin):
    """A new tree and a child under it keep the path/level/root invariant."""
    response = admin.post("/settings/categories", {"code": "outlet", "labels[en_US]": "Outlet"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/settings/categories/outlet")
    assert admin.post("/settings/categories/outlet/children",
                      {"code": "outlet_shoes", "labels[fr_FR]": "Chaussures", "labels[xx_XX]": "x"}).status_code == 303
    tree, child = cat("outlet"), cat("outlet_shoes")
    assert tree.parent_id is None and tree.root_id == tree.id and tree.path == f"/{tree.id}/"
    assert child.path == f"/{tree.id}/{child.id}/" and child.level == 1 and child.root_id == tree.id
    assert child.labels == {"fr_FR": "Chaussures"}


def test_invalid_or_duplicate_codes_refused(admin):
    """Category codes are letters, digits and underscores, and unique."""
    bad = admin.post("/settings/categories", {"code": "no-dash"})
    assert bad.status_code == 422
    assert "Category code may contain only letters, numbers and underscores." in bad.get_data(as_text=True)
    dup = admin.post("/settings/categories/master/children", {"code": "master_hats"}, htmx=True)
    assert dup.status_code == 200 and "This value is already used." in dup.get_data(as_text=True)
    assert b"<html" not in dup.data


def test_edit_labels(admin):
    """Labels are saved per enabled locale; empty ones are dropped."""
    data = {"labels[en_US]": "Caps", "labels[fr_FR]": "", "labels[de_DE]": "Mützen"}
    assert admin.post("/settings/categories/master_hats", data).status_code == 303
    assert cat("master_hats").labels == {"en_US": "Caps", "de_DE": "Mützen"}


def test_move_subtree_to_another_tree_updates_paths(admin):
    """Moving a branch to another tree rewrites path, level and root of the whole subtree."""
    admin.post("/settings/categories/master_hats/children", {"code": "hats_winter"})
    response = admin.post("/settings/categories/master_accessories/move", {"parent": "ecommerce_summer"})
    assert response.status_code == 303
    moved, target, leaf = cat("master_accessories"), cat("ecommerce_summer"), cat("hats_winter")
    assert moved.parent_id == target.id and moved.level == 2 and moved.root_id == cat("ecommerce").id
    assert leaf.path == f"{target.path}{moved.id}/{cat('master_hats').id}/{leaf.id}/" and leaf.level == 4
    assert leaf.root_id == cat("ecommerce").id
    assert_path_invariant()


def test_move_within_same_tree(admin):
    """A category can move under another parent of the same tree."""
    assert admin.post("/settings/categories/master_kitchen/move", {"parent": "master_clothing"}).status_code == 303
    assert cat("master_kitchen").parent_id == cat("master_clothing").id
    assert_path_invariant()


def test_move_under_itself_or_descendant_refused(admin):
    """A category cannot move under itself or its descendants; nothing changes."""
    before = cat("master_accessories").path
    for target in ("master_accessories", "master_hats"):
        response = admin.post("/settings/categories/master_accessories/move", {"parent": target})
        assert response.status_code == 422
        assert "cannot be moved under itself or one of its descendants" in response.get_data(as_text=True)
    unknown = admin.post("/settings/categories/master_accessories/move", {"parent": "nope"})
    assert 'The category "nope" does not exist.' in html.unescape(unknown.get_data(as_text=True))
    assert cat("master_accessories").path == before
    assert_path_invariant()


def test_delete_leaf_category(admin):
    """A category without children or products is deleted."""
    response = admin.post("/settings/categories/master_kitchen/delete")
    assert response.status_code == 303 and response.headers["Location"].endswith("/settings/categories/master_home")
    with db.connection_context():
        assert not Category.select().where(Category.code == "master_kitchen").exists()


def test_delete_refusals(admin):
    """Categories with children or products, and trees used by a channel, are kept with a message."""
    from pimconnect.services.products.writes import save_product

    with db.connection_context():
        save_product({"identifier": "p1", "categories": ["master_bags"]})
    cases = {"master_accessories": "The category master_accessories has children and cannot be deleted.",
             "master_bags": "The category master_bags is used by 1 product(s) and cannot be deleted."}
    for code, message in cases.items():
        response = admin.post(f"/settings/categories/{code}/delete")
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    admin.post("/settings/categories", {"code": "empty_tree"})
    assert admin.post("/settings/categories/empty_tree/delete").status_code == 303
    admin.post("/settings/categories/print_traditional/delete")
    admin.post("/settings/categories/print_catalog_2026/delete")
    response = admin.post("/settings/categories/print/delete", htmx=True)
    assert "The category tree print is used by the channel print and cannot be deleted." in \
        response.get_data(as_text=True)
    with db.connection_context():
        assert Category.select().where(Category.code.in_(["master_bags", "print"])).count() == 2


def test_category_edit_requires_permission(app, seeded_app):
    """Without 'Create and edit categories' the forms are hidden and writes refused."""
    user = login_without(app, "pim_enrich_category_edit")
    html = user.client.get("/settings/categories/master").get_data(as_text=True)
    assert "Accessories" in html and "Create a subcategory" not in html
    assert user.post("/settings/categories", {"code": "x"}).status_code == 403
    assert user.post("/settings/categories/master/children", {"code": "x"}).status_code == 403
    assert user.post("/settings/categories/master_hats/move", {"parent": "print"}).status_code == 403
    assert user.post("/settings/categories/master_kitchen/delete").status_code == 403
    assert user.post("/settings/categories/master_kitchen", {"labels[en_US]": "x"}).status_code == 403


def test_category_list_requires_permission(app, seeded_app):
    """Without 'List categories' the pages are refused."""
    user = login_without(app, "pim_enrich_category_index")
    assert user.client.get("/settings/categories").status_code == 403
    assert user.client.get("/settings/categories/master/children").status_code == 403


def test_category_write_requires_csrf(admin):
    """A category form posted without the CSRF token is refused."""
    assert admin.client.post("/settings/categories", data={"code": "sneaky"}).status_code == 400
    assert admin.client.get("/settings/categories/sneaky").status_code == 404
