"""Products: the grid, product creation, and the product page (edit, classify, delete)."""
from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from pimconnect.blueprints.proposals import workflow_access
from pimconnect.htmx import is_htmx, redirect_to, refused_status, render
from pimconnect.models import Channel, Family, Locale
from pimconnect.permissions import can, current_access, require
from pimconnect.services.access import product_permissions
from pimconnect.services.drafts import drafts
from pimconnect.services.drafts.review import may_edit_value
from pimconnect.services.products import form as product_form
from pimconnect.services.products import grid as product_grid
from pimconnect.services.products import reads as product_reads
from pimconnect.services.products.media import save_with_uploads
from pimconnect.services.products.completeness import completeness_for
from pimconnect.services.products.writes import StaleProduct, ValidationFailed, delete_product, save_product

bp = Blueprint("products", __name__, url_prefix="/products")


@bp.get("/")
@require("pim_enrich_product_index")
def index():
    """Show the product grid; an htmx request gets only the results."""
    filters = product_grid.parse_filters(request.args, current_user.catalog_locale, current_user.catalog_scope)
    after = request.args.get("after") or None
    access = current_access()
    rows, next_cursor = product_grid.grid_page(access, filters, after=after)
    return render("products/index.html", block="results", filters=filters, rows=rows, after=after,
                  next_cursor=next_cursor, total=product_grid.grid_total(access, filters, product_grid.COUNT_CAP),
                  count_cap=product_grid.COUNT_CAP, choices=product_grid.filter_choices(current_user.catalog_locale, access))


def _families():
    return [(f.code, product_grid.family_label(f, current_user.catalog_locale)) for f in Family.select().order_by(Family.code)]


@bp.get("/new")
@require("pim_enrich_product_create")
def new():
    """Show the create-product form."""
    return render("products/new.html", families=_families(), form={}, errors=[])


@bp.post("/new")
@require("pim_enrich_product_create")
def create():
    """Create a product from an identifier and an optional family, then open it."""
    form = request.form
    data = {"identifier": form.get("identifier", "").strip(), "family": form.get("family") or None}
    try:
        product = save_product(data)
    except ValidationFailed as exc:
        return render("products/new.html", block="create_form", status=refused_status(),
                      families=_families(), form=form, errors=exc.errors)
    flash("Product created.", "success")
    return redirect_to(url_for(".show", product_uuid=product.uuid))


def _product_or_404(product_uuid):
    """The product the user asks for, as its Access finds it (404 when unknown or hidden)."""
    product = product_reads.product(current_access(), product_uuid)
    if product is None:
        abort(404)
    return product


def _locales():
    """The enabled locales the user may view (EE), in code order."""
    codes = [loc.code for loc in Locale.select(Locale.code).where(Locale.enabled == True)  # noqa: E712
             .order_by(Locale.code)]
    return current_access().visible_locales(codes)


def _context(args):
    """The (locale code, Channel) the page edits: from the request, else the user's defaults (a locale
    the user may view)."""
    locales = _locales()
    locale = args.get("locale") or current_user.catalog_locale
    if locale not in locales:
        locale = current_user.catalog_locale if current_user.catalog_locale in locales else (locales or [locale])[0]
    channel = Channel.get_or_none(Channel.code == (args.get("scope") or current_user.catalog_scope))
    channel = channel or Channel.get_or_none(Channel.code == current_user.catalog_scope) or Channel.select().first()
    return locale, channel


def _title(product, ui_locale):
    """The product's label in the user's catalog locale, else its identifier."""
    label_attribute = product.family.attribute_as_label if product.family_id else None
    return product_grid.product_label(product, label_attribute and label_attribute.code, ui_locale)


def _level(product):
    """own / edit / view: the user's right on the product (EE §9.1; own when nothing is restricted); an
    editor saves drafts, not the product."""
    access = current_access()
    if not access.restricted:
        return "own"
    return access.product_level(product_permissions.stored_category_codes(product))


def _groups(product, locale, channel, level):
    """The page's fields: hidden groups left out, view-only ones (or all, on a view-only product) read-only."""
    return product_form.field_groups(product, product.family, locale, channel, current_user.catalog_locale,
                                     access=current_access(), editable=level in ("own", "edit"))


def _page(product, locale, channel, groups, status=200, errors=(), submitted=None, level=None, draft=None):
    """Render the product page (or only its form region for htmx)."""
    ui_locale = current_user.catalog_locale
    access = current_access()
    return render(
        "products/show.html", block="product_form", status=status, product=product, locale=locale,
        level=level or _level(product), draft=draft,
        title=_title(product, ui_locale),
        channel=channel, groups=groups, errors=list(errors), submitted=submitted,
        families=_families(), trees=product_form.category_trees(product, ui_locale, access),
        completeness=_visible_completeness(product, access) if product.family_id else [],
        locales=_locales(),
        channels=list(Channel.select().order_by(Channel.code)), ui_locale=ui_locale,
    )


def _visible_completeness(product, access):
    """The product's completeness on the locales the user may view."""
    return [c for c in completeness_for(product) if access.can_view_locale(c["locale"])]


@bp.get("/<uuid:product_uuid>")
@require("pim_enrich_product_index")
def show(product_uuid):
    """Show a product's values for one locale and channel."""
    product = _product_or_404(product_uuid)
    locale, channel = _context(request.args)
    level, draft = _level(product), None
    if level == "edit":  # an editor works on its draft: the page shows the product with it applied
        draft = drafts.draft_of(product, current_user.id)
        if draft is not None:
            product.values = drafts.with_draft(product, draft.changes)  # shown, never saved
    return _page(product, locale, channel, _groups(product, locale, channel, level), level=level, draft=draft)


@bp.post("/<uuid:product_uuid>")
@require("pim_enrich_product_edit_attributes")
def save(product_uuid):
    """Save the shown values and uploaded files (plus enabled, family and, when allowed, categories)."""
    product = _product_or_404(product_uuid)
    form = request.form
    locale, channel = _context(form)
    level = _level(product)
    groups = _groups(product, locale, channel, level)
    if level == "edit":
        return _save_draft(product, locale, channel, groups)
    if level != "own":
        abort(403)  # EE: a view-only product
    data = product_form.product_patch(groups, form, with_categories=can("pim_enrich_product_categories_view"))
    if "categories" in data:  # the categories the user cannot see stay (§9.3)
        data["categories"] = product_permissions.with_hidden_categories(
            current_access(), product_permissions.stored_category_codes(product), data["categories"])
    uploads = product_form.media_uploads(groups, request.files)
    try:
        save_with_uploads(data, product, uploads, expected_version=product_form.as_int(form.get("version")))
    except StaleProduct:
        return render("products/conflict.html", block="product_form", status=200 if is_htmx() else 409,
                      product=product, locale=locale, channel=channel)
    except ValidationFailed as exc:
        product_form.show_submitted(groups, data)
        general = product_form.attach_errors(groups, exc.errors)
        return _page(product, locale, channel, groups, status=refused_status(), errors=general, submitted=data)
    flash("Product saved.", "success")
    return redirect_to(url_for(".show", product_uuid=product.uuid, locale=locale, scope=channel.code))


def _save_draft(product, locale, channel, groups):
    """An editor's save (§9.3): the values it may edit go to its draft; "Send for approval" then sends it."""
    access = workflow_access()
    values = {code: [entry for entry in entries if may_edit_value(access, code, entry["locale"])]
              for code, entries in product_form.values_patch(groups, request.form).items()}
    values = {code: entries for code, entries in values.items() if entries}
    try:
        drafts.save_draft(product, current_user.id, values)
        if "submit" in request.form:
            drafts.submit(product, current_user, link=url_for("proposals.product_tab", product_uuid=product.uuid))
    except ValidationFailed as exc:
        submitted = {"identifier": product.identifier, "enabled": product.enabled, "values": values,
                     "family": product.family.code if product.family_id else None}
        product_form.show_submitted(groups, submitted)
        general = product_form.attach_errors(groups, exc.errors)
        return _page(product, locale, channel, groups, status=refused_status(), errors=general,
                     submitted=submitted, level="edit", draft=drafts.draft_of(product, current_user.id))
    except drafts.DraftRefused as refused:
        flash(refused.message, "error")
    else:
        flash("Sent for approval." if "submit" in request.form else "Draft saved.", "success")
    return redirect_to(url_for(".show", product_uuid=product.uuid, locale=locale, scope=channel.code))


@bp.get("/<uuid:product_uuid>/delete")
@require("pim_enrich_product_remove")
def confirm_delete(product_uuid):
    """Ask for confirmation on a page of its own (works without JavaScript)."""
    product = _product_or_404(product_uuid)
    if _level(product) != "own":
        abort(403)
    return render("products/delete.html", product=product, title=_title(product, current_user.catalog_locale))


@bp.post("/<uuid:product_uuid>/delete")
@require("pim_enrich_product_remove")
def delete(product_uuid):
    """Delete a product (confirmed on its own page first), then go back to the grid."""
    product = _product_or_404(product_uuid)
    if _level(product) != "own":
        abort(403)
    delete_product(product)
    flash(f"Product {product.identifier} deleted.", "success")
    return redirect_to(url_for(".index"))
