"""Page weight: versioned, compressed, long-cached static files and compressed HTML."""
import gzip
import re

import brotli

IMMUTABLE = "public, max-age=31536000, immutable"


def _asset_urls(html):
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_versioned_static_files(client):
    """The login page names its stylesheet and htmx by content hash."""
    urls = _asset_urls(client.get("/login").get_data(as_text=True))
    assert any(re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", url) for url in urls), urls
    assert any(re.fullmatch(r"/static/vendor/htmx-2\.0\.11\.min\.[0-9a-f]{12}\.js", url) for url in urls), urls


def _htmx_bytes(app):
    with open(f"{app.static_folder}/vendor/htmx-2.0.11.min.js", "rb") as handle:
        return handle.read()


def _htmx_url(client):
    return next(url for url in _asset_urls(client.get("/login").get_data(as_text=True)) if "htmx" in url)


def test_versioned_static_is_immutable_and_brotli_compressed(client, app):
    """A versioned file is cached for a year, and sent as brotli to a browser that asks for it."""
    url = _htmx_url(client)
    response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    original = _htmx_bytes(app)
    assert brotli.decompress(response.get_data()) == original
    assert len(response.get_data()) < len(original) / 3


def test_static_gzip_identity_and_revalidation(client, app):
    """gzip when brotli is not accepted, identity when nothing is, and a 304 on a matching ETag."""
    url = _htmx_url(client)
    original = _htmx_bytes(app)
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.get_data()) == original
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.get_data() == original
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304


def test_plain_and_stale_static_names(client):
    """The plain name still works but revalidates; a hash that is not today's content is a 404."""
    plain = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache"
    assert plain.headers["Content-Encoding"] == "gzip"
    assert client.get("/static/css/app.000000000000.css").status_code == 404
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/../pimconnect/config.py").status_code == 404


def test_html_is_compressed_when_asked(admin):
    """A page of the PIM comes compressed (brotli, else gzip) and says it varies on Accept-Encoding."""
    client = admin.client
    page = client.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert page.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert b"PIM Connect" in brotli.decompress(page.get_data())
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip" and b"PIM Connect" in gzip.decompress(zipped.get_data())
    plain = client.get("/")
    assert "Content-Encoding" not in plain.headers and b"PIM Connect" in plain.get_data()


def test_cross_site_requests_get_uncompressed_html(admin):
    """BREACH: a page another site made the browser ask for (with its chosen search text) is not compressed."""
    headers = {"Accept-Encoding": "gzip, br", "Sec-Fetch-Site": "cross-site"}
    response = admin.client.get("/connect/app-store?search=abc", headers=headers)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    same_origin = admin.client.get("/connect/app-store?search=abc",
                                   headers={"Accept-Encoding": "gzip, br", "Sec-Fetch-Site": "same-origin"})
    assert same_origin.headers["Content-Encoding"] == "br"


def test_api_json_is_not_compressed(client):
    """The REST API's answers are left alone (connectors' CPU time, and token answers hold secrets)."""
    response = client.get("/api/rest/v1", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in response.headers


def test_favicon(client):
    """Pages link an SVG favicon, and /favicon.ico answers with it instead of a 404 on every page."""
    page = client.get("/login").get_data(as_text=True)
    icon = re.search(r'<link rel="icon" href="(/static/favicon\.[0-9a-f]{12}\.svg)" type="image/svg\+xml">', page)
    assert icon
    assert client.get(icon.group(1)).headers["Cache-Control"] == IMMUTABLE
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data().startswith(b"<svg")
