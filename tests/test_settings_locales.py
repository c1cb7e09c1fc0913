"""Settings: locales, currencies and measurement families."""
from pimconnect.db import db
from pimconnect.models import Currency, Locale
from tests.factories import login_without


def test_locales_list_shows_human_names(admin):
    """The locale list shows codes with a human name."""
    html = admin.client.get("/settings/locales").get_data(as_text=True)
    assert "en_US" in html and "English (United States)" in html
    assert "es_ES" in html and "Spanish (Spain)" in html


def test_locales_filter_enabled_and_search(admin):
    """The enabled filter hides disabled locales; search matches codes and names."""
    html = admin.client.get("/settings/locales?status=enabled").get_data(as_text=True)
    assert "fr_FR" in html and "es_ES" not in html
    html = admin.client.get("/settings/locales?q=german").get_data(as_text=True)
    assert "de_DE" in html and "fr_FR" not in html
    html = admin.client.get("/settings/locales?q=nl_").get_data(as_text=True)
    assert "nl_NL" in html and "en_US" not in html


def test_locales_page_versus_fragment(admin):
    """htmx gets only the results table; a plain request gets the page."""
    page = admin.client.get("/settings/locales")
    fragment = admin.client.get("/settings/locales?q=fr", headers={"HX-Request": "true"})
    assert b"<html" in page.data
    assert b"<html" not in fragment.data and b"fr_FR" in fragment.data
    assert "HX-Request" in fragment.headers["Vary"]


def test_enable_locale_without_js(admin):
    """The named Enable button works as a plain form: redirect, flash, locale enabled."""
    response = admin.post("/settings/locales/es_ES", {"action": "enable"})
    assert response.status_code == 303
    with db.connection_context():
        assert Locale.get(code="es_ES").enabled
    assert "es_ES is now enabled." in admin.client.get(response.headers["Location"]).get_data(as_text=True)


def test_toggle_locale_with_htmx_swaps_the_row(admin):
    """With htmx the answer is the locale's row only."""
    response = admin.post("/settings/locales/it_IT", {"action": "enable"}, htmx=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<tr id="locale-it_IT"') and "Disable" in html


def test_disable_locale_used_by_channel_is_refused(admin):
    """A locale used by a channel stays enabled, with a clear message."""
    response = admin.post("/settings/locales/fr_FR", {"action": "disable"}, htmx=True)
    assert "The locale fr_FR is used by the channel ecommerce, mobile and cannot be disabled." in \
        response.get_data(as_text=True)
    plain = admin.post("/settings/locales/fr_FR", {"action": "disable"}, follow_redirects=True)
    assert "is used by the channel" in plain.get_data(as_text=True)
    with db.connection_context():
        assert Locale.get(code="fr_FR").enabled


def test_toggle_requires_csrf(admin):
    """A toggle without the CSRF token is refused."""
    response = admin.client.post("/settings/locales/es_ES", data={"action": "enable"})
    assert response.status_code == 400
    with db.connection_context():
        assert not Locale.get(code="es_ES").enabled


def test_toggle_refuses_get_and_unknown_action(admin):
    """Toggling is POST only and needs a known action."""
    assert admin.client.get("/settings/locales/es_ES?action=enable").status_code == 405
    assert admin.post("/settings/locales/es_ES", {"action": "drop"}).status_code == 400


def test_locale_edit_permission_required(app, seeded_app):
    """A user without 'Enable and disable locales' sees the list without buttons and cannot toggle."""
    user = login_without(app, "pim_enrich_locale_edit")
    html = user.client.get("/settings/locales").get_data(as_text=True)
    assert "es_ES" in html and 'value="enable"' not in html
    assert user.post("/settings/locales/es_ES", {"action": "enable"}).status_code == 403


def test_locale_list_permission_required(app, seeded_app):
    """A user without 'List locales' gets a 403."""
    user = login_without(app, "pim_enrich_locale_index")
    assert user.client.get("/settings/locales").status_code == 403


def test_currencies_list_and_enable(admin):
    """Currencies are listed and a disabled one can be enabled."""
    assert "GBP" in admin.client.get("/settings/currencies").get_data(as_text=True)
    assert admin.post("/settings/currencies/GBP", {"action": "enable"}).status_code == 303
    with db.connection_context():
        assert Currency.get(code="GBP").enabled


def test_disable_currency_used_by_channel_is_refused(admin):
    """A currency used by a channel cannot be disabled."""
    response = admin.post("/settings/currencies/EUR", {"action": "disable"}, htmx=True)
    assert "The currency EUR is used by the channel ecommerce, mobile, print and cannot be disabled." in \
        response.get_data(as_text=True)
    with db.connection_context():
        assert Currency.get(code="EUR").enabled


def test_currencies_page_versus_fragment(admin):
    """The currency list answers a page, or its content block for htmx."""
    assert b"<html" in admin.client.get("/settings/currencies").data
    fragment = admin.client.get("/settings/currencies", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.data and b"USD" in fragment.data


def test_currency_edit_permission_required(app, seeded_app):
    """Without 'Enable and disable currencies' the toggle is refused."""
    user = login_without(app, "pim_enrich_currency_edit")
    assert user.post("/settings/currencies/GBP", {"action": "enable"}).status_code == 403


def test_measurement_families_list_and_detail(admin):
    """Families are listed; the detail shows units, symbols, conversions and the standard unit."""
    html = admin.client.get("/settings/measurements").get_data(as_text=True)
    assert "Weight" in html and "KILOGRAM" in html
    detail = admin.client.get("/settings/measurements/Weight").get_data(as_text=True)
    assert "GRAM" in detail and ">g<" in detail and "mul 0.001" in detail and "Standard unit" in detail


def test_measurements_page_versus_fragment_and_404(admin):
    """The detail is a page or a fragment; an unknown family is a 404."""
    fragment = admin.client.get("/settings/measurements/Length", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.data and b"METER" in fragment.data
    assert admin.client.get("/settings/measurements/Nope").status_code == 404


def test_measurement_permission_required(app, seeded_app):
    """A user without 'List measurement families' gets a 403."""
    user = login_without(app, "pim_enrich_measurement_index")
    assert user.client.get("/settings/measurements").status_code == 403
    assert user.client.get("/settings/measurements/Weight").status_code == 403
