"""The Connect wizard and what connecting creates (apps-and-oauth.md §7, §9.1)."""
import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import (
    ApiClient,
    Connection,
    ConnectedApp,
    Role,
    User,
    UserGroup,
    UserGroupMember,
    UserRole,
)
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.apps import connect as app_connect
from pimconnect.services.apps import connected as connected_apps
from tests.app_helpers import MANAGE as MANAGE_APPS
from tests.app_helpers import OPEN as OPEN_APPS
from pimconnect.services.errors import Invalid

APP_ID = "11111111-1111-4111-8111-111111111111"


def register_app(app_id=APP_ID, name="Yell <Extension> & \"co\"", certified=False, callback="https://app.example/cb",
                 editions=("ce", "ee")):
    """A catalogue app listing; returns its AppInfo."""
    app_listings.register({"id": app_id, "kind": "app", "name": name, "author": "Yell", "partner": "Akeneo Partner",
                            "categories": ["E-commerce", "Marketing"], "certified": certified,
                            "activate_url": "https://app.example/activate", "callback_url": callback,
                            "editions": list(editions), "versions": []})
    return app_listings.find_app(app_id)


def test_create_connected_app_makes_user_group_role_connection_and_record(seeded_app):
    """Connecting creates the app's group, role, API user (not in All), connection and record, sharing one code."""
    with seeded_app.app_context(), db.connection_context():
        info = register_app()
        with write_txn():
            connected = connected_apps.create_connected_app(info, ["delete_products", "read_catalog_structure"])
        connected = ConnectedApp.get_by_id(APP_ID)
        connection = Connection.get_by_id(connected.connection_id)
        code = connection.code
        assert code.startswith("app_") and len(code) <= 30
        assert connection.type == "app" and connection.flow_type == "other" and not connection.auditable
        assert connection.label == info.name
        group = UserGroup.get_by_id(connected.user_group_id)
        assert group.name == code and group.type == "app"
        role = Role.get_by_id(connected.role_id)
        assert role.type == "app" and role.label == APP_ID and not role.code.startswith("ROLE_")
        assert {"pim_api_overall_access", "pim_api_product_list", "pim_api_product_edit",
                "pim_api_product_remove", "pim_api_attribute_list"} <= set(role.permissions)
        user = User.get_by_id(connection.user_id)
        assert user.username == code and user.type == "app"
        assert user.first_name == "Yell _Extension_ _ _co_"
        assert user.password_hash.startswith("$argon2id$")
        groups = {g.name for g in UserGroup.select().join(UserGroupMember).where(UserGroupMember.user == user)}
        assert groups == {code}
        assert [r.role_id for r in UserRole.select().where(UserRole.user == user)] == [role.id]
        client = ApiClient.get_by_id(connection.client_id)
        assert client.client_id == APP_ID and client.kind == "app"
        assert connected.scopes == ["delete_products", "read_catalog_structure"]
        assert connected.categories == ["E-commerce", "Marketing"] and connected.partner == "Akeneo Partner"
        assert not connected.is_custom_app and not connected.has_outdated_scopes


def test_create_connected_app_refuses_at_the_limit(seeded_app):
    """At PIM_MAX_CONNECTIONS the app is not created and the limit message is raised."""
    seeded_app.config["PIM_MAX_CONNECTIONS"] = 0
    with seeded_app.app_context(), db.connection_context():
        info = register_app()
        with pytest.raises(Invalid) as refused:
            with write_txn():
                connected_apps.create_connected_app(info, ["read_products"])
        assert refused.value.errors == {"": "You reached the limit of 0 connections and connected Apps."}
        assert ConnectedApp.select().count() == 0 and Connection.select().count() == 0


def test_create_connected_app_unrevokes_a_deleted_apps_client(seeded_app):
    """An app reconnecting after deletion gets its OAuth client back un-revoked."""
    with seeded_app.app_context(), db.connection_context():
        info = register_app()
        with write_txn():
            ApiClient.create(client_id=APP_ID, kind="app", grant_types=["authorization_code"], revoked=True)
            connected_apps.create_connected_app(info, [])
        assert not ApiClient.get(ApiClient.client_id == APP_ID).revoked


# -- The wizard over HTTP ---------------------------------------------------------------------

import re  # noqa: E402
import threading  # noqa: E402

from markupsafe import escape  # noqa: E402

from pimconnect.models import AuthCode, CategoryPermission, LocalePermission, PendingAuthorization, UserConsent  # noqa: E402
from pimconnect.services.access import group_permissions  # noqa: E402
from tests import app_helpers  # noqa: E402
from tests.app_helpers import CALLBACK, OTHER_ID, WIZARD, authorize_url, code_count, query  # noqa: E402
from tests.factories import login_with  # noqa: E402

STEP = f"{WIZARD}?client_id={APP_ID}"
SUCCESS = "App successfully configured."


def _start(auth, scope="read_products", **extra):
    """Send the user through /authorize to the wizard; returns the wizard's first page."""
    response = auth.client.get(authorize_url(scope=scope, **extra))
    assert response.headers["Location"] == STEP, response.headers.get("Location")
    return auth.client.get(STEP)


def _shown(auth, page=None):
    """The digest of the request the wizard (or consent page) shows now: what its forms carry."""
    return app_helpers.shown_request(auth.client.get(page or STEP).get_data(as_text=True))


def _post(auth, data, htmx=False):
    """Post a wizard step as the open page would, with the shown request's digest unless given."""
    data = data if "request" in data else {**data, "request": _shown(auth)}
    return auth.post(STEP, data=data, htmx=htmx)


def _buttons(html):
    """The labels of the wizard's (or consent page's) buttons."""
    section = html.split('<section class="card wizard"', 1)[1]
    return re.findall(r"<button[^>]*>([^<]+)</button>", section)


def _steps(html):
    return re.findall(r'<li[^>]*>([^<]+)</li>', html.split('wizard-progress', 1)[1].split("</ol>")[0]) \
        if "wizard-progress" in html else []


@pytest.fixture
def listed(seeded_app):
    app_helpers.register_app(seeded_app)
    return seeded_app


def test_ce_first_connection_is_one_step_with_cancel_and_allow(listed, admin):
    """CE: the Authorizations step alone, with the scope lines, the consent checkbox, Cancel and Allow (as documented)."""
    listed.config["PIM_EDITION"] = "ce"
    page = _start(admin, "delete_products read_channel_localization write_channel_settings")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Yell Extension needs to" in html
    for line in ("View, edit and delete products and product models", "View locales and currencies",
                 "View and edit channels"):
        assert line in html
    assert "View products" not in html and "NEW" not in html
    assert "I agree to this App's Privacy Policy and Terms of Use" in html
    assert _steps(html) == [] and _buttons(html) == ["Allow"] and '>Cancel</a>' in html
    assert re.search(r'<a class="button" href="/connect/app-store" id="wizard-cancel">Cancel</a>', html)
    assert "form-action 'self' https://app.example" in page.headers["Content-Security-Policy"]


def test_confirm_creates_the_app_and_redirects_with_a_code(listed, admin):
    """Confirm connects the app and 303s to the callback with a code bound to the request."""
    listed.config["PIM_EDITION"] = "ce"
    _start(admin, "delete_products openid", state="st8", redirect_uri=CALLBACK)
    response = _post(admin, {"step": "authorizations", "action": "confirm", "consent": "1"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(CALLBACK + "?code=") and query(location)["state"] == "st8"
    code = app_helpers.stored_code(listed, query(location)["code"])
    assert code.redirect_uri == CALLBACK
    with listed.app_context(), db.connection_context():
        app_row = ConnectedApp.get_by_id(APP_ID)
        assert app_row.scopes == ["delete_products"]
        role = Role.get_by_id(app_row.role_id)
        assert {"pim_api_overall_access", "pim_api_product_list", "pim_api_product_edit",
                "pim_api_product_remove"} <= set(role.permissions)
        user = Connection.get_by_id(app_row.connection_id).user
        assert [g.name for g in UserGroup.select().join(UserGroupMember).where(UserGroupMember.user == user)] \
            == [app_row.connection.code]
        assert PendingAuthorization.select().count() == 0
        assert not CategoryPermission.select().where(CategoryPermission.group == app_row.user_group_id).exists()
        assert not LocalePermission.select().where(LocalePermission.group == app_row.user_group_id).exists()  # CE
        consent = UserConsent.get(UserConsent.app_id == APP_ID)
        assert consent.scopes == ["openid"] and consent.user.username == "admin"
    assert SUCCESS not in admin.client.get("/").get_data(as_text=True)  # the browser went to the app


@pytest.fixture
def leaving(app):
    """The app with a test view that flashes, then redirects to another site (before any request)."""
    from flask import flash

    from pimconnect.htmx import redirect_to

    def leave():
        flash("Meant for a PIM page.", "success")
        return redirect_to("https://app.example/callback?code=x", 303)

    app.add_url_rule("/test-leave", "test_leave", leave)
    return app


def test_flash_before_leaving_the_pim_is_dropped(leaving, admin):
    """A message flashed just before a redirect to another site does not greet the next PIM page."""
    assert admin.client.get("/test-leave").status_code == 303
    assert "Meant for a PIM page." not in admin.client.get("/").get_data(as_text=True)
    htmx = admin.client.get("/test-leave", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"].startswith("https://app.example/")
    assert "Meant for a PIM page." not in admin.client.get("/").get_data(as_text=True)


def test_consent_checkbox_is_enforced_by_the_server(listed, admin):
    """Confirm without the consent checkbox is refused with a message; nothing is created or issued."""
    listed.config["PIM_EDITION"] = "ce"
    _start(admin)
    response = _post(admin, {"step": "authorizations", "action": "confirm"})
    assert response.status_code == 422
    assert str(escape(app_connect.CONSENT_REQUIRED)) in response.get_data(as_text=True)
    assert app_helpers.connected(listed) is None and code_count(listed) == 0
    # skipping ahead to a later step name does not skip the check either
    response = _post(admin, {"step": "summary", "action": "confirm"})
    assert response.status_code == 422 and app_helpers.connected(listed) is None


def test_certified_app_needs_the_certification_checkbox(seeded_app, admin):
    """A certified app also needs the certification disclaimer ticked."""
    seeded_app.config["PIM_EDITION"] = "ce"
    app_helpers.register_app(seeded_app, certified=True)
    html = _start(admin).get_data(as_text=True)
    assert "I have read and I accept the following disclaimer about the certification." in html
    response = _post(admin, {"step": "authorizations", "action": "confirm", "consent": "1"})
    assert response.status_code == 422
    assert str(escape(app_connect.CERTIFICATION_REQUIRED)) in response.get_data(as_text=True)
    response = _post(admin, {"step": "authorizations", "action": "confirm", "consent": "1", "certification": "1"})
    assert response.status_code == 303 and app_helpers.connected(seeded_app).certified


def test_no_scope_wording(listed, admin):
    """An app asking no authorization scope: the reference's title and sentence."""
    html = _start(admin, "openid").get_data(as_text=True)
    assert "Yell Extension would like to access your PIM." in html
    assert "No specific authorizations have been requested." in html


def test_ee_first_connection_with_product_scopes_has_three_steps(listed, admin):
    """EE: Authorizations → Permissions → Well done!, with Allow and next / Previous / Next / Confirm."""
    html = _start(admin, "write_products").get_data(as_text=True)
    assert _steps(html) == ["Authorizations", "Permissions", "Well done!"]
    assert _buttons(html) == ["Allow and next"]
    refused = _post(admin, {"step": "authorizations", "action": "next"})
    assert refused.status_code == 422 and _steps(refused.get_data(as_text=True))
    html = _post(admin, {"step": "authorizations", "action": "next", "consent": "1"}).get_data(as_text=True)
    assert '<li aria-current="step">Permissions</li>' in html and 'aria-selected' not in html
    assert '<li class="done">Authorizations</li>' in html
    assert _buttons(html) == ["Previous", "Next"]
    for text in ("Category trees", "Locales", "Attribute groups", "Own", "Edit", "View", "Master catalog",
                 "Ecommerce", "Print", "en_US", "fr_FR", "de_DE", "ERP", "marketing"):
        assert text in html, text
    assert 'name="consent" value="1"' in html  # carried to the next steps as a hidden field
    chosen = {"step": "permissions", "action": "next", "consent": "1", "category-own": "ecommerce",
              "locale-edit": ["en_US", "de_DE"], "locale-view": "fr_FR", "attribute_group-view-all": "1"}
    html = _post(admin, chosen).get_data(as_text=True)
    assert "Well done!" in html and _buttons(html) == ["Previous", "Confirm"]
    assert 'hx-boost="false"' in html and 'hx-post' not in html.split('id="wizard"')[1]
    summary = html.split('id="permissions-summary"')[1]
    assert "Category trees · Own</dt>\n  <dd>Ecommerce" in summary and "Attribute groups · View</dt>\n  <dd>All" in summary
    back = _post(admin, {**chosen, "step": "summary", "action": "previous"}).get_data(as_text=True)
    assert re.search(r'name="category-own" value="ecommerce" checked', back)
    response = _post(admin, {**chosen, "step": "summary", "action": "confirm"})
    assert response.status_code == 303 and response.headers["Location"].startswith(CALLBACK)
    with listed.app_context(), db.connection_context():
        group = ConnectedApp.get_by_id(APP_ID).user_group_id
        stored = group_permissions.load(group)
    assert stored["category"]["own"] == {"all": False, "identifiers": ["ecommerce"]}
    assert stored["category"]["view"] == {"all": False, "identifiers": ["ecommerce"]}
    assert stored["locale"]["edit"]["identifiers"] == ["de_DE", "en_US"]
    assert stored["locale"]["view"]["identifiers"] == ["de_DE", "en_US", "fr_FR"]
    assert stored["attribute_group"]["view"] == {"all": True, "identifiers": []}
    assert stored["attribute_group"]["edit"] == {"all": False, "identifiers": []}


def test_ee_read_only_app_gets_view_levels_only(listed, admin):
    """An app asking read_products sees only View levels; Own/Edit sent anyway are ignored."""
    _start(admin, "read_products")
    html = _post(admin, {"step": "authorizations", "action": "next", "consent": "1"}).get_data(as_text=True)
    assert "category-view-all" in html and "category-own" not in html and "locale-edit" not in html
    _post(admin, {"step": "summary", "action": "confirm", "consent": "1", "category-own-all": "1",
                  "category-view": "print", "locale-edit-all": "1"})
    with listed.app_context(), db.connection_context():
        stored = group_permissions.load(ConnectedApp.get_by_id(APP_ID).user_group_id)
    assert stored["category"]["own"] == {"all": False, "identifiers": []}
    assert stored["category"]["view"] == {"all": False, "identifiers": ["print"]}
    assert stored["locale"]["edit"]["all"] is False


def test_ee_without_product_scopes_is_one_step(listed, admin):
    """EE without product scopes: no Permissions step."""
    html = _start(admin, "read_categories").get_data(as_text=True)
    assert _steps(html) == [] and _buttons(html) == ["Allow"]


def test_authentication_step_comes_first_with_the_users_name(listed, admin):
    """profile/email asked: Authentication first (the user's name, the sentences), then Authorizations."""
    listed.config["PIM_EDITION"] = "ce"
    html = _start(admin, "read_products openid profile email").get_data(as_text=True)
    assert _steps(html) == ["Authentication", "Authorizations"]
    assert "John Doe" in html and "View your firstname and your lastname" in html
    assert "View your email address" in html and _buttons(html) == ["Allow and next"]
    html = _post(admin, {"step": "authentication", "action": "next"}).get_data(as_text=True)
    assert "View products and product models" in html and _buttons(html) == ["Previous", "Allow"]
    response = _post(admin, {"step": "authorizations", "action": "confirm", "consent": "1"})
    assert response.status_code == 303
    with listed.app_context(), db.connection_context():
        assert UserConsent.get(UserConsent.app_id == APP_ID).scopes == ["email", "openid", "profile"]


def test_htmx_swaps_the_step_in_place(listed, admin):
    """An htmx step post answers only the wizard fragment; the plain post answers the whole page."""
    _start(admin, "write_products")
    fragment = _post(admin, {"step": "authorizations", "action": "next", "consent": "1"}, htmx=True)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and html.lstrip().startswith('<section')
    assert "HX-Request" in fragment.headers["Vary"]
    refused = _post(admin, {"step": "authorizations", "action": "next"}, htmx=True)
    assert refused.status_code == 200 and "<html" not in refused.get_data(as_text=True)
    page = _post(admin, {"step": "authorizations", "action": "next", "consent": "1"})
    assert "<html" in page.get_data(as_text=True)


def test_scope_upgrade_shows_new_lines_and_already_allowed(listed, admin):
    """New scopes: NEW lines, "Is already allowed to:", no consent box, no Permissions step; Confirm replaces the
    scopes and clears the outdated-scopes flag."""
    connect_now = app_helpers.connect(listed, ["read_products", "read_categories"])
    assert connect_now.scopes == ["read_categories", "read_products"]
    with listed.app_context(), db.connection_context(), write_txn():
        ConnectedApp.update(has_outdated_scopes=True).where(ConnectedApp.id == APP_ID).execute()
    html = _start(admin, "write_products read_categories").get_data(as_text=True)
    new_part, old_part = html.split("Is already allowed to:")
    assert "View and edit products and product models <span class=\"badge warn\">NEW</span>" in new_part
    assert "View categories" in old_part and "View products and product models" in old_part
    assert 'name="consent"' not in html and _steps(html) == [] and _buttons(html) == ["Allow"]
    response = _post(admin, {"step": "authorizations", "action": "confirm"})
    assert response.status_code == 303
    assert app_helpers.connected(listed).scopes == ["read_categories", "write_products"]
    assert not app_helpers.connected(listed).has_outdated_scopes
    with listed.app_context(), db.connection_context():
        role = Role.get_by_id(ConnectedApp.get_by_id(APP_ID).role_id)
        assert "pim_api_product_edit" in role.permissions


def test_confirm_without_csrf_is_refused(listed, admin):
    """The Confirm post without the CSRF token is a 400 and issues no code."""
    listed.config["PIM_EDITION"] = "ce"
    _start(admin)
    response = admin.client.post(STEP, data={"step": "authorizations", "action": "confirm", "consent": "1"})
    assert response.status_code == 400
    assert app_helpers.connected(listed) is None and code_count(listed) == 0


def test_cancel_goes_to_the_app_store_and_sends_nothing(listed, admin):
    """Cancel is a link to the App Store: no code, no request to the app."""
    html = _start(admin).get_data(as_text=True)
    assert 'href="/connect/app-store"' in html and CALLBACK not in html
    assert code_count(listed) == 0


def test_wizard_needs_a_pending_request_of_this_user(listed, admin, seeded_app):
    """No pending request: 404. Another user cannot confirm admin's request (A20)."""
    assert admin.client.get(STEP).status_code == 404
    _start(admin)
    other = login_with(seeded_app, [MANAGE_APPS])
    assert other.client.get(STEP).status_code == 404
    response = other.post(STEP, data={"step": "authorizations", "action": "confirm", "consent": "1"})
    assert response.status_code == 404 and app_helpers.connected(listed) is None


def test_wizard_needs_manage_apps(listed, julia):
    """The wizard and its posts need Manage apps."""
    assert julia.client.get(STEP).status_code == 403
    assert julia.post(STEP, data={"step": "authorizations", "action": "confirm"}).status_code == 403


def test_tampered_fields_do_not_change_what_is_granted(listed, admin):
    """Scope or client fields added to the Confirm post are ignored: the pending request decides (A20)."""
    listed.config["PIM_EDITION"] = "ce"
    _start(admin, "read_products")
    _post(admin, {"step": "authorizations", "action": "confirm", "consent": "1",
                  "scope": "delete_products", "client_id": OTHER_ID, "redirect_uri": "https://evil/cb"})
    assert app_helpers.connected(listed).scopes == ["read_products"]


def test_limit_is_enforced_at_confirm(listed, admin):
    """At the connections limit, Confirm shows the limit message on the wizard and creates nothing."""
    listed.config["PIM_EDITION"] = "ce"
    _start(admin)
    listed.config["PIM_MAX_CONNECTIONS"] = 0
    response = _post(admin, {"step": "authorizations", "action": "confirm", "consent": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'class="flash flash-error" role="alert" id="wizard-error">You reached the limit of 0 '
                     r'connections and connected Apps.<', html)
    assert app_helpers.connected(listed) is None and code_count(listed) == 0


def test_concurrent_confirms_never_exceed_the_limit(seeded_app):
    """6 users confirming 6 different apps at once against a limit of 4 (one used): exactly 3 connect."""
    seeded_app.config["PIM_MAX_CONNECTIONS"] = 4
    seeded_app.config["PIM_EDITION"] = "ce"
    from tests.conftest import make_connection

    with seeded_app.app_context(), db.connection_context():
        make_connection("erp")
    ids = [f"{i}{i}{i}{i}{i}{i}{i}{i}-0000-4000-8000-00000000000{i}" for i in range(1, 7)]
    users = []
    for app_id in ids:
        app_helpers.register_app(seeded_app, app_id=app_id, name=f"App {app_id[:1]}")
        user = login_with(seeded_app, [MANAGE_APPS])
        assert user.client.get(authorize_url(client_id=app_id)).status_code == 302
        users.append(user)
    with seeded_app.app_context(), db.connection_context():
        pending = [(PendingAuthorization.get(PendingAuthorization.client_id == app_id).user, app_id)
                   for app_id in ids]
        shown = {app_id: app_connect.wizard_data(user, app_id).digest for user, app_id in pending}
    outcomes, barrier = [], threading.Barrier(len(pending))

    def run(user, app_id):
        with seeded_app.app_context(), db.connection_context():
            barrier.wait()
            try:
                outcomes.append(app_connect.confirm(user, app_id, shown[app_id], {"consent": True}))
            except Invalid as refused:
                outcomes.append(refused.errors)

    threads = [threading.Thread(target=run, args=args) for args in pending]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([o for o in outcomes if isinstance(o, str) and o.startswith(CALLBACK)]) == 3
    assert [o for o in outcomes if isinstance(o, dict)] == [
        {"": "You reached the limit of 4 connections and connected Apps."}] * 3
    with seeded_app.app_context(), db.connection_context():
        assert Connection.select().count() == 4 and ConnectedApp.select().count() == 3
        assert AuthCode.select().count() == 3


def test_openid_subject_is_stable_across_reconnection(listed, admin):
    """The consent uuid is made once and kept when the user consents again after the app is deleted."""
    listed.config["PIM_EDITION"] = "ce"
    _start(admin, "read_products openid profile")
    _post(admin, {"step": "authentication", "action": "next"})
    _post(admin, {"step": "authorizations", "action": "confirm", "consent": "1"})
    with listed.app_context(), db.connection_context():
        first = UserConsent.get(UserConsent.app_id == APP_ID).uuid
        connected_app = ConnectedApp.get_by_id(APP_ID)
        with write_txn():  # what deleting the app leaves behind: the consent (§5.1)
            connection = Connection.get_by_id(connected_app.connection_id)
            ConnectedApp.delete().where(ConnectedApp.id == APP_ID).execute()
            Connection.delete().where(Connection.id == connection.id).execute()
    _start(admin, "read_products openid profile email")
    _post(admin, {"step": "authentication", "action": "next"})
    _post(admin, {"step": "authorizations", "action": "confirm", "consent": "1"})
    with listed.app_context(), db.connection_context():
        consent = UserConsent.get(UserConsent.app_id == APP_ID)
        assert consent.uuid == first and consent.scopes == ["email", "openid", "profile"]
        assert UserConsent.select().count() == 1


# -- The authentication-only consent page (§2.4) ------------------------------------------------

AUTH_PAGE = f"/connect/apps/authenticate?client_id={APP_ID}"


def _ask_consent(auth):
    response = auth.client.get(authorize_url(scope="read_products openid email"))
    assert response.headers["Location"] == AUTH_PAGE
    return auth.client.get(AUTH_PAGE)


def test_authentication_consent_page_and_confirm(listed):
    """A connected app newly asking email: one step with the user's name, Cancel and Confirm; Confirm
    records the consent and redirects with a code."""
    app_helpers.connect(listed, ["read_products"])
    user = login_with(listed, [OPEN_APPS])
    html = _ask_consent(user).get_data(as_text=True)
    assert "View your email address" in html and "NEW" in html
    assert _buttons(html) == ["Confirm"] and 'href="/connect/connected-apps">Cancel<' in html
    assert code_count(listed) == 0
    response = user.post(AUTH_PAGE, data={"request": _shown(user, AUTH_PAGE)})
    assert response.status_code == 303 and response.headers["Location"].startswith(CALLBACK + "?code=")
    with listed.app_context(), db.connection_context():
        assert UserConsent.get(UserConsent.app_id == APP_ID).scopes == ["email", "openid"]
    assert user.client.get(authorize_url(scope="read_products openid email")).headers["Location"].startswith(
        CALLBACK)


def test_confirm_authentication_needs_open_apps(listed):
    """Manage apps alone is not enough to confirm the authentication consent (reference §3.5)."""
    app_helpers.connect(listed, ["read_products"])
    user = login_with(listed, [MANAGE_APPS])
    assert user.client.get(authorize_url(scope="read_products openid email")).headers["Location"] == AUTH_PAGE
    assert user.client.get(AUTH_PAGE).status_code == 403
    assert user.post(AUTH_PAGE).status_code == 403 and code_count(listed) == 0


def test_confirm_authentication_needs_csrf_and_a_pending_request(listed):
    """No CSRF token: 400; no pending request: 404."""
    app_helpers.connect(listed, ["read_products"])
    user = login_with(listed, [OPEN_APPS])
    assert user.post(AUTH_PAGE).status_code == 404
    _ask_consent(user)
    assert user.client.post(AUTH_PAGE).status_code == 400 and code_count(listed) == 0
