"""Media files: serve an uploaded image or file to logged-in users who may see products."""
from flask import Blueprint, Response, abort, make_response, request

from pimconnect.models import MediaFile
from pimconnect.permissions import require
from pimconnect.services.products.media import content_disposition, display_name, etag_of, is_inline, served_type

bp = Blueprint("media", __name__, url_prefix="/media")


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
