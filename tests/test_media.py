"""Image and file uploads on the product page, and the route that serves media files."""
import io
import re

import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import Attribute, MediaFile
from pimconnect.services.products import media
from pimconnect.services.demo.generator import tiny_png
from tests.factories import fetch_product, login_with, make_product

RED = tiny_png((200, 0, 0))
CODE = re.compile(r"^([0-9a-f])/([0-9a-f])/([0-9a-f])/([0-9a-f])/([0-9a-f]{40})_(.+)$")


def media_count():
    with db.connection_context():
        return MediaFile.select().count()


def attribute(code):
    with db.connection_context():
        return Attribute.get(Attribute.code == code)


def stored(filename, data, code="picture"):
    """A MediaFile stored through the service for the demo attribute ``code``."""
    with db.connection_context():
        return media.store_upload(filename, "application/octet-stream", data, attribute(code))


def form_for(product, family="hats", **values):
    data = {"identifier": product.identifier, "enabled": "1", "family": family, "version": str(product.version),
            "locale": "en_US", "scope": "ecommerce"}
    data.update(values)
    return data


def upload(data, filename, mime="image/png"):
    return (io.BytesIO(data), filename, mime)


@pytest.fixture
def hat(seeded_app):
    return make_product("hat-1")


@pytest.fixture
def bag(seeded_app):
    return make_product("bag-1", family="bags")


# The service

def test_store_upload_builds_the_reference_code(seeded_app):
    """A stored image gets the hashed-path code, the sniffed type and its size."""
    file = stored("Red Hat é.png", RED)
    match = CODE.match(file.code)
    assert match and match.group(6) == "Red_Hat_e.png"
    assert "".join(match.groups()[:4]) == match.group(5)[:4]
    assert (file.mime_type, file.size, file.extension, file.original_filename) == ("image/png", len(RED), "png",
                                                                                   "Red Hat é.png")


def test_same_content_and_name_reuse_the_row(seeded_app):
    """Uploading identical bytes under the same name twice stores one row; another name stores another."""
    first, second = stored("red.png", RED), stored("red.png", RED)
    assert first.id == second.id and media_count() == 1
    assert stored("other.png", RED).id != first.id and media_count() == 2


def test_file_type_comes_from_the_extension_not_the_client(seeded_app):
    """A file attribute stores the extension's type, whatever the client claimed."""
    with db.connection_context():
        file = media.store_upload("notice.txt", "image/png", b"Keep dry.\n", attribute("notice"))
        assert file.mime_type == "text/plain"
        svg = Attribute(code="drawing", type="pim_catalog_file", allowed_extensions=["svg"])
        drawing = media.store_upload("x.svg", "image/svg+xml", b"<svg onload='alert(1)'/>", svg)
        assert drawing.mime_type == "application/octet-stream"


@pytest.mark.parametrize("data,expected", [
    (b"\xff\xd8\xff\xe0rest", "image/jpeg"), (b"GIF89a...", "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"), (RED, "image/png"), (b"<svg/>", None), (b"%PDF-1.7", None),
])
def test_sniff_image_reads_magic_numbers(data, expected):
    """Only PNG, JPEG, GIF and WebP signatures count as images."""
    assert media.sniff_image(data) == expected


@pytest.mark.parametrize("filename,data,message", [
    ("red.bmp", RED, "The file extension is not allowed (allowed extensions: jpg, jpeg, png, gif)."),
    ("fake.png", b"just some text", "The file is not a valid image (PNG, JPEG, GIF or WebP expected)."),
    ("empty.png", b"", "The file is empty."),
])
def test_store_upload_refusals(seeded_app, filename, data, message):
    """Wrong extension, fake image and empty file are refused with a clear message and nothing stored."""
    with pytest.raises(media.UploadRefused) as refused:
        stored(filename, data)
    assert refused.value.message == message and media_count() == 0


# Uploading from the product page

def test_upload_sets_the_value_and_shows_a_thumbnail(admin, hat):
    """A multipart save stores the image, sets the value and the page shows its thumbnail."""
    page = admin.client.get(f"/products/{hat.uuid}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page and 'accept=".jpg,.jpeg,.png,.gif"' in page
    response = admin.post(f"/products/{hat.uuid}", form_for(hat, v__picture=upload(RED, "red.png")))
    assert response.status_code == 303
    code = fetch_product(hat).values["picture"][0]["data"]
    assert CODE.match(code) and code.endswith("_red.png")
    html = admin.client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<img src="/media/{code}"' in html and 'name="v__picture__remove"' in html
    fragment = admin.client.get(f"/products/{hat.uuid}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and f'src="/media/{code}"' in fragment


def test_upload_a_file_shows_a_download_link(admin, bag):
    """A file attribute's value shows as a download link named after the file."""
    response = admin.post(f"/products/{bag.uuid}", form_for(bag, family="bags", v__notice=upload(b"Keep dry.\n", "care.txt", "text/plain")))
    assert response.status_code == 303
    code = fetch_product(bag).values["notice"][0]["data"]
    html = admin.client.get(f"/products/{bag.uuid}").get_data(as_text=True)
    assert f'href="/media/{code}" download="care.txt">care.txt</a>' in html


def test_upload_with_htmx(admin, hat):
    """Under htmx the multipart save answers HX-Redirect like any other save."""
    response = admin.post(f"/products/{hat.uuid}", form_for(hat, v__picture=upload(RED, "red.png")), htmx=True)
    assert response.status_code == 200 and response.headers["HX-Redirect"].startswith(f"/products/{hat.uuid}")
    assert "picture" in fetch_product(hat).values


@pytest.mark.parametrize("filename,data,message", [
    ("red.bmp", RED, "The file extension is not allowed (allowed extensions: jpg, jpeg, png, gif)."),
    ("fake.png", b"not an image at all", "The file is not a valid image (PNG, JPEG, GIF or WebP expected)."),
])
def test_refused_upload_shows_the_message_and_writes_nothing(admin, hat, filename, data, message):
    """A refused upload re-renders the form with the message next to the field; nothing is written."""
    response = admin.post(f"/products/{hat.uuid}", form_for(hat, v__erp_name="Changed", v__picture=upload(data, filename)))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<p class="field-error" role="alert">{message}</p>' in html
    assert media_count() == 0
    saved = fetch_product(hat)
    assert saved.version == hat.version and "erp_name" not in saved.values


def test_too_large_upload_is_refused(admin, hat):
    """A file over the attribute's max_file_size is refused with the limit in the message."""
    with db.connection_context(), write_txn():
        Attribute.update(max_file_size="0.001").where(Attribute.code == "picture").execute()
    big = RED + b"\x00" * 2000  # valid PNG signature, 1 KB over a limit of 0.001 MB
    response = admin.post(f"/products/{hat.uuid}", form_for(hat, v__picture=upload(big, "big.png")), htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "The file is too large (max 0.001 MB)." in html
    assert media_count() == 0 and "picture" not in fetch_product(hat).values


def test_failed_product_save_leaves_no_orphan_file(admin, hat):
    """A valid upload in a save refused for another field stores no MediaFile."""
    response = admin.post(f"/products/{hat.uuid}", form_for(hat, v__weight__amount="-5", v__weight__unit="GRAM",
                                                              v__picture=upload(RED, "red.png")))
    assert response.status_code == 422
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert media_count() == 0 and "picture" not in fetch_product(hat).values


def test_remove_erases_the_value(admin, seeded_app):
    """Ticking Remove erases the image value (the stored file stays for other products)."""
    code = stored("red.png", RED).code
    hat = make_product("hat-2", values={"picture": [{"locale": None, "scope": None, "data": code}]})
    response = admin.post(f"/products/{hat.uuid}", form_for(hat, v__picture__remove="1"))
    assert response.status_code == 303
    assert "picture" not in fetch_product(hat).values and media_count() == 1


def test_save_without_a_file_keeps_the_value(admin, seeded_app):
    """Saving without choosing a file or ticking Remove leaves the image untouched."""
    code = stored("red.png", RED).code
    hat = make_product("hat-3", values={"picture": [{"locale": None, "scope": None, "data": code}]})
    response = admin.post(f"/products/{hat.uuid}", form_for(hat, v__erp_name="Hat"))
    assert response.status_code == 303 and fetch_product(hat).values["picture"][0]["data"] == code


def test_upload_requires_csrf(admin, hat):
    """A multipart save without the CSRF token is refused and stores nothing."""
    response = admin.client.post(f"/products/{hat.uuid}", data=form_for(hat, v__picture=upload(RED, "red.png")))
    assert response.status_code == 400 and media_count() == 0


def test_upload_requires_edit_permission(app, hat):
    """A user who may only list products cannot upload."""
    reader = login_with(app, ["pim_enrich_product_index"])
    response = reader.post(f"/products/{hat.uuid}", form_for(hat, v__picture=upload(RED, "red.png")))
    assert response.status_code == 403 and media_count() == 0


# Serving media files

def test_media_route_serves_images_inline(admin, seeded_app):
    """An image is sent inline with its stored type, nosniff, a strong ETag and private caching."""
    code = stored("red.png", RED).code
    response = admin.client.get(f"/media/{code}")
    assert response.status_code == 200 and response.data == RED
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"] == 'inline; filename="red.png"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, max-age=3600"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = admin.client.get(f"/media/{code}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_media_route_sends_files_as_attachments(admin, seeded_app):
    """A non-image file is a download, with its name encoded for non-ASCII characters."""
    with db.connection_context():
        code = media.store_upload("notice é.txt", "text/plain", b"Keep dry.\n", attribute("notice")).code
    response = admin.client.get(f"/media/{code}")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"notice e.txt\"; filename*=UTF-8''notice%20%C3%A9.txt")


def test_svg_is_never_served_inline(admin, seeded_app):
    """An SVG (which can carry scripts) stored by any path is sent as an attachment."""
    with db.connection_context(), write_txn():
        MediaFile.create(code="a/b/c/d/abcd_x.svg", original_filename="x.svg", mime_type="image/svg+xml", size=6,
                         extension="svg", content=b"<svg/>")
    response = admin.client.get("/media/a/b/c/d/abcd_x.svg")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_script_in_a_file_attribute_is_never_served_as_a_script(admin, seeded_app):
    """A file attribute without an extension list accepts ``x.js``: served as ``text/javascript`` from the
    PIM's origin it would be a script ``script-src 'self'`` allows. It goes out as opaque bytes."""
    with db.connection_context(), write_txn():
        Attribute.update(allowed_extensions=[]).where(Attribute.code == "notice").execute()
    with db.connection_context():
        code = media.store_upload("x.js", "text/javascript", b"alert(document.cookie)", attribute("notice")).code
    for path in (f"/media/{code}", f"/media/{code}?download=1"):
        response = admin.client.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("mime, inline", [("image/png", True), ("image/jpeg", True), ("image/gif", True),
                                          ("image/webp", True), ("image/svg+xml", False), ("text/html", False),
                                          ("application/pdf", False), (None, False)])
def test_served_type_allow_lists_inline_images(mime, inline):
    assert media.is_inline(mime) is inline
    assert media.served_type(mime) == (mime if inline else "application/octet-stream")


def test_unknown_media_is_404(admin, seeded_app):
    """An unknown code answers 404."""
    assert admin.client.get("/media/0/0/0/0/nothing.png").status_code == 404


def test_media_route_requires_login_and_permission(app, client, seeded_app):
    """Anonymous users are sent to the login page; users who may not list products get 403."""
    code = stored("red.png", RED).code
    response = client.get(f"/media/{code}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    outsider = login_with(app, ["pim_enrich_family_index"])
    assert outsider.client.get(f"/media/{code}").status_code == 403
