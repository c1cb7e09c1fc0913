"""Security meta-tests over the whole app: deny by default, CSRF, headers, error pages, XSS, template lint."""
import pathlib
import re
import uuid
from html.parser import HTMLParser

import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import User

# Endpoints anyone may reach without logging in, each for a stated reason.
PUBLIC_ENDPOINTS = {
    "static",  # stylesheets and the vendored htmx
    "favicon",  # /favicon.ico, which browsers fetch on their own: the public icon
    "auth.login",  # the way in
    "auth.logout",  # POST only, CSRF-protected, does nothing for an anonymous visitor
    "api.root",  # the API's route list: public in the reference
    "api.system_information",  # version and edition: public in the reference
    "api.openapi_document",  # the API's OpenAPI description: no data, only the contract
    "api_token.token",  # the token endpoint authenticates the client itself
    "api_token.revoke",  # RFC 7009 revocation: the connection's client authenticates itself
    "oauth_endpoints.token",  # the apps' token endpoint: the app authenticates itself (challenge or secret)
    "oauth_endpoints.revoke",  # RFC 7009 revocation: the app authenticates itself, as at the token endpoint
    "oauth_endpoints.public_key",  # the OpenID certificate apps verify id_tokens with: public in the reference
    "oauth_endpoints.jwks",  # the same public keys as a JWKS (D23): no secret in it
    "oauth_endpoints.openid_configuration",  # OpenID discovery metadata: public by definition, no data
    "oauth_endpoints.authorization_server_metadata",  # RFC 8414 metadata: public by definition, no data
    "connected_apps.scopes_update",  # an app's bearer token authenticates it (401 without), like the REST API
}
# Machine-to-machine endpoints authenticate with a bearer token, not the session cookie, so
# they neither need nor accept the CSRF token.
CSRF_FREE_PREFIXES = ("/api/", "/connect/apps/v1/scopes/update",
                      "/connect/apps/v1/oauth2/token",  # the app authenticates itself: challenge or secret
                      "/connect/apps/v1/oauth2/revoke")  # the same, for RFC 7009 revocation
TEMPLATES = pathlib.Path(__file__).resolve().parent.parent / "templates"
HEADERS = {
    "Content-Security-Policy": "script-src 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
XSS_FIRST = '"><svg onload=alert(1)>'
XSS_LAST = "' hx-on:click=alert(1)"


def _sample(converter):
    name = type(converter).__name__
    if name == "IntegerConverter":
        return 1
    if name == "UUIDConverter":
        return uuid.UUID(int=1)
    return "x"


def _routes(app, method):
    """(endpoint, url) for every rule accepting ``method``, its arguments filled with samples."""
    found = []
    for rule in app.url_map.iter_rules():
        if method not in rule.methods:
            continue
        values = {arg: _sample(rule._converters[arg]) for arg in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            found.append((rule.endpoint, url_for(rule.endpoint, **values)))
    return found


def test_every_view_declares_its_permission(app):
    """Every endpoint is decorated with @require/@login_only, or is in the public allowlist."""
    undeclared = [endpoint for endpoint, view in app.view_functions.items()
                  if endpoint not in PUBLIC_ENDPOINTS and not hasattr(view, "required_permissions")]
    assert undeclared == []


def test_anonymous_get_is_sent_to_login(seeded_app, client):
    """Anonymous GET on every non-public route redirects to the login page (401 for JSON/API)."""
    for endpoint, url in _routes(seeded_app, "GET"):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code == 401, url
        else:
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/login"), url


def test_anonymous_get_json_answers_401(seeded_app, client):
    """An anonymous request asking for JSON gets a 401 JSON body instead of a redirect."""
    response = client.get("/system/users", headers={"Accept": "application/json"})
    assert response.status_code == 401 and response.get_json()["code"] == 401


def test_anonymous_post_is_refused(seeded_app, client):
    """Anonymous POST on every route is refused (CSRF 400, login redirect or 401)."""
    for endpoint, url in _routes(seeded_app, "POST"):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        assert client.post(url).status_code in {302, 400, 401}, url


def test_every_ui_post_requires_csrf(admin, app):
    """Logged in as admin, every UI route accepting POST answers 400 without a CSRF token."""
    checked = 0
    for endpoint, url in _routes(app, "POST"):
        if url.startswith(CSRF_FREE_PREFIXES):
            continue
        response = admin.client.post(url, data={"name": "x"})
        assert response.status_code == 400, f"{endpoint} {url} -> {response.status_code}"
        checked += 1
    assert checked >= 10
    with db.connection_context():
        assert User.get(username="admin").enabled


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_security_headers_on_pages_and_fragments(admin, headers):
    """Pages and htmx fragments carry CSP, nosniff, frame and referrer headers."""
    response = admin.client.get("/system/users", headers=headers)
    assert response.status_code == 200
    for name, value in HEADERS.items():
        assert value in response.headers.get(name, ""), name


def test_security_headers_on_error_pages(julia):
    """404 and 403 answers carry the same security headers."""
    for path, status in (("/no-such-page", 404), ("/system/users", 403)):
        response = julia.client.get(path)
        assert response.status_code == status
        for name, value in HEADERS.items():
            assert value in response.headers.get(name, ""), (path, name)


def test_404_page_fragment_and_json(admin):
    """A 404 is a full page, an htmx fragment, or JSON when JSON is asked for."""
    page = admin.client.get("/no-such-page")
    assert page.status_code == 404 and b"<html" in page.data and b"does not exist" in page.data
    fragment = admin.client.get("/no-such-page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and b"<html" not in fragment.data and b"does not exist" in fragment.data
    as_json = admin.client.get("/no-such-page", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.get_json()["code"] == 404


def test_403_page(julia):
    """A refused page explains that a permission is missing."""
    response = julia.client.get("/system/roles")
    assert response.status_code == 403 and b"<html" in response.data
    assert b"Ask an administrator for the permission." in response.data


class _Tags(HTMLParser):
    """Collects every start tag and its attribute names."""

    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.svg_attributes = [], set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.update(name for name, _ in attrs)
        if tag == "svg":
            self.svg_attributes.append(dict(attrs))


def _parse(html):
    parser = _Tags()
    parser.feed(html)
    return parser


def test_user_names_are_escaped(admin):
    """Markup in a user's names shows as text on the users list and the edit form."""
    with db.connection_context(), write_txn():
        julia = User.get(username="julia")
        julia.first_name, julia.last_name = XSS_FIRST, XSS_LAST
        julia.save()
    for path in ("/system/users", f"/system/users/{julia.id}", "/system/users?q=julia"):
        html = admin.client.get(path).get_data(as_text=True)
        parsed = _parse(html)
        # The page's own icons are decorative inline SVGs (aria-hidden); the injected one would not be.
        assert all("aria-hidden" in attrs for attrs in parsed.svg_attributes), path
        assert not any(name.startswith("hx-on") or name.startswith("on") for name in parsed.attributes), path
        assert "&lt;svg onload=alert(1)&gt;" in html, path


def test_templates_quote_attributes_and_never_mark_safe():
    """No template writes an unquoted attribute value (={{) or uses |safe."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        if re.search(r"=\s*\{\{", text) or re.search(r"\|\s*safe\b", text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_templates_have_no_inline_script_or_style():
    """Templates respect the CSP: no inline script, style attribute or event handler attribute."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)", text) or re.search(r"\sstyle=|\son[a-z]+=|\shx-on", text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []
