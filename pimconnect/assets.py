"""Static files under versioned URLs, compressed once at start-up, and compressed HTML answers.

Why not Flask-Compress or whitenoise: Flask-Compress compresses every response again unless it is given
a cache backend, and whitenoise serves only static files (HTML would still need a second tool) and finds
its compressed copies on disk after a build step. The static folder is about 80 KB, so each file is read,
hashed and compressed (gzip 9, brotli 11) once when the app starts and served from memory; HTML is
compressed per response (gzip 6, brotli 5: fast, and pages are small). That is all the code below.

URLs: ``url_for('static', filename=...)`` (and the ``static_url`` template helper) give
``/static/css/app.<hash>.css``; that name never changes meaning, so it is cached for a year as
``immutable`` and a repeat visit sends no request for it. The plain name (``/static/css/app.css``, the
App Store's listing logos) still works, revalidated with its ETag.

BREACH: an HTML page holds the CSRF token, and some pages reflect what the URL says (the App Store's
search box, the product grid's filters). Flask-WTF does not mask the token per response: its signed form
changes only its last part (timestamp and signature) once a second, and the session's raw token stays the
same. So HTML is compressed only for requests a page of this PIM started or the user typed
(``Sec-Fetch-Site: same-origin`` or ``none``): an attacker's page cannot make the victim's browser send a
compressed request with reflected input it chose, which is what the attack needs thousands of times.
Browsers that send no Fetch Metadata (older than 2023) get compressed HTML too: refusing them would cost
every such user the whole saving, while the attack on them also needs a network observer.
"""
import gzip
import hashlib
import mimetypes
import os
import re

import brotli
from flask import abort, current_app, request, url_for
from werkzeug.wrappers import Response

COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
HTML_MIN_BYTES = 500  # below that, the compression frame costs more than it saves
IMMUTABLE = "public, max-age=31536000, immutable"
VERSIONED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")
CROSS_SITE = ("cross-site", "same-site")


class Asset:
    """One static file: its bytes, content hash and compressed copies (None when not worth it)."""

    def __init__(self, body, mimetype):
        self.body = body
        self.mimetype = mimetype
        self.hash = hashlib.sha256(body).hexdigest()[:12]
        self.encoded = {}
        if mimetype.startswith(COMPRESSIBLE) and len(body) > 256:
            for coding, compressed in (("br", brotli.compress(body, quality=11)),
                                       ("gzip", gzip.compress(body, 9, mtime=0))):
                if len(compressed) < len(body):
                    self.encoded[coding] = compressed


def load_assets(folder):
    """{path relative to the static folder (with /): Asset} for every file under ``folder``."""
    assets = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            with open(path, "rb") as handle:
                assets[relative] = Asset(handle.read(), mimetype)
    return assets


def versioned_name(filename, assets):
    """``css/app.css`` -> ``css/app.<hash>.css``; a name that is not a static file is left alone."""
    asset = assets.get(filename)
    if asset is None:
        return filename
    stem, ext = os.path.splitext(filename)
    return f"{stem}.{asset.hash}{ext}"


def accepted_coding(available):
    """The best of ``available`` codings this request accepts: brotli first, else gzip, else None."""
    accepted = request.accept_encodings
    for coding in ("br", "gzip"):
        if coding in available and accepted[coding] > 0:
            return coding
    return None


def serve_static(filename):
    """Serve a static file from memory: versioned names are immutable, plain ones revalidate by ETag."""
    assets = current_app.extensions["pim_assets"]
    match = VERSIONED.match(filename)
    versioned = False
    if match and f"{match['stem']}{match['ext']}" in assets:
        plain = f"{match['stem']}{match['ext']}"
        if assets[plain].hash != match["hash"]:
            abort(404)  # an old version: its content is gone, and caching today's under its name would lie
        filename, versioned = plain, True
    asset = assets.get(filename)
    if asset is None:
        abort(404)
    coding = accepted_coding(asset.encoded)
    response = Response(asset.encoded[coding] if coding else asset.body, mimetype=asset.mimetype)
    if coding:
        response.headers["Content-Encoding"] = coding
    if asset.encoded:
        response.vary.add("Accept-Encoding")
    response.set_etag(f"{asset.hash}-{coding or 'identity'}")
    response.headers["Cache-Control"] = IMMUTABLE if versioned else "no-cache"
    return response.make_conditional(request)


def favicon():
    """``/favicon.ico``, which browsers ask for on their own: the SVG icon, cached for a day."""
    response = serve_static("favicon.svg")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def may_compress_html(response):
    if request.method == "HEAD" or response.direct_passthrough or response.is_streamed:
        return False
    if response.mimetype != "text/html" or "Content-Encoding" in response.headers:
        return False
    return request.headers.get("Sec-Fetch-Site") not in CROSS_SITE  # BREACH: see the module docstring


def compress_html(response):
    """Compress an HTML answer for a browser that accepts brotli or gzip (after_request hook)."""
    if not may_compress_html(response):
        return response
    response.vary.add("Accept-Encoding")
    body = response.get_data()
    coding = accepted_coding(("br", "gzip")) if len(body) >= HTML_MIN_BYTES else None
    if coding:
        compressed = brotli.compress(body, quality=5) if coding == "br" else gzip.compress(body, 6, mtime=0)
        response.set_data(compressed)  # also sets Content-Length
        response.headers["Content-Encoding"] = coding
    return response


def init_app(app):
    """Load the static folder into memory and take over the ``static`` endpoint."""
    assets = load_assets(app.static_folder)
    app.extensions["pim_assets"] = assets
    app.view_functions["static"] = serve_static
    app.add_url_rule("/favicon.ico", "favicon", favicon)
    app.after_request(compress_html)

    @app.url_defaults
    def _versioned_static(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = versioned_name(values["filename"], assets)

    def static_path(path):
        """A literal ``/static/...`` path (as the App Store's listings store logos), versioned."""
        prefix = app.static_url_path + "/"
        if isinstance(path, str) and path.startswith(prefix):
            return prefix + versioned_name(path[len(prefix):], assets)
        return path

    app.jinja_env.globals["static_url"] = lambda filename: url_for("static", filename=filename)
    app.jinja_env.filters["static_path"] = static_path
