"""Settings routes for category trees: browse, create, edit labels, move and delete."""
from flask import abort, flash, request, url_for

from pimconnect.blueprints.settings import bp
from pimconnect.htmx import redirect_to, refused_status, render
from pimconnect.models import Category
from pimconnect.permissions import current_access, require
from pimconnect.services.structure import settings

TREE_DEPTH = 3  # levels rendered without JavaScript; deeper branches open on their own page


def _labels_from_form():
    form = request.form
    return {k[7:-1]: v for k, v in form.items() if k.startswith("labels[") and k.endswith("]")}


def _category_or_404(code):
    return Category.get_or_none(Category.code == code) or abort(404)


def _trees_page(status=200, error=None, errors=None, form_code=""):
    return render("settings/categories.html", status=status, trees=settings.category_trees(current_access()), error=error,
                  errors=errors or {}, form_code=form_code, locales=settings.enabled_locale_codes())


@bp.route("/categories")
@require("pim_enrich_category_index")
def categories():
    """List the category trees with their number of classified products."""
    return _trees_page()


@bp.route("/categories", methods=["POST"])
@require("pim_enrich_category_edit")
def category_create_tree():
    """Create a new category tree (a root category)."""
    code = request.form.get("code", "")
    try:
        tree = settings.create_category(code, _labels_from_form())
    except settings.SettingsError as refused:
        return _trees_page(refused_status(), refused.message, refused.errors, code)
    flash(f"The category tree {tree.code} has been created.", "success")
    return redirect_to(url_for("settings.category", code=tree.code))


def _category_page(category, status=200, error=None, errors=None, form_code=""):
    ids = [int(i) for i in category.path.strip("/").split("/") if i]
    ancestors = {c.id: c for c in Category.select().where(Category.id.in_(ids))}
    return render("settings/category.html", status=status, category=category, error=error, errors=errors or {},
                  ancestors=[ancestors[i] for i in ids if i in ancestors and i != category.id],
                  nodes=settings.subtree(category, TREE_DEPTH), form_code=form_code,
                  locales=settings.enabled_locale_codes())


@bp.route("/categories/<code>")
@require("pim_enrich_category_index")
def category(code):
    """Browse a category's branch and edit it."""
    return _category_page(_category_or_404(code))


@bp.route("/categories/<code>", methods=["POST"])
@require("pim_enrich_category_edit")
def category_update(code):
    """Save a category's labels."""
    category = settings.update_category_labels(_category_or_404(code), _labels_from_form())
    flash(f"The category {category.code} has been saved.", "success")
    return redirect_to(url_for("settings.category", code=category.code))


@bp.route("/categories/<code>/children")
@require("pim_enrich_category_index")
def category_children(code):
    """The direct children of a category (the lazy-loaded branch for htmx, a page otherwise)."""
    category = _category_or_404(code)
    return render("settings/category_children.html", block="children", category=category,
                  nodes=settings.subtree(category, 1))


@bp.route("/categories/<code>/children", methods=["POST"])
@require("pim_enrich_category_edit")
def category_create_child(code):
    """Create a category under this one."""
    parent = _category_or_404(code)
    child_code = request.form.get("code", "")
    try:
        child = settings.create_category(child_code, _labels_from_form(), parent)
    except settings.SettingsError as refused:
        return _category_page(parent, refused_status(), refused.message, refused.errors, child_code)
    flash(f"The category {child.code} has been created.", "success")
    return redirect_to(url_for("settings.category", code=child.code))


@bp.route("/categories/<code>/move", methods=["POST"])
@require("pim_enrich_category_edit")
def category_move(code):
    """Move a category, with its whole branch, under another parent (in this tree or another)."""
    category = _category_or_404(code)
    try:
        category = settings.move_category(category, request.form.get("parent", ""))
    except settings.SettingsError as refused:
        return _category_page(category, refused_status(), refused.message, refused.errors)
    flash(f"The category {category.code} has been moved under {category.parent.code}.", "success")
    return redirect_to(url_for("settings.category", code=category.code))


@bp.route("/categories/<code>/delete", methods=["POST"])
@require("pim_enrich_category_edit")
def category_delete(code):
    """Delete a category that has no children and no products (a tree only when no channel uses it)."""
    category = _category_or_404(code)
    parent = category.parent if category.parent_id else None
    try:
        settings.delete_category(category)
    except settings.SettingsError as refused:
        return _category_page(category, refused_status(), refused.message)
    flash(f"The category {code} has been deleted.", "success")
    return redirect_to(url_for("settings.category", code=parent.code) if parent else url_for("settings.categories"))
