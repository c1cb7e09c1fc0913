"""Media files: serve an uploaded image or file to logged-in users who may see products."""
import hashlib
import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, abort, make_response, request

from pimconnect.models import MediaFile
from pimconnect.permissions import require
from pimconnect.services.products.media import display_name, is_inline, served_type

bp = Blueprint("media", __name__, url_prefix="/media")


def etag_of(code):
    # Rows are never updated, so the code names one content for ever: a strong validator.
    return hashlib.sha256(code.encode()).hexdigest()[:40]


def content_disposition(kind, filename):
    """A Content-Disposition value, with an RFC 6266 ``filename*`` when the name is not ASCII."""
    simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    simple = "".join(ch for ch in simple if ch.isprintable() and ch not in '"\\') or "file"
    value = f'{kind}; filename="{simple}"'
    if simple != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


@bp.get("/<path:code>")
@require("pim_enrich_product_index")
def show(code):
    """Send a media file: the allow-listed images inline, anything else (SVG included) as a download
    typed ``application/octet-stream``."""
    meta = (MediaFile.select(MediaFile.id, MediaFile.mime_type, MediaFile.original_filename)
            .where(MediaFile.code == code).first())
    if meta is None:
        abort(404)
    etag = etag_of(code)
    if request.if_none_match.contains(etag):
        response = make_response("", 304)
    else:
        content = MediaFile.select(MediaFile.content).where(MediaFile.id == meta.id).scalar()
        response = Response(bytes(content), content_type=served_type(meta.mime_type))
        kind = "inline" if is_inline(meta.mime_type) else "attachment"
        response.headers["Content-Disposition"] = content_disposition(kind, meta.original_filename or display_name(code))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
