"""Proposals (rest-api-and-permissions.md §9.6): the Proposals page of reviewers, a product's Proposals tab
with current and proposed values side by side, and approving or rejecting all or one change."""
from flask import Blueprint, abort, flash, request, url_for
from flask_login import current_user

from pimconnect.htmx import is_htmx, redirect_to, render
from pimconnect.models import Attribute
from pimconnect.permissions import current_access, require
from pimconnect.services.drafts import drafts, review
from pimconnect.services.errors import ValidationFailed
from pimconnect.services.products import reads as product_reads
from pimconnect.services.products.writes import StaleProduct

bp = Blueprint("proposals", __name__)


def workflow_access():
    """The user's Access with its EE grants applied (EE edition): who owns, edits or views a product —
    the product pages' own Access (``permissions.current_access``), which applies them."""
    return current_access()


@bp.app_context_processor
def _menu():
    """``can_review_proposals()`` for the main menu (no query until a page asks)."""
    def can_review_proposals():
        return current_user.is_authenticated and review.can_review(workflow_access())
    return {"can_review_proposals": can_review_proposals}


def _product_or_404(product_uuid):
    product = product_reads.product(workflow_access(), product_uuid)
    if product is None:
        abort(404)
    return product


@bp.get("/proposals")
@require("pim_enrich_product_index")
def index():
    """List the proposals waiting for the current user's review, with what it may review in each."""
    access = workflow_access()
    if not review.can_review(access):
        abort(403)
    items = [(draft, review.review_state(access, draft)) for draft in review.proposals(access)]
    return render("proposals/index.html", items=items)


def _rows(access, product, draft):
    """The proposal's changes for the side-by-side view."""
    labels = {a.code: a.labels.get(current_user.catalog_locale) or a.code
              for a in Attribute.select(Attribute.code, Attribute.labels)}
    return [{"code": code, "label": labels.get(code, code), "locale": locale, "scope": scope,
             "current": drafts.stored_value(product, code, locale, scope), "proposed": data,
             "reviewable": reviewable, "key": "|".join((code, locale or "", scope or ""))}
            for code, locale, scope, data, reviewable in review.shown_changes(access, draft)]


@bp.get("/products/<uuid:product_uuid>/proposals")
@require("pim_enrich_product_index")
def product_tab(product_uuid):
    """A product's Proposals tab: each submitted proposal, current and proposed values side by side."""
    access = workflow_access()
    product = _product_or_404(product_uuid)
    owner = review.owns(access, product)
    items = []
    for draft in review.product_drafts(product):
        if owner or draft.author_id == current_user.id:
            items.append({"draft": draft, "rows": _rows(access, product, draft),
                          "state": review.review_state(access, draft) if owner else None})
    return render("proposals/product.html", product=product, items=items, owner=owner, user_id=current_user.id)


def _change(raw):
    """The (attribute, locale, scope) a "change" field names, or None for every change."""
    if not raw:
        return None
    code, locale, scope = (raw.split("|") + ["", ""])[:3]
    return code, locale or None, scope or None


@bp.post("/products/<uuid:product_uuid>/proposals/<int:draft_id>")
@require("pim_enrich_product_edit_attributes")
def review_proposal(product_uuid, draft_id):
    """Approve or reject a proposal's changes (all the reviewer may review, or one), with an optional comment."""
    form = request.form
    action = review.APPROVE if "approve" in form else review.REJECT if "reject" in form else None
    if action is None:
        abort(400)
    product = _product_or_404(product_uuid)
    back = url_for(".product_tab", product_uuid=product.uuid)
    version = form.get("version", type=int)
    try:
        count = review.review(workflow_access(), current_user, product, draft_id, action,
                              change=_change(form.get("change")), comment=form.get("comment", "").strip()[:2000],
                              expected_version=version)
    except review.ReviewRefused as refused:
        flash(str(refused), "error")
        return redirect_to(back)
    except StaleProduct:
        return render("proposals/conflict.html", status=200 if is_htmx() else 409, product=product, back=back)
    except ValidationFailed as exc:
        flash("The change could not be applied: " + "; ".join(e["message"] for e in exc.errors), "error")
        return redirect_to(back)
    verb = "approved" if action == review.APPROVE else "rejected"
    flash(f"{count} change{'s' if count != 1 else ''} {verb}.", "success")
    return redirect_to(back)


@bp.post("/products/<uuid:product_uuid>/drafts/<int:draft_id>/delete")
@require("pim_enrich_product_index")
def delete_draft(product_uuid, draft_id):
    """Discard a draft in progress: its author's, or one on a product the user owns."""
    product = _product_or_404(product_uuid)
    try:
        review.delete_draft(workflow_access(), current_user, product, draft_id)
    except review.ReviewRefused as refused:
        flash(str(refused), "error")
    else:
        flash("Draft deleted.", "success")
    return redirect_to(url_for(".product_tab", product_uuid=product.uuid))
