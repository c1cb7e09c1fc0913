"""Uploaded images and files: checks against the attribute, image sniffing, the reference's hashed code,
and how a stored file is served (its type, disposition and ETag, the same for the web UI and the API).

A media file's code is the reference's hashed path (§6.3, e.g. ``f/2/e/6/<sha1>_myFile.pdf``): the
first four hex digits of the content's SHA-1 as folders, then the digest and a safe copy of the file
name. Rows are immutable, so the same content under the same name is stored once.
"""
import hashlib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from peewee import IntegrityError

from pimconnect.db import db, write_txn
from pimconnect.models import MediaFile
from pimconnect.services.errors import ValidationFailed

# Akeneo's max_file_size is in MB; like the request limit (MAX_CONTENT_LENGTH), a MB is 1024 × 1024 bytes.
MB = 1024 * 1024
# Images a browser may show inline. SVG is deliberately absent: it can carry scripts.
INLINE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
IMAGE_TYPE = "pim_catalog_image"
MAX_NAME_LENGTH = 150  # keeps the code (8 + 40 + 1 + name) well inside its 255 characters


class UploadRefused(Exception):
    """An upload the attribute does not accept; ``message`` says why, in the user's terms."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it (the client's ``mime_type`` is never trusted)."""

    filename: str
    mime_type: str
    data: bytes


def sniff_image(data):
    """The image type the bytes really are (PNG, JPEG, GIF or WebP, by magic number), else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def safe_filename(filename):
    """The base name reduced to ASCII letters, digits, dots, dashes and underscores (never empty)."""
    base = re.split(r"[/\\]", filename or "")[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_name).strip("._") or "file"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:20] if dot else ""
        name = (stem if dot else name)[:MAX_NAME_LENGTH - len(ext) - 1] + (f".{ext}" if ext else "")
    return name


def _base_name(filename, fallback):
    """The client's file name without any folder part, as shown when the file is downloaded."""
    return (re.split(r"[/\\]", filename or "")[-1] or fallback)[:255]


def extension_of(filename):
    """The lower-cased extension without its dot ("" when the name has none)."""
    stem, dot, ext = (filename or "").rpartition(".")
    return ext.lower() if dot and stem else ""


def media_code(data, name):
    """The reference-style code of ``data`` stored under the safe ``name``."""
    digest = hashlib.sha1(data).hexdigest()
    return f"{digest[0]}/{digest[1]}/{digest[2]}/{digest[3]}/{digest}_{name}"


def max_bytes(attribute):
    """The attribute's size limit in bytes, or None when it sets none (or an unreadable one)."""
    try:
        limit = Decimal(str(attribute.max_file_size).strip()) if attribute.max_file_size else None
    except InvalidOperation:
        return None
    return int(limit * MB) if limit is not None and limit > 0 else None


def _megabytes(attribute):
    return f"{Decimal(str(attribute.max_file_size).strip()).normalize():f}"


def _stored_type(data, extension, is_image):
    """The MIME type to store: sniffed for images, else from the extension (never a claimed image type)."""
    sniffed = sniff_image(data)
    if is_image or sniffed:
        return sniffed
    guessed = mimetypes.guess_type(f"file.{extension}", strict=False)[0] or "application/octet-stream"
    # An image type that the bytes do not confirm (or SVG) would be rendered: store it as opaque bytes.
    return "application/octet-stream" if guessed.startswith("image/") else guessed


def check_upload(upload, attribute):
    """Validate ``upload`` for ``attribute``; returns (safe name, extension, MIME type) or raises UploadRefused."""
    name = safe_filename(upload.filename)
    extension = extension_of(name)
    allowed = [e.lower() for e in (attribute.allowed_extensions or [])]
    if allowed and extension not in allowed:
        raise UploadRefused(f"The file extension is not allowed (allowed extensions: {', '.join(allowed)}).")
    if not upload.data:
        raise UploadRefused("The file is empty.")
    limit = max_bytes(attribute)
    if limit is not None and len(upload.data) > limit:
        raise UploadRefused(f"The file is too large (max {_megabytes(attribute)} MB).")
    is_image = attribute.type == IMAGE_TYPE
    mime_type = _stored_type(upload.data, extension, is_image)
    if mime_type is None:
        raise UploadRefused("The file is not a valid image (PNG, JPEG, GIF or WebP expected).")
    return name, extension, mime_type


def store_upload(filename, mime_type, data: bytes, attribute) -> MediaFile:
    """Validate an uploaded file for ``attribute`` and store it (once); raises UploadRefused.

    ``mime_type`` is what the client claimed: it is ignored, the stored type comes from the bytes
    (images) or the extension (files), so a client cannot make the PIM serve HTML or SVG as an image.
    """
    name, extension, stored_type = check_upload(Upload(filename, mime_type, data), attribute)
    code = media_code(data, name)
    with write_txn():
        existing = MediaFile.get_or_none(MediaFile.code == code)
        if existing is not None:
            return existing
        try:
            with db.atomic():  # a savepoint, so a lost race leaves the outer transaction usable
                return MediaFile.create(code=code, original_filename=_base_name(filename, name),
                                        mime_type=stored_type, size=len(data), extension=extension,
                                        content=data)
        except IntegrityError:
            return MediaFile.get(MediaFile.code == code)


def is_inline(mime_type):
    """Whether a stored file may be shown in the browser rather than downloaded."""
    return (mime_type or "").lower() in INLINE_IMAGE_TYPES


def served_type(mime_type):
    """The Content-Type a stored file is sent with: its own for the inline image types, otherwise
    ``application/octet-stream``. A ``.js`` sent as ``text/javascript`` from the PIM's origin would be
    a script that ``script-src 'self'`` allows; as an octet stream with nosniff no browser runs it."""
    return mime_type.lower() if is_inline(mime_type) else "application/octet-stream"


def display_name(code):
    """The file name part of a media code (``a/b/c/d/<sha1>_name.png`` -> ``name.png``)."""
    last = (code or "").rsplit("/", 1)[-1]
    digest, sep, name = last.partition("_")
    return name if sep and len(digest) == 40 else last


def etag_of(code):
    """The ETag a stored file is served with. Rows are never updated, so the code names one content for
    ever: a strong validator."""
    return hashlib.sha256(code.encode()).hexdigest()[:40]


def content_disposition(kind, filename):
    """A Content-Disposition value, with an RFC 6266 ``filename*`` when the name is not ASCII."""
    simple = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    simple = "".join(ch for ch in simple if ch.isprintable() and ch not in '"\\') or "file"
    value = f'{kind}; filename="{simple}"'
    if simple != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def save_with_uploads(data, product, uploads, expected_version=None):
    """Store each upload and save the product with the new codes, all or nothing, in one write transaction.

    ``uploads`` is [(Field, Upload)] from the product page. A refused upload leaves its value untouched
    and is reported like any other value error, together with save_product's own errors; on any
    error the transaction rolls back, so no MediaFile is left without the product save it came with.
    """
    from pimconnect.services.products.writes import save_product

    values = dict(data.get("values") or {})
    errors = []
    with write_txn():
        for item, upload in uploads:
            code = item.attribute.code
            try:
                media = store_upload(upload.filename, upload.mime_type, upload.data, item.attribute)
            except UploadRefused as exc:
                values.pop(code, None)
                errors.append({"property": "values", "attribute": code, "locale": item.locale,
                               "scope": item.scope, "message": exc.message})
                continue
            values[code] = [{"locale": item.locale, "scope": item.scope, "data": media.code}]
        try:
            saved = save_product({**data, "values": values}, product, expected_version=expected_version)
        except ValidationFailed as exc:
            raise ValidationFailed(errors + exc.errors, exc.message,
                                   documented=exc.documented) from None
        if errors:
            raise ValidationFailed(errors)
    return saved
