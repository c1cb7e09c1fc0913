"""Settings: channels (list, create, edit, delete) and their effect on completeness."""
from pimconnect.db import db
from pimconnect.models import Channel, ChannelLocale, Locale, ProductCompleteness
from tests.factories import login_without

NEW_CHANNEL = {"code": "b2b", "labels[en_US]": "B2B shop", "labels[fr_FR]": "Boutique B2B",
               "category_tree": "master", "locales": ["en_US", "fr_FR"], "currencies": ["EUR"],
               "conversion_units[weight]": "KILOGRAM"}


def channel_locales(code):
    with db.connection_context():
        rows = ChannelLocale.select().join(Channel).where(Channel.code == code)
        return sorted(row.locale.code for row in rows)


def test_channels_list(admin):
    """The list shows each channel with its tree, locales and currencies."""
    html = admin.client.get("/settings/channels").get_data(as_text=True)
    assert "ecommerce" in html and "mobile" in html and "print" in html
    assert "de_DE, en_US, fr_FR" in html and "EUR, USD" in html
    assert "Create a channel" in html


def test_channels_page_versus_fragment(admin):
    """The channel list and form answer a page or an htmx fragment."""
    assert b"<html" in admin.client.get("/settings/channels").data
    for path in ("/settings/channels", "/settings/channels/ecommerce", "/settings/channels/new"):
        fragment = admin.client.get(path, headers={"HX-Request": "true"})
        assert fragment.status_code == 200 and b"<html" not in fragment.data


def test_create_channel_without_js(admin):
    """A plain form creates the channel with labels, tree, locales, currencies and conversion units."""
    form = admin.client.get("/settings/channels/new").get_data(as_text=True)
    assert 'name="conversion_units[weight]"' in form and 'name="labels[de_DE]"' in form
    response = admin.post("/settings/channels/new", NEW_CHANNEL)
    assert response.status_code == 303 and response.headers["Location"].endswith("/settings/channels/b2b")
    with db.connection_context():
        channel = Channel.get(code="b2b")
        assert channel.labels == {"en_US": "B2B shop", "fr_FR": "Boutique B2B"}
        assert channel.category_tree.code == "master"
        assert channel.conversion_units == {"weight": "KILOGRAM"}
    assert channel_locales("b2b") == ["en_US", "fr_FR"]


def test_create_channel_htmx_redirects(admin):
    """With htmx a successful save answers HX-Redirect."""
    response = admin.post("/settings/channels/new", NEW_CHANNEL, htmx=True)
    assert response.status_code == 200 and response.headers["HX-Redirect"].endswith("/settings/channels/b2b")


def test_create_channel_validation(admin):
    """Invalid input re-renders the form with messages and writes nothing."""
    bad = {"code": "bad code!", "category_tree": "master_hats", "locales": ["es_ES"], "currencies": [],
           "conversion_units[weight]": "METER"}
    response = admin.post("/settings/channels/new", bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Channel code may contain only letters, numbers and underscores." in html
    assert "The category tree must be an existing root category." in html
    assert "every locale must exist and be enabled" in html
    assert "Select at least one currency" in html
    assert "is not a unit of the measurement family" in html
    fragment = admin.post("/settings/channels/new", bad, htmx=True)
    assert fragment.status_code == 200 and b"<html" not in fragment.data
    with db.connection_context():
        assert Channel.select().count() == 3


def test_duplicate_channel_code_refused(admin):
    """A code already used is refused."""
    response = admin.post("/settings/channels/new", dict(NEW_CHANNEL, code="ecommerce"))
    assert response.status_code == 422 and "This value is already used." in response.get_data(as_text=True)


def test_edit_channel_keeps_code(admin):
    """Editing changes locales and labels; a code field in the form is ignored."""
    data = dict(NEW_CHANNEL, code="renamed", locales=["en_US"], currencies=["USD", "EUR"])
    response = admin.post("/settings/channels/mobile", data)
    assert response.status_code == 303
    assert channel_locales("mobile") == ["en_US"]
    with db.connection_context():
        assert not Channel.select().where(Channel.code == "renamed").exists()
        assert Channel.get(code="mobile").category_tree.code == "master"


def test_locale_change_recomputes_completeness(admin):
    """Removing a locale from a channel recomputes the completeness of the family's products."""
    from pimconnect.services.products.writes import save_product

    with db.connection_context():
        product = save_product({"identifier": "hat-1", "family": "hats"})
        mobile = Channel.get(code="mobile")
        before = ProductCompleteness.select().where(ProductCompleteness.product == product.uuid,
                                                    ProductCompleteness.channel == mobile)
        assert sorted(r.locale.code for r in before) == ["en_US", "fr_FR"]
    data = dict(NEW_CHANNEL, locales=["en_US", "de_DE"], currencies=["USD", "EUR"], category_tree="ecommerce")
    assert admin.post("/settings/channels/mobile", data).status_code == 303
    with db.connection_context():
        after = ProductCompleteness.select().where(ProductCompleteness.product == product.uuid,
                                                   ProductCompleteness.channel == mobile)
        assert sorted(r.locale.code for r in after) == ["de_DE", "en_US"]


def test_delete_channel_and_refuse_last(admin):
    """Channels can be deleted, but never the last one."""
    assert admin.post("/settings/channels/mobile/delete").status_code == 303
    assert admin.post("/settings/channels/print/delete").status_code == 303
    response = admin.post("/settings/channels/ecommerce/delete", follow_redirects=True)
    assert "The channel ecommerce is the last channel and cannot be deleted." in response.get_data(as_text=True)
    with db.connection_context():
        assert [c.code for c in Channel.select()] == ["ecommerce"]


def test_channel_used_locale_can_be_disabled_after_removal(admin):
    """Once no channel uses a locale, it can be disabled."""
    for code in ("ecommerce", "mobile"):
        data = dict(NEW_CHANNEL, locales=["en_US"], currencies=["USD"], category_tree="master")
        assert admin.post(f"/settings/channels/{code}", data).status_code == 303
    assert admin.post("/settings/locales/fr_FR", {"action": "disable"}).status_code == 303
    with db.connection_context():
        assert not Locale.get(code="fr_FR").enabled


def test_channel_edit_requires_permission(app, seeded_app):
    """Without 'Create and edit channels' the form is read-only and every write is refused."""
    user = login_without(app, "pim_enrich_channel_edit")
    html = user.client.get("/settings/channels/ecommerce").get_data(as_text=True)
    assert "<fieldset disabled>" in html and "Delete this channel" not in html
    assert user.post("/settings/channels/ecommerce", NEW_CHANNEL).status_code == 403
    assert user.post("/settings/channels/new", NEW_CHANNEL).status_code == 403
    assert user.post("/settings/channels/mobile/delete").status_code == 403
    assert user.client.get("/settings/channels/new").status_code == 403


def test_channel_list_requires_permission(app, seeded_app):
    """Without 'List channels' the pages are refused."""
    user = login_without(app, "pim_enrich_channel_index")
    assert user.client.get("/settings/channels").status_code == 403
    assert user.client.get("/settings/channels/ecommerce").status_code == 403


def test_channel_write_requires_csrf(admin):
    """A channel form posted without the CSRF token is refused."""
    response = admin.client.post("/settings/channels/new", data=NEW_CHANNEL)
    assert response.status_code == 400
    assert admin.client.get("/settings/channels/b2b").status_code == 404
