"""The Demo App (demo_app/): activate, callback, id_token checks, the credentials hand-over, and the
whole connection against a live PIM over real HTTP."""
import datetime
import json
import os
import re
import stat
import time
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.jwk import RSAKey

from demo_app import config as demo_config
from demo_app import create_app as create_demo_app
from demo_app import pim as demo_pim
from demo_app import storage as demo_storage
from pimconnect.cli_demo_app import DEMO_APP_ID
from pimconnect.db import db

PIM = "http://pim.test"
SCOPES = ["read_products", "read_catalog_structure", "read_attribute_options", "read_categories",
          "read_channel_settings", "read_channel_localization", "read_catalogs", "write_catalogs",
          "delete_catalogs", "openid", "profile", "email"]


def make_demo_app(tmp_path, **overrides):
    """A Demo App with its instance in ``tmp_path`` and nothing taken from the environment."""
    settings = {"TESTING": True, "DEMO_APP_PIM_URL": PIM, "DEMO_APP_CLIENT_ID": DEMO_APP_ID,
                "DEMO_APP_CLIENT_SECRET": None, "DEMO_APP_CREDENTIALS_FILE": str(tmp_path / "credentials.json"),
                "DEMO_APP_DATABASE": str(tmp_path / "demo.sqlite3")}
    settings.update(overrides)
    return create_demo_app(settings, instance_path=tmp_path)


@pytest.fixture
def demo(tmp_path):
    return make_demo_app(tmp_path / "demo")


# --- activate ---------------------------------------------------------------------------------

def test_activate_redirects_to_the_pims_authorize_endpoint_with_the_scopes_and_a_fresh_state(demo):
    """Activate keeps pim_url and a random state in the session and sends the browser to authorize."""
    client = demo.test_client()
    response = client.get("/activate", query_string={"pim_url": PIM + "/"})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == PIM + "/connect/apps/v1/authorize"
    query = parse_qs(location.query, strict_parsing=True)
    assert set(query) == {"response_type", "client_id", "scope", "state"}
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [DEMO_APP_ID]
    assert query["scope"][0].split(" ") == SCOPES
    state = query["state"][0]
    assert len(state) >= 32
    with client.session_transaction() as session:
        assert session["oauth_state"] == state
        assert session["pim_url"] == PIM
    again = client.get("/activate", query_string={"pim_url": PIM})
    assert parse_qs(urlsplit(again.headers["Location"]).query)["state"][0] != state


@pytest.mark.parametrize("pim_url", [
    None, "", "javascript:alert(1)", "ftp://pim.test", "//pim.test", "pim.test", "http://evil.test",
    "http://pim.test.evil.test", "http://user:pass@pim.test", "http://pim.test/?next=http://evil.test",
    "http://pim.test#x", "http://pim.test/\nSet-Cookie:x", "https://pim.test",
])
def test_activate_refuses_a_pim_url_it_does_not_expect(demo, pim_url):
    """Activate is not an open redirector: only the configured PIM's plain http(s) URL is followed."""
    client = demo.test_client()
    response = client.get("/activate", query_string={} if pim_url is None else {"pim_url": pim_url})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "does not come from a PIM this app can connect to" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "oauth_state" not in session


def test_activate_accepts_any_http_pim_when_none_is_configured(tmp_path):
    """With DEMO_APP_PIM_URL empty, any http(s) PIM may connect the app (a multi-tenant app)."""
    client = make_demo_app(tmp_path, DEMO_APP_PIM_URL="").test_client()
    response = client.get("/activate", query_string={"pim_url": "https://pim.example.com:8443/base"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://pim.example.com:8443/base/connect/apps/v1/authorize?")
    assert client.get("/activate", query_string={"pim_url": "file:///etc/passwd"}).status_code == 400


# --- callback and status ----------------------------------------------------------------------

def test_callback_refuses_a_wrong_state_and_forgets_the_attempt(demo):
    """A callback whose state does not match the session's is refused; the state is single use."""
    client = demo.test_client()
    location = client.get("/activate", query_string={"pim_url": PIM}).headers["Location"]
    state = parse_qs(urlsplit(location).query)["state"][0]
    refused = client.get("/callback", query_string={"code": "a-code", "state": state[:-1] + "x"})
    assert refused.status_code == 400
    assert "wrong or expired state" in refused.get_data(as_text=True)
    again = client.get("/callback", query_string={"code": "a-code", "state": state})
    assert again.status_code == 400
    with demo.app_context():
        assert demo_storage.connection(PIM) is None


def test_callback_refuses_a_code_from_another_issuer(demo):
    """When the callback names its issuer (RFC 9207), it must be the PIM the connection started with."""
    client = demo.test_client()
    state = parse_qs(urlsplit(client.get("/activate", query_string={"pim_url": PIM}).headers["Location"]).query)
    response = client.get("/callback", query_string={"code": "c", "state": state["state"][0], "iss": "http://evil.test"})
    assert response.status_code == 400
    assert "not issued by the PIM this connection was started with" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [{"code": "c", "state": "s"}, {"code": "c"}, {}])
def test_callback_without_an_activation_is_refused(demo, query):
    """A callback the browser did not start here (no state in the session) is refused."""
    response = demo.test_client().get("/callback", query_string=query)
    assert response.status_code == 400
    assert "wrong or expired state" in response.get_data(as_text=True)


def test_status_page_explains_how_to_connect_when_not_connected(demo):
    """The home page says the app is not connected and how to connect it from the App Store."""
    response = demo.test_client().get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Not connected" in html and "App Store" in html and "Connect" in html
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_status_page_shows_api_errors_politely(demo):
    """A stored token the PIM cannot be reached with gives a readable message, not a crash."""
    unreachable = "http://127.0.0.1:9"  # the discard port: connection refused
    with demo.app_context():
        demo_storage.save_connection(unreachable, "token-value", "read_products",
                                     {"sub": "s-1", "firstname": "Ada", "lastname": "<Lovelace>", "email": None})
    client = demo.test_client()
    with client.session_transaction() as session:
        session["pim_url"], session["sub"], session["signed_in"] = unreachable, "s-1", True
    html = client.get("/").get_data(as_text=True)
    assert "Connected as Ada &lt;Lovelace&gt;" in html
    assert html.count("could not be reached") == 2
    assert "token-value" not in html


def test_the_pims_data_is_shown_only_to_the_browser_that_connected(demo):
    """Another visitor learns which PIM the app is connected to, and how to sign in, but sees no data."""
    with demo.app_context():
        demo_storage.save_connection("http://127.0.0.1:9", "token-value", "read_products",
                                     {"sub": "s-1", "firstname": "Ada", "lastname": "Lovelace", "email": None})
    html = demo.test_client().get("/").get_data(as_text=True)
    assert "Sign in through your PIM" in html and "Open app" in html
    assert "Ada" not in html and 'id="products"' not in html and "could not be" not in html


def test_the_access_token_is_stored_encrypted(demo):
    """The token is not in the database file in clear, and comes back intact."""
    with demo.app_context():
        demo_storage.save_connection(PIM, "clear-token-123", "read_products")
        assert demo_storage.connection(PIM)["access_token"] == "clear-token-123"
    with open(demo.config["DEMO_APP_DATABASE"], "rb") as handle:
        assert b"clear-token-123" not in handle.read()


def test_credentials_come_from_the_environment_first_then_the_file(tmp_path):
    """DEMO_APP_CLIENT_SECRET wins; otherwise the file written by `flask apps demo-credentials`."""
    settings = {"DEMO_APP_CLIENT_ID": DEMO_APP_ID, "DEMO_APP_CLIENT_SECRET": None,
                "DEMO_APP_CREDENTIALS_FILE": str(tmp_path / "credentials.json")}
    assert demo_config.credentials(settings) == (DEMO_APP_ID, None)
    (tmp_path / "credentials.json").write_text(json.dumps({"client_id": DEMO_APP_ID, "client_secret": "from-file"}))
    assert demo_config.credentials(settings) == (DEMO_APP_ID, "from-file")
    assert demo_config.credentials({**settings, "DEMO_APP_CLIENT_SECRET": "from-env"}) == (DEMO_APP_ID, "from-env")


def test_the_demo_app_generates_its_own_secret_key_once(tmp_path):
    """Without DEMO_APP_SECRET_KEY a random key is kept in instance/secret_key, readable by its owner only."""
    first = make_demo_app(tmp_path, SECRET_KEY=None)
    second = make_demo_app(tmp_path, SECRET_KEY=None)
    assert len(first.config["SECRET_KEY"]) == 64 and first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600


# --- the Akeneo code challenge and the id_token -------------------------------------------------

def test_code_challenge_matches_the_references_worked_example():
    """sha256_hex("abc" + "s3cr3t"), as in the reference §4.2."""
    assert demo_pim.code_challenge("abc", "s3cr3t") == \
        "c6b8d9630db1af77448a64f8b467163e10d246f49ecbb82f7ddb9719265ce916"


def _key_and_certificate():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test PIM")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    return RSAKey.import_key(key), certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def signing():
    return _key_and_certificate()


def _id_token(key, **claims):
    now = time.time()
    payload = {"iss": PIM, "aud": DEMO_APP_ID, "sub": "sub-1", "jti": "j", "iat": now, "exp": now + 3600,
               "firstname": "John", "lastname": "Doe"}
    payload.update(claims)
    return jwt.encode({"alg": "RS256", "typ": "JWT"}, {k: v for k, v in payload.items() if v is not None}, key)


def test_a_good_id_token_is_verified_with_the_pims_certificate(signing):
    """RS256 signature, issuer, audience and a float expiry (as the reference sends) are accepted."""
    key, certificate = signing
    claims = demo_pim.verify_id_token(_id_token(key), certificate, issuer=PIM, audience=DEMO_APP_ID)
    assert (claims["sub"], claims["firstname"], claims["lastname"]) == ("sub-1", "John", "Doe")


@pytest.mark.parametrize("claims", [{"iss": "http://evil.test"}, {"aud": "another-app"}, {"exp": time.time() - 120},
                                    {"iss": None}, {"aud": None}, {"exp": None}, {"sub": None}])
def test_an_id_token_with_wrong_claims_is_refused(signing, claims):
    """A token for another issuer or audience, expired, or missing a required claim is refused."""
    key, certificate = signing
    with pytest.raises(demo_pim.PimError, match="id_token could not be verified"):
        demo_pim.verify_id_token(_id_token(key, **claims), certificate, issuer=PIM, audience=DEMO_APP_ID)


def _hs256_signed_with(secret, claims):
    """A JWT signed with HMAC-SHA256 keyed by ``secret`` (the classic public-key-as-HMAC-secret attack)."""
    import base64
    import hashlib
    import hmac

    def part(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    signing_input = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + b"." + part(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + part(signature)).decode()


def test_an_id_token_signed_by_another_key_or_with_hs256_is_refused(signing):
    """Only the PIM's RSA key is trusted, and only RS256 (no algorithm confusion)."""
    _key, certificate = signing
    other, _ = _key_and_certificate()
    hs256 = _hs256_signed_with(certificate, {"iss": PIM, "aud": DEMO_APP_ID, "sub": "s", "exp": time.time() + 60})
    for token in (_id_token(other), hs256, "not-a-jwt"):
        with pytest.raises(demo_pim.PimError):
            demo_pim.verify_id_token(token, certificate, issuer=PIM, audience=DEMO_APP_ID)


# --- flask apps demo-credentials ---------------------------------------------------------------

def _ensure_demo_listing(app):
    """The Demo App listing, registered here unless the shipped App Store data already has it."""
    from pimconnect.models import MarketplaceApp
    from pimconnect.services.apps import listings as app_listings

    with app.app_context(), db.connection_context():
        if MarketplaceApp.get_or_none(MarketplaceApp.id == DEMO_APP_ID) is None:
            app_listings.register({"id": DEMO_APP_ID, "kind": "app", "name": "PIM Connect Demo App", "author": "PIM Connect",
                                    "activate_url": "http://127.0.0.1:8081/activate",
                                    "callback_url": "http://127.0.0.1:8081/callback",
                                    "editions": ["ce", "ee"], "versions": [], "categories": ["Demo"]},
                                   source="test")


def _stored_secret(app):
    from pimconnect.services.apps import listings as app_listings

    with app.app_context(), db.connection_context():
        return app_listings.app_secret(DEMO_APP_ID)


def test_demo_credentials_writes_a_private_file_once(app, tmp_path):
    """The command writes client id and a new secret (mode 0600); run again, it leaves the file alone."""
    _ensure_demo_listing(app)
    before = _stored_secret(app)
    output = tmp_path / "out" / "credentials.json"
    result = app.test_cli_runner().invoke(args=["apps", "demo-credentials", "--output", str(output)])
    assert result.exit_code == 0, result.output
    written = json.loads(output.read_text())
    assert written == {"client_id": DEMO_APP_ID, "client_secret": _stored_secret(app)}
    assert written["client_secret"] != before
    assert written["client_secret"] not in result.output
    assert stat.S_IMODE(os.stat(output).st_mode) == 0o600
    again = app.test_cli_runner().invoke(args=["apps", "demo-credentials", "--output", str(output)])
    assert again.exit_code == 0 and "up to date" in again.output
    assert json.loads(output.read_text()) == written and _stored_secret(app) == written["client_secret"]


def test_demo_credentials_regenerates_a_stale_file_or_when_forced(app, tmp_path):
    """A file that no longer matches the PIM (a new database) is rewritten; --force always rotates."""
    _ensure_demo_listing(app)
    output = tmp_path / "credentials.json"
    output.write_text(json.dumps({"client_id": DEMO_APP_ID, "client_secret": "from-an-older-database"}))
    result = app.test_cli_runner().invoke(args=["apps", "demo-credentials", "--output", str(output)])
    assert result.exit_code == 0, result.output
    first = json.loads(output.read_text())["client_secret"]
    assert first == _stored_secret(app) != "from-an-older-database"
    forced = app.test_cli_runner().invoke(args=["apps", "demo-credentials", "--output", str(output), "--force"])
    assert forced.exit_code == 0, forced.output
    assert json.loads(output.read_text())["client_secret"] == _stored_secret(app) != first


def test_demo_credentials_needs_the_demo_app_listing(app, tmp_path):
    """Without the Demo App listing the command fails and writes nothing."""
    from pimconnect.db import write_txn
    from pimconnect.models import MarketplaceApp

    with app.app_context(), db.connection_context(), write_txn():
        MarketplaceApp.delete().where(MarketplaceApp.id == DEMO_APP_ID).execute()
    output = tmp_path / "credentials.json"
    result = app.test_cli_runner().invoke(args=["apps", "demo-credentials", "--output", str(output)])
    assert result.exit_code != 0
    assert "no Demo App listing" in result.output
    assert not output.exists()


# --- live: the Demo App and the PIM over real HTTP ----------------------------------------------

@pytest.fixture(scope="module")
def live(tmp_path_factory):
    from tests.live_apps import live_apps

    with live_apps(tmp_path_factory.mktemp("demo-live")) as servers:
        yield servers


def _activate(session, live):
    """Open the Demo App's activate link as the App Store's Connect would; returns the authorize URL."""
    response = session.get(f"{live.demo_url}/activate", params={"pim_url": live.pim_url}, allow_redirects=False,
                           timeout=30)
    assert response.status_code == 302
    return response.headers["Location"]


def _code_from_the_pim(live, username="admin"):
    """Connect the Demo App for ``username`` with the PIM's own services and issue a code, as Confirm does."""
    import uuid

    from pimconnect.db import write_txn
    from pimconnect.models import ConnectedApp, User, UserConsent
    from pimconnect.services.access import group_permissions
    from pimconnect.services.apps import listings as app_listings
    from pimconnect.services.apps import codes as app_codes
    from pimconnect.services.apps import connected as connected_apps
    from pimconnect.services.apps import scopes as app_scopes

    authorization, authentication = app_scopes.parse(demo_config.SCOPES)
    with live.pim.app_context(), db.connection_context(), write_txn():
        user = User.get(User.username == username)
        if ConnectedApp.get_or_none(ConnectedApp.id == DEMO_APP_ID) is None:
            connected = connected_apps.create_connected_app(app_listings.find_app(DEMO_APP_ID), authorization, user)
            everything = {"all": True, "identifiers": []}
            for kind, levels in (("category", ("own", "edit", "view")), ("locale", ("edit", "view")),
                                 ("attribute_group", ("edit", "view"))):  # EE: what the wizard's "All" boxes give
                group_permissions.save(connected.user_group_id, {kind: {level: everything for level in levels}})
        if UserConsent.get_or_none((UserConsent.user == user.id) & (UserConsent.app_id == DEMO_APP_ID)) is None:
            UserConsent.create(user=user, app_id=DEMO_APP_ID, scopes=sorted(authentication), uuid=str(uuid.uuid4()))
        return app_codes.issue_code(app_codes.app_client(DEMO_APP_ID), user)


def test_live_callback_exchanges_a_pim_code_and_shows_the_user_channels_and_products(live):
    """Over real HTTP: the Demo App exchanges the code with the Akeneo challenge, verifies the id_token
    with the PIM's certificate and shows "Connected as" with channels and products read through the API."""
    import requests

    session = requests.Session()
    authorize = _activate(session, live)
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    code = _code_from_the_pim(live)
    response = session.get(f"{live.demo_url}/callback", params={"code": code, "state": state}, timeout=60)
    html = response.text
    assert response.status_code == 200, html
    assert response.url == f"{live.demo_url}/"
    assert "Connected as John Doe (admin@example.com)" in html
    assert f'id="pim-url">{live.pim_url}</a>' in html
    assert 'id="channels"' in html and "ecommerce" in html
    assert 'id="products"' in html and html.count("<tr><td>") >= 10 + 3  # 3 channels + a page of 10 products
    assert "could not be read" not in html
    replay = session.get(f"{live.demo_url}/callback", params={"code": code, "state": state}, timeout=30)
    assert replay.status_code == 400  # the state was used up with the first callback


def test_live_callback_shows_the_pims_refusal_of_a_bad_code(live):
    """A code the PIM does not know is refused by the token endpoint; the Demo App says so and stores nothing new."""
    import requests

    session = requests.Session()
    state = parse_qs(urlsplit(_activate(session, live)).query)["state"][0]
    response = session.get(f"{live.demo_url}/callback", params={"code": "not-a-code", "state": state}, timeout=30)
    assert response.status_code == 502
    assert "The PIM refused the authorization code: Code is not valid." in response.text


class _Forms(HTMLParser):
    """The post forms of a page as a browser without JavaScript sees them: fields and submit buttons."""

    def __init__(self):
        super().__init__()
        self.forms, self._form, self._button = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._form = {"action": attrs.get("action"), "fields": [], "checkboxes": [], "buttons": {}}
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and attrs.get("name"):
            kind = (attrs.get("type") or "text").lower()
            if kind == "checkbox":
                self._form["checkboxes"].append((attrs["name"], attrs.get("value") or "on"))
            elif kind != "submit" and (kind != "radio" or "checked" in attrs):
                self._form["fields"].append((attrs["name"], attrs.get("value") or ""))
        elif self._form is not None and tag == "button" and (attrs.get("type") or "submit") == "submit":
            self._button = (attrs.get("name"), attrs.get("value") or "")

    def handle_data(self, data):
        if self._button is not None and data.strip():
            self._form["buttons"][data.strip()] = self._button
            self._button = None

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


WIZARD_BUTTONS = ("Confirm", "Allow", "Allow and next", "Next")


def _walk_the_wizard_over_http(session, response, demo_url):
    """Tick every checkbox and press Confirm / Allow / Allow and next / Next until the PIM sends us to the Demo App."""
    steps = []
    while not response.url.startswith(demo_url):
        assert response.status_code == 200 and len(steps) < 6, (response.status_code, response.text[:2000])
        parser = _Forms()
        parser.feed(response.text)
        found = [(form, label) for form in parser.forms for label in WIZARD_BUTTONS if label in form["buttons"]]
        assert found, response.text[:3000]
        form, label = found[0]
        steps.append(label)
        name, value = form["buttons"][label]
        data = form["fields"] + form["checkboxes"] + ([(name, value)] if name else [])
        response = session.post(urljoin(response.url, form["action"]), data=data, timeout=60)
    return steps, response


def _log_in(session, pim_url, username="admin"):
    from tests.conftest import ADMIN_PASSWORD

    page = session.get(f"{pim_url}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(f"{pim_url}/login", data={"username": username, "password": ADMIN_PASSWORD,
                                                      "csrf_token": token}, timeout=30)
    assert response.status_code == 200 and response.url == f"{pim_url}/", response.url


@pytest.fixture
def live_ce(tmp_path):
    from tests.live_apps import live_apps

    with live_apps(tmp_path, edition="ce", products=15) as servers:
        yield servers


def test_live_connection_through_the_wizard_as_admin(live_ce):
    """The whole flow over HTTP: log in, activate, authorize, the wizard's form posts, the callback,
    then the Demo App shows the verified name and the products."""
    import requests

    session = requests.Session()
    _log_in(session, live_ce.pim_url)
    wizard = session.get(f"{live_ce.demo_url}/activate", params={"pim_url": live_ce.pim_url}, timeout=60)
    assert wizard.url.startswith(f"{live_ce.pim_url}/connect/apps/authorize?client_id={DEMO_APP_ID}"), wizard.url
    steps, landed = _walk_the_wizard_over_http(session, wizard, live_ce.demo_url)
    assert steps[-1] == "Allow" and len(steps) == 2, steps  # CE: Authentication, then Authorizations
    assert landed.status_code == 200 and landed.url == f"{live_ce.demo_url}/", landed.text[:2000]
    assert "Connected as John Doe (admin@example.com)" in landed.text
    assert landed.text.count("<tr><td>") == 3 + 10

    # Open app (reference §2.2): another browser of the same user goes through activate again and,
    # the app being connected with these scopes already, lands on the Demo App without a wizard.
    again = requests.Session()
    _log_in(again, live_ce.pim_url)
    opened = again.get(f"{live_ce.demo_url}/activate", params={"pim_url": live_ce.pim_url}, timeout=60)
    assert opened.url == f"{live_ce.demo_url}/", opened.url
    assert "Connected as John Doe (admin@example.com)" in opened.text
    assert opened.text.count("<tr><td>") == 3 + 10
