"""Proposals in the web UI (rest-api-and-permissions.md §9.6): the Proposals page and a product's tab,
approving or rejecting all or one change with a comment, partial review, the version check, and an
editor's "Save draft" / "Send for approval" on the product page. Every action is a plain form."""
import uuid

import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import Notification, Product, User, UserGroup, UserGroupMember
from pimconnect.models.drafts import ProductDraft
from pimconnect.services.access import group_permissions
from pimconnect.services.drafts import drafts
from tests.factories import fetch_product, login_with, make_product

PRODUCT_PERMISSIONS = ["pim_enrich_product_index", "pim_enrich_product_edit_attributes"]


def _levels(**levels):
    return {level: {"all": False, "identifiers": list(codes)} for level, codes in levels.items()}


def _grant(username, **kinds):
    """Put the user in a group of its own holding ``kinds`` (category=…, locale=…, attribute_group=…)."""
    with db.connection_context(), write_txn():
        group = UserGroup.create(name=f"group_{uuid.uuid4().hex[:8]}")
        UserGroupMember.create(user=User.get(User.username == username), group=group)
        group_permissions.save(group.id, {kind: _levels(**levels) for kind, levels in kinds.items()})


def _person(app, **kinds):
    auth = login_with(app, PRODUCT_PERMISSIONS, everything=False)  # only the grants given below
    with db.connection_context():
        username = User.select().order_by(User.id.desc()).first().username
    _grant(username, **kinds)
    auth.username = username
    return auth


@pytest.fixture
def product(seeded_app, conn):
    return make_product("hat-proposed", categories=["master_shirts"], values={
        "name": [{"locale": "en_US", "scope": None, "data": "Hat"}, {"locale": "fr_FR", "scope": None, "data": "Chapeau"}],
        "erp_name": [{"locale": None, "scope": None, "data": "HAT"}]})


@pytest.fixture
def proposal(seeded_app, product):
    """A proposal by an editor of the master tree: name in en_US and fr_FR, and erp_name."""
    editor = _person(seeded_app, category={"edit": ["master"], "view": ["master"]},
                     locale={"edit": ["en_US", "fr_FR"], "view": ["en_US", "fr_FR"]},
                     attribute_group={"edit": ["ecommerce", "ERP"], "view": ["ecommerce", "ERP"]})
    with seeded_app.test_request_context(), db.connection_context():
        author = User.get(User.username == editor.username)
        drafts.save_draft(product, author.id, {
            "name": [{"locale": "en_US", "scope": None, "data": "Top hat"},
                     {"locale": "fr_FR", "scope": None, "data": "Haut-de-forme"}],
            "erp_name": [{"locale": None, "scope": None, "data": "TOPHAT"}]})
        drafts.submit(product, author)
    return ProductDraft.get()


def _values(product):
    stored = fetch_product(product).values
    return {(code, e["locale"]): e["data"] for code, entries in stored.items() for e in entries if code != "sku"}


def _review(auth, product, draft, **form):
    return auth.post(f"/products/{product.uuid}/proposals/{draft.id}",
                     data={"version": fetch_product(product).version, **form})


def test_julia_sees_the_proposal_side_by_side(julia, product, proposal):
    page = julia.client.get("/proposals").get_data(as_text=True)
    assert 'href="/proposals"' in page  # in the menu: julia owns every product
    assert "hat-proposed" in page and "Waiting for approval" in page
    tab = julia.client.get(f"/products/{product.uuid}/proposals").get_data(as_text=True)
    assert "Top hat" in tab and "Hat" in tab and "Haut-de-forme" in tab
    assert tab.count('name="approve"') == 4  # one per change, and "Approve all"


def test_approve_all_applies_the_changes_and_tells_the_author(julia, product, proposal):
    answer = _review(julia, product, proposal, approve="1", comment="Nice")
    assert answer.status_code == 303
    assert _values(product) == {("name", "en_US"): "Top hat", ("name", "fr_FR"): "Haut-de-forme",
                                ("erp_name", None): "TOPHAT"}
    assert not ProductDraft.select().exists()
    note = Notification.get(Notification.user == proposal.author_id)
    assert note.message == "Julia Stark has approved your proposal for the product hat-proposed. Comment: Nice"


def test_approve_one_change_keeps_the_others(julia, product, proposal):
    answer = _review(julia, product, proposal, approve="1", change="name|en_US|")
    assert answer.status_code == 303
    assert _values(product)[("name", "en_US")] == "Top hat"
    assert _values(product)[("name", "fr_FR")] == "Chapeau"
    left = ProductDraft.get()
    assert left.status == "ready" and sorted(left.changes["values"]) == ["erp_name", "name"]
    assert len(left.changes["values"]["name"]) == 1


def test_reject_all_with_a_comment_sends_the_changes_back(julia, product, proposal):
    answer = _review(julia, product, proposal, reject="1", comment="Not this season")
    assert answer.status_code == 303
    assert _values(product)[("name", "en_US")] == "Hat"
    draft = ProductDraft.get()
    assert draft.status == "in_progress"
    assert {s["status"] for items in draft.changes["review_statuses"].values() for s in items} == {"draft"}
    assert Notification.get(Notification.user == proposal.author_id).message == (
        "Julia Stark has rejected your proposal for the product hat-proposed. Comment: Not this season")


def test_partial_review(seeded_app, product, proposal):
    """An owner who edits only the ecommerce group in en_US reviews only that change."""
    reviewer = _person(seeded_app, category={"own": ["master"], "edit": ["master"], "view": ["master"]},
                       locale={"edit": ["en_US"], "view": ["en_US", "fr_FR"]},
                       attribute_group={"edit": ["ecommerce"], "view": ["ecommerce", "ERP"]})
    assert "Can be partially reviewed" in reviewer.client.get("/proposals").get_data(as_text=True)
    tab = reviewer.client.get(f"/products/{product.uuid}/proposals").get_data(as_text=True)
    assert tab.count('name="approve"') == 2  # name en_US, and "Approve all" (which takes only that)
    assert _review(reviewer, product, proposal, approve="1").status_code == 303
    assert _values(product) == {("name", "en_US"): "Top hat", ("name", "fr_FR"): "Chapeau", ("erp_name", None): "HAT"}
    refused = _review(reviewer, product, proposal, approve="1", change="erp_name||")
    assert refused.status_code == 303
    assert _values(product)[("erp_name", None)] == "HAT"


def test_a_reviewer_who_owns_nothing_has_no_proposals_page(seeded_app, product, proposal):
    viewer = _person(seeded_app, category={"view": ["master"]})
    assert 'href="/proposals"' not in viewer.client.get("/products/").get_data(as_text=True)
    assert viewer.client.get("/proposals").status_code == 403
    assert _review(viewer, product, proposal, approve="1").status_code == 303
    assert _values(product)[("name", "en_US")] == "Hat"


def test_approval_checks_the_product_version(julia, product, proposal):
    version = fetch_product(product).version
    with db.connection_context():
        from pimconnect.services.products.writes import save_product
        save_product({"values": {"erp_name": [{"locale": None, "scope": None, "data": "MEANWHILE"}]}},
                     Product.get_by_id(product.uuid))
    answer = julia.post(f"/products/{product.uuid}/proposals/{proposal.id}", data={"version": version, "approve": "1"})
    assert answer.status_code == 409
    assert _values(product)[("name", "en_US")] == "Hat"
    assert ProductDraft.get().status == "ready"


def test_review_needs_csrf_and_post(julia, product, proposal):
    url = f"/products/{product.uuid}/proposals/{proposal.id}"
    assert julia.client.post(url, data={"approve": "1"}).status_code == 400
    assert julia.client.get(url).status_code == 405
    assert ProductDraft.get().status == "ready"


def test_an_editor_saves_a_draft_and_sends_it_from_the_product_page(seeded_app, product):
    editor = _person(seeded_app, category={"edit": ["master"], "view": ["master"]},
                     locale={"edit": ["en_US"], "view": ["en_US", "fr_FR"]},
                     attribute_group={"edit": ["ecommerce"], "view": ["ecommerce", "ERP"]})
    page = editor.client.get(f"/products/{product.uuid}?locale=en_US&scope=ecommerce").get_data(as_text=True)
    assert "Save draft" in page and "Send for approval" in page
    form = {"locale": "en_US", "scope": "ecommerce", "version": fetch_product(product).version,
            "v__name": "Editor hat", "v__erp_name": "NOT MINE"}
    assert editor.post(f"/products/{product.uuid}", data={**form, "draft": "1"}).status_code == 303
    assert _values(product)[("name", "en_US")] == "Hat"  # the product is unchanged
    draft = ProductDraft.get()
    assert draft.status == "in_progress"
    assert draft.changes["values"] == {"name": [{"locale": "en_US", "scope": None, "data": "Editor hat"}]}
    shown = editor.client.get(f"/products/{product.uuid}?locale=en_US&scope=ecommerce").get_data(as_text=True)
    assert 'value="Editor hat"' in shown and "In progress" in shown
    assert editor.post(f"/products/{product.uuid}", data={**form, "submit": "1"}).status_code == 303
    assert ProductDraft.get().status == "ready"
    assert Notification.select().join(User).where(User.username == "julia").exists()


def test_a_draft_in_progress_is_shown_and_can_be_deleted(seeded_app, julia, product):
    editor = _person(seeded_app, category={"edit": ["master"], "view": ["master"]},
                     locale={"edit": ["en_US"], "view": ["en_US"]}, attribute_group={"edit": ["ecommerce"]})
    form = {"locale": "en_US", "scope": "ecommerce", "v__name": "Work in progress", "draft": "1"}
    assert editor.post(f"/products/{product.uuid}", data=form).status_code == 303
    page = editor.client.get(f"/products/{product.uuid}").get_data(as_text=True)
    assert "disabled" in page.split('id="identifier"')[1].split(">")[0]  # properties are the owners'
    draft = ProductDraft.get()
    tab = julia.client.get(f"/products/{product.uuid}/proposals").get_data(as_text=True)
    assert "Work in progress" in tab and "In progress" in tab and 'name="approve"' not in tab
    assert _review(julia, product, draft, approve="1").status_code == 303  # refused: not sent
    assert _values(product)[("name", "en_US")] == "Hat"
    assert editor.post(f"/products/{product.uuid}/drafts/{draft.id}/delete").status_code == 303
    assert not ProductDraft.select().exists()
