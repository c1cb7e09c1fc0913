"""Reviewing proposals (rest-api-and-permissions.md §9.6): who may review what, approve and reject.

A reviewer owns the product; among a proposal's changes it may approve or reject only those on
attribute groups and locales it may edit. Approving applies the changes to the product in the same
transaction as the draft's update, with the product's version check; the author is told either way.
"""
from pimconnect.db import write_txn
from pimconnect.models import Product, User
from pimconnect.models.drafts import IN_PROGRESS, READY, ProductDraft
from pimconnect.services import notifications
from pimconnect.services.drafts.drafts import (
    DRAFT,
    TO_REVIEW,
    store_changes,
    entries,
    product_categories,
)
from pimconnect.services.products.writes import save_product

WAITING, PARTIAL, CANNOT = "Waiting for approval", "Can be partially reviewed", "Can't be reviewed"
APPROVE, REJECT = "approve", "reject"


class ReviewRefused(Exception):
    """The reviewer may not do this (not an owner, nothing it may review, the proposal changed)."""


def can_review(access):
    """Whether the reader owns anything (then the Proposals page is in its menu)."""
    return access.owns_any_category()


def owns(access, product):
    return access.product_level(product_categories(product)) == "own"


def may_edit_value(access, code, locale):
    """Whether the reader may edit a value of ``code`` in ``locale``: its attribute group and locale (§9.1)."""
    group = access.group_of.get([code]).get(code)
    return access.can_edit_attribute_group(group) and (locale is None or access.can_edit_locale(locale))


def to_review(access, draft):
    """The proposal's changes waiting for review: (attribute, locale, scope, data, reviewable)."""
    return [(code, locale, scope, data, may_edit_value(access, code, locale))
            for code, locale, scope, data, status in entries(draft.changes) if status == TO_REVIEW]


def shown_changes(access, draft):
    """What the product's Proposals tab shows of a draft: a proposal's changes to review, or every change
    of a draft in progress (none reviewable)."""
    if draft.status == READY:
        return to_review(access, draft)
    return [(code, locale, scope, data, False) for code, locale, scope, data, _status in entries(draft.changes)]


def delete_draft(access, user, product, draft_id):
    """Discard a draft in progress (§9.6): its author's, or any on a product the user owns."""
    with write_txn():
        draft = ProductDraft.get_or_none(ProductDraft.id == draft_id, ProductDraft.product == product.uuid)
        if draft is None or draft.status != IN_PROGRESS:
            raise ReviewRefused("Only a draft in progress can be deleted.")
        if draft.author_id != user.id and not owns(access, product):
            raise ReviewRefused("You can delete only your drafts, or drafts on products you own.")
        draft.delete_instance()


def review_state(access, draft):
    """Waiting for approval / Can be partially reviewed / Can't be reviewed, for this reviewer."""
    flags = [row[4] for row in to_review(access, draft)]
    if flags and all(flags):
        return WAITING
    return PARTIAL if any(flags) else CANNOT


def proposals(access, limit=100):
    """The newest submitted proposals on products the reviewer owns, with their product and author."""
    query = (ProductDraft.select(ProductDraft, Product, User).join(Product).switch(ProductDraft).join(User)
             .where(ProductDraft.status == READY).order_by(ProductDraft.updated.desc()).limit(limit))
    return [draft for draft in query if owns(access, draft.product)]


def product_drafts(product):
    """Every draft of the product (submitted ones first), authors joined."""
    query = (ProductDraft.select(ProductDraft, User).join(User).where(ProductDraft.product == product.uuid)
             .order_by(ProductDraft.status.desc(), ProductDraft.updated.desc()))
    return list(query)


def review(access, reviewer, product, draft_id, action, change=None, comment="", expected_version=None):
    """Approve or reject the proposal's changes the reviewer may review (or only ``change``, an
    (attribute, locale, scope) key); returns how many changes were reviewed.

    Raises ReviewRefused, and on approval StaleProduct or ValidationFailed (nothing written)."""
    if not owns(access, product):
        raise ReviewRefused("You can review proposals only on products you own.")
    with write_txn():
        draft = (ProductDraft.select(ProductDraft, User).join(User)
                 .where(ProductDraft.id == draft_id, ProductDraft.product == product.uuid).first())
        if draft is None or draft.status != READY:
            raise ReviewRefused("This proposal was changed or reviewed meanwhile.")
        rows = entries(draft.changes)
        chosen = [row for row in rows if row[4] == TO_REVIEW and may_edit_value(access, *row[:2])
                  and (change is None or tuple(row[:3]) == tuple(change))]
        if not chosen:
            raise ReviewRefused("There is no change here you may review.")
        keys = {tuple(row[:3]) for row in chosen}
        if action == APPROVE:
            values = {}
            for code, locale, scope, data, _status in chosen:
                values.setdefault(code, []).append({"locale": locale, "scope": scope, "data": data})
            save_product({"values": values}, product, expected_version=expected_version)
            left = [row for row in rows if tuple(row[:3]) not in keys]
        else:
            left = [(*row[:4], DRAFT) if tuple(row[:3]) in keys else row for row in rows]
        still = any(row[4] == TO_REVIEW for row in left)
        store_changes(draft, product, draft.author_id, left, status=READY if still else IN_PROGRESS)
        _tell_author(reviewer, draft.author, product, action, chosen if change is not None else None, comment)
    return len(chosen)


def _tell_author(reviewer, author, product, action, single, comment):
    verb = "approved" if action == APPROVE else "rejected"
    what = "your proposal"
    if single:
        code, locale, scope = single[0][:3]
        context = ", ".join(part for part in (locale, scope) if part)
        what = f"a change of your proposal ({code}{': ' + context if context else ''})"
    message = f"{reviewer.full_name} has {verb} {what} for the product {product.identifier}."
    if comment:
        message += f" Comment: {comment}"
    notifications.notify([author], message, level="success" if action == APPROVE else "warning",
                         subject=product.identifier)
