"""Media files (§5.1, §6.3): list, metadata, download, and upload into a product's image or file value."""
from collections import namedtuple

from flask import Response, jsonify, request
from peewee import fn

from pimconnect.api import bp
from pimconnect.api.core import ApiError, api_view, current_access, validation_failed
from pimconnect.api.params import parse_limit, parse_page, parse_pagination_type, parse_with_count
from pimconnect.api.product_writes import read_json, stored_categories
from pimconnect.api.products import find_to_write, parse_uuid
from pimconnect.api.responses import absolute, created, offset_page, with_self_link
from pimconnect.db import page_rows
from pimconnect.models import Attribute, AttributeGroup, MediaFile, Product, ProductValue
from pimconnect.services.access import product_permissions
from pimconnect.services.errors import ValidationFailed
from pimconnect.services.products.media import Upload, content_disposition, etag_of, save_with_uploads, served_type
from pimconnect.services.products.writes import StaleProduct
from pimconnect.services.products.values import MEDIA_TYPES, check_context
from pimconnect.services.structure.snapshot import Structure

MEDIA_FILES = "/api/rest/v1/media-files"
EDITOR_UPLOAD = ('Product "{identifier}" cannot be updated directly: you only have an edit right on it. Upload the '
                 'file on a product you own, or send the change as a draft.')
Slot = namedtuple("Slot", "attribute locale scope")  # what save_with_uploads needs of a product-page field
FIELDS = (MediaFile.id, MediaFile.code, MediaFile.original_filename, MediaFile.mime_type, MediaFile.size,
          MediaFile.extension)  # everything but the content


def _download(code):
    return {"download": {"href": absolute(f"{MEDIA_FILES}/{code}/download")}}


def _metadata(media):
    return {"code": media.code, "original_filename": media.original_filename, "mime_type": media.mime_type,
            "size": media.size, "extension": media.extension}


def visible_media(access):
    """Condition on MediaFile: the files the reader may see (EE §9.2) — held by a value it may see (an
    image or file attribute of a group it views, no locale or a locale it views) of a product it may
    see; None when it sees everything. Values index a file's code lower-cased (codes are hashed paths)."""
    grants = access.grants
    if grants is None:
        return None
    attributes = (Attribute.select(Attribute.id).join(AttributeGroup)
                  .where(Attribute.type.in_(sorted(MEDIA_TYPES)),
                         AttributeGroup.code.in_(sorted(grants.attribute_groups.codes) or [""])))
    locales = sorted(grants.locales.codes)
    rows = (ProductValue.select(ProductValue.id).join(Product, on=(ProductValue.product == Product.uuid))
            .where(ProductValue.attribute.in_(attributes), ProductValue.text == fn.LOWER(MediaFile.code),
                   (ProductValue.locale == "") | ProductValue.locale.in_(locales or [""])))
    return fn.EXISTS(access.restrict(rows))


def _media_or_404(code, access):
    query = MediaFile.select(*FIELDS).where(MediaFile.code == code)
    condition = visible_media(access)
    media = None if "\x00" in code else (query if condition is None else query.where(condition)).first()
    if media is None:
        raise ApiError(404, f'Media file "{code}" does not exist.')
    return media


@bp.get("/media-files")
@api_view("pim_api_product_list", "products")
def media_files_list():
    parse_pagination_type()
    limit, page, with_count = parse_limit(), parse_page(), parse_with_count()
    condition = visible_media(current_access())
    everything = MediaFile.select(*FIELDS) if condition is None else MediaFile.select(*FIELDS).where(condition)
    rows = page_rows(everything.order_by(MediaFile.code), page, limit)
    items = []
    for media in rows:
        item = with_self_link(f"{MEDIA_FILES}/{media.code}", _metadata(media))
        item["_links"].update(_download(media.code))
        items.append(item)
    return offset_page(items, page, limit, count=everything.count() if with_count else None)


@bp.get("/media-files/<path:code>")
@api_view("pim_api_product_list", "products")
def media_files_get(code):
    media = _media_or_404(code, current_access())
    return jsonify({**_metadata(media), "_links": _download(media.code)})


@bp.get("/media-files/<path:code>/download")
@api_view("pim_api_product_list", "products")
def media_files_download(code):
    """The file's bytes, always as an attachment (as the reference), typed as the media route types them
    (its own type for the inline images, ``application/octet-stream`` for anything else)."""
    media = _media_or_404(code, current_access())
    content = MediaFile.select(MediaFile.content).where(MediaFile.id == media.id).scalar()
    response = Response(bytes(content), content_type=served_type(media.mime_type))
    response.headers["Content-Disposition"] = content_disposition("attachment", media.original_filename or "file")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(etag_of(media.code))
    return response


def _json_field(name):
    """A multipart field holding a JSON object (400 like any unreadable JSON body)."""
    data = read_json(request.form[name])
    if data is None:
        raise ApiError(400, "Invalid json message received")
    return data


def _target():
    """The product (and its value's attribute, locale, scope) the ``product`` field names."""
    form = request.form
    if "product" in form and "product_model" in form:
        raise ApiError(422, 'You should give either a "product" or a "product_model" key.')
    if "product_model" in form:
        info = _json_field("product_model")
        if not isinstance(info.get("code"), str) or not {"attribute", "locale", "scope"} <= info.keys():
            raise ApiError(422, 'Product model property must contain "code", "attribute", "locale" and "scope" '
                                'properties.')
        raise ApiError(422, f'Product model "{info["code"]}" does not exist.')  # no product models exist
    if "product" not in form:
        raise ApiError(422, 'You should at least give one of the following properties: "product" or "product_model".')
    info = _json_field("product")
    key = "uuid" if "uuid" in info else "identifier"
    if not isinstance(info.get(key), str) or not {"attribute", "locale", "scope"} <= info.keys():
        raise ApiError(422, f'Product property must contain "{key}", "attribute", "locale" and "scope" properties.')
    # The upload writes into the product: looked up as writes are, then checked as a write of that value
    # (_check_write): a product the reader cannot see does not exist for it.
    if key == "uuid":
        product_uuid = parse_uuid(info[key])
        product = find_to_write(product_uuid) if product_uuid is not None else None
    else:
        product = find_to_write(identifier=info[key])
    if product is None:
        raise ApiError(422, f'Product "{info[key]}" does not exist.')
    return product, info


def _slot(info):
    """The product value the file goes to; its attribute, locale and scope checked before anything is stored."""
    code, locale, scope = info["attribute"], info["locale"], info["scope"]
    structure = Structure.load()
    attribute = structure.attributes.get(code) if isinstance(code, str) else None
    if attribute is None:
        raise ApiError(422, f"The {code} attribute does not exist in your PIM.")
    if attribute.type not in MEDIA_TYPES:
        raise ApiError(422, f'The {code} attribute is not an image or file attribute: it cannot hold a media file.')
    if not all(isinstance(part, (str, type(None))) for part in (locale, scope)):
        raise ApiError(422, 'Product property "locale" and "scope" must be strings or null.')
    problem = check_context(attribute, locale, scope, structure)
    if problem:
        raise ApiError(422, problem)
    return Slot(Attribute.get_by_id(attribute.id), locale, scope)


def _check_write(access, product, info):
    """The EE rules of a write of the value ``info`` names (§9.3): a hidden product "does not exist"
    (this endpoint's 422), a view-only product, attribute group or locale answers its 403, a hidden
    attribute or locale its 422."""
    if not access.restricted:
        return
    reference = info.get("uuid") or info.get("identifier")
    data = {"values": {info["attribute"]: [{"locale": info["locale"], "scope": info["scope"], "data": None}]}
            if isinstance(info["attribute"], str) else {}}
    try:
        product_permissions.check_update(access, product.identifier, stored_categories(access, product), data)
    except product_permissions.Refusal as refusal:
        if refusal.status == 404:
            raise ApiError(422, f'Product "{reference}" does not exist.') from None
        raise ApiError(refusal.status, refusal.message) from None
    except product_permissions.DraftNeeded:  # PIM Connect decision: an upload never goes to a draft
        raise ApiError(403, EDITOR_UPLOAD.format(identifier=product.identifier)) from None


@bp.post("/media-files")
@api_view("pim_api_product_edit", "products", content_type="multipart/form-data")
def media_files_upload():
    """Store ``file`` and set it as the value the ``product`` field names, in one transaction (201 + Location)."""
    product, info = _target()
    _check_write(current_access(), product, info)
    slot = _slot(info)
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, 'Property "file" is required.')
    try:
        saved = save_with_uploads({}, product, [(slot, Upload(upload.filename or "", upload.mimetype, upload.read()))])
    except ValidationFailed as exc:
        # The reference answers its updater's exceptions here with a plain 422 (no documentation link).
        raise (ApiError(422, exc.documented[0]) if exc.documented else validation_failed(exc.errors)) from None
    except StaleProduct:  # deleted while the file was being stored: nothing was written
        raise ApiError(422, f'Product "{product.identifier}" does not exist.') from None
    entry = next(e for e in saved.values[slot.attribute.code] if (e["locale"], e["scope"]) == (slot.locale, slot.scope))
    return created(f"{MEDIA_FILES}/{entry['data']}")
