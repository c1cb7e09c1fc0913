"""Writing drafts and sending them for approval (rest-api-and-permissions.md §9.3–§9.5).

An editor (edit, not own, on a product's categories) never changes the product: its value changes
go to its draft, one per (product, author), which it then sends to the product's owners.
A draft's ``changes`` hold one entry per (attribute, locale, channel), each with a review status:
``draft`` while the author works on it, ``to_review`` once sent for approval.
"""
from flask import current_app

from pimconnect.db import write_txn
from pimconnect.models import Category, Product, ProductCategory, User, UserGroupMember
from pimconnect.models.drafts import IN_PROGRESS, READY, ProductDraft
from pimconnect.models.permissions import OWN, CategoryPermission
from pimconnect.models.structure import utcnow
from pimconnect.services import notifications
from pimconnect.services.products.validation import plan_write
from pimconnect.services.structure.snapshot import Structure

DRAFT, TO_REVIEW = "draft", "to_review"  # a change's review status

# §9.5, in the reference's words ({reference}: the uuid, or the identifier on the legacy routes).
OWNER_DRAFT = 'You have ownership on the product "{reference}", you cannot create or retrieve a draft from this product.'
VIEW_ONLY_DRAFT = ('You only have view permission on the product "{reference}", you cannot create or retrieve a '
                   'draft from this product.')
NO_DRAFT = 'There is no draft created for the product "{reference}".'
OWNER_PROPOSAL = 'You have ownership on the product "{reference}", you cannot send a draft for approval.'
VIEW_ONLY_PROPOSAL = 'You only have view permission on the product "{reference}", you cannot send a draft for approval.'
CREATE_DRAFT_FIRST = "You should create a draft before submitting it for approval."
ALREADY_SUBMITTED = "You already submitted your draft for approval."
ALREADY_SUBMITTED_LEGACY = "You already submit your draft for approval."  # sic: the identifier endpoint's text


class DraftRefused(Exception):
    """A draft or proposal request the reference refuses: ``status`` and its ``message``."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status, self.message = status, message


def grants_enforced():
    return current_app.config["PIM_EDITION"] == "ee"


def product_categories(product):
    """The product's category codes."""
    return [code for (code,) in ProductCategory.select(Category.code).join(Category)
            .where(ProductCategory.product == product.uuid).tuples()]


def draft_of(product, author_id):
    return ProductDraft.get_or_none(ProductDraft.product == product.uuid, ProductDraft.author == author_id)


def entries(changes):
    """The draft's changes as (attribute, locale, scope, data, review status), in a stable order."""
    statuses = {(code, s.get("locale"), s.get("scope")): s.get("status", DRAFT)
                for code, items in (changes.get("review_statuses") or {}).items() for s in items}
    found = []
    for code, items in sorted((changes.get("values") or {}).items()):
        for item in items:
            key = (code, item.get("locale"), item.get("scope"))
            found.append((*key, item.get("data"), statuses.get(key, DRAFT)))
    return found


def changes_of(rows):
    """The ``changes`` document of (attribute, locale, scope, data, status) rows."""
    values, statuses = {}, {}
    for code, locale, scope, data, status in rows:
        values.setdefault(code, []).append({"locale": locale, "scope": scope, "data": data})
        statuses.setdefault(code, []).append({"locale": locale, "scope": scope, "status": status})
    return {"values": values, "review_statuses": statuses}


def stored_value(product, code, locale, scope):
    """The product's data for one (attribute, locale, channel), or None."""
    for item in (product.values or {}).get(code, []):
        if (item.get("locale"), item.get("scope")) == (locale, scope):
            return item.get("data")
    return None


def with_draft(product, changes):
    """The product's values document with the draft's changes applied (a change to None erases)."""
    values = {code: list(items) for code, items in (product.values or {}).items()}
    for code, locale, scope, data, _status in entries(changes):
        kept = [i for i in values.get(code, []) if (i.get("locale"), i.get("scope")) != (locale, scope)]
        if data is not None:
            kept.append({"locale": locale, "scope": scope, "data": data})
        if kept:
            values[code] = kept
        else:
            values.pop(code, None)
    return values


def save_draft(product, author_id, values):
    """Add the ``values`` (REST shape, validated as a product write would be) to the author's draft.

    A value equal to the product's is not kept (§9.3) and an earlier change to it is dropped; a draft
    left without changes is deleted. Editing a submitted draft puts it back in progress (§9.4).
    Returns the draft, or None when none is left. Raises ValidationFailed.
    """
    plan = plan_write({"values": values}, product, Structure.load())
    sent = {(code, item.get("locale"), item.get("scope"))
            for code, items in values.items() if isinstance(items, list) for item in items if isinstance(item, dict)}
    planned = Product(values=plan["values"])
    with write_txn():
        draft = draft_of(product, author_id)
        rows = {row[:3]: row for row in entries(draft.changes)} if draft is not None else {}
        before = dict(rows)
        for code, locale, scope in sent:
            data = stored_value(planned, code, locale, scope)
            if data == stored_value(product, code, locale, scope):
                rows.pop((code, locale, scope), None)
            else:
                rows[(code, locale, scope)] = (code, locale, scope, data, DRAFT)
        if draft is not None and {k: r[3] for k, r in rows.items()} == {k: r[3] for k, r in before.items()}:
            return draft  # nothing changed: a sent draft stays sent
        return store_changes(draft, product, author_id, list(rows.values()))


def store_changes(draft, product, author_id, rows, status=None):
    """Write the draft's rows (delete it when none is left); ``status`` None: back in progress."""
    if not rows:
        if draft is not None:
            draft.delete_instance()
        return None
    if draft is None:
        draft = ProductDraft(product=product.uuid, author=author_id)
    draft.changes, draft.updated = changes_of(rows), utcnow()
    draft.status = status or IN_PROGRESS
    draft.save()
    return draft


def check_draft_reader(access, product, reference, proposal=False):
    """Refuse (DraftRefused) a reader who may not have a draft on the product: owners and viewers (§9.5)."""
    level = access.product_level(product_categories(product))
    if level is None:
        raise DraftRefused(404, f'Product "{reference}" does not exist or you do not have permission to access it.')
    if level == "own":
        raise DraftRefused(403, (OWNER_PROPOSAL if proposal else OWNER_DRAFT).format(reference=reference))
    if level == "view":
        raise DraftRefused(403, (VIEW_ONLY_PROPOSAL if proposal else VIEW_ONLY_DRAFT).format(reference=reference))


def submit(product, author, reference=None, legacy=False, link=None):
    """Send the author's draft for approval (§9.5): READY, every change to review, the owners notified."""
    with write_txn():
        draft = draft_of(product, author.id)
        if draft is None:
            raise DraftRefused(422, CREATE_DRAFT_FIRST)
        if draft.status == READY:
            raise DraftRefused(422, ALREADY_SUBMITTED_LEGACY if legacy else ALREADY_SUBMITTED)
        rows = [(*row[:4], TO_REVIEW) for row in entries(draft.changes)]
        store_changes(draft, product, author.id, rows, status=READY)
        owners = [user for user in owners_of(product) if user.id != author.id]
        notifications.notify(owners, f"{author.full_name} has sent a proposal to review for the product "
                                     f"{product.identifier}.", subject=product.identifier, link=link,
                             action_label="Review" if link else None)
    return draft


def owners_of(product):
    """Enabled people (not API or app users) who own the product: who may review its proposals. One
    query: a member of a group with Own on one of its categories (``Access.product_level``'s rule; an
    unclassified product, or any product when grants do not apply, is owned by everybody)."""
    categories = product_categories(product)
    people = User.select().where(User.enabled == True, User.type == "user")  # noqa: E712
    if categories and grants_enforced():
        owning = (UserGroupMember.select(UserGroupMember.user)
                  .join(CategoryPermission, on=(CategoryPermission.group == UserGroupMember.group))
                  .join(Category, on=(CategoryPermission.category == Category.id))
                  .where(Category.code.in_(categories), CategoryPermission.level == OWN))
        people = people.where(User.id.in_(owning))
    return list(people.order_by(User.id))


def draft_statuses(author_id, product_uuids):
    """{product uuid: its draft's status} for the author's drafts among ``product_uuids`` (one query)."""
    if not product_uuids:
        return {}
    return dict(ProductDraft.select(ProductDraft.product, ProductDraft.status)
                .where(ProductDraft.author == author_id, ProductDraft.product.in_(list(product_uuids))).tuples())


def workflow_status(level, draft):
    """``metadata.workflow_status`` of a product for a reader with ``level`` and its draft (§9.2)."""
    status = getattr(draft, "status", draft)  # a ProductDraft, or its status
    if level == "edit" and status is not None:
        return "proposal_waiting_for_approval" if status == READY else "draft_in_progress"
    return {"own": "working_copy", "edit": "working_copy"}.get(level, "read_only")
