"""Media files over the API: upload into a product value, metadata, list, download, refusals."""
import io
import json

import pytest

from pimconnect.db import db
from pimconnect.models import MediaFile
from tests.factories import fetch_product, make_product

URL = "/api/rest/v1/media-files"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def media_count():
    with db.connection_context():
        return MediaFile.select().count()


def upload(api, data=None, file=(PNG, "my pic.png"), **fields):
    """POST /media-files as multipart: ``fields`` are JSON-encoded form fields."""
    form = {name: json.dumps(value) if not isinstance(value, str) else value for name, value in fields.items()}
    if file is not None:
        form["file"] = (io.BytesIO(file[0]), file[1])
    return api.client.post(URL, data={**form, **(data or {})}, content_type="multipart/form-data",
                           headers={"Authorization": f"Bearer {api.token}"})


def product_info(identifier="hat", attribute="picture", locale=None, scope=None):
    return {"identifier": identifier, "attribute": attribute, "locale": locale, "scope": scope}


def test_upload_sets_the_value_and_answers_201(api, seeded_app):
    hat = make_product("hat")
    response = upload(api, product=product_info())
    assert response.status_code == 201, response.get_json()
    assert response.get_data() == b""
    location = response.headers["Location"]
    code = location.split("/media-files/", 1)[1]
    assert code.endswith("_my_pic.png") and code.count("/") == 4
    assert fetch_product(hat).values["picture"] == [{"locale": None, "scope": None, "data": code}]
    body = api.get(location.replace("http://localhost", "")).get_json()
    assert body == {"code": code, "original_filename": "my pic.png", "mime_type": "image/png", "size": len(PNG),
                    "extension": "png", "_links": {"download": {"href": f"{location}/download"}}}


def test_upload_by_uuid(api, seeded_app):
    hat = make_product("hat")
    info = {"uuid": str(hat.uuid), "attribute": "notice", "locale": None, "scope": None}
    make_product("bag", family="bags")
    response = upload(api, product=info, file=(b"hello", "notice.txt"))
    assert response.status_code == 201, response.get_json()
    assert fetch_product(hat).values["notice"][0]["data"].endswith("_notice.txt")


def test_download_of_a_script_is_opaque_bytes(api, seeded_app):
    """A ``.js`` in a file attribute without an extension list downloads as application/octet-stream."""
    from pimconnect.models import Attribute
    from pimconnect.db import write_txn

    with db.connection_context(), write_txn():
        Attribute.update(allowed_extensions=[]).where(Attribute.code == "notice").execute()
    make_product("bag", family="bags")
    response = upload(api, product=product_info("bag", "notice"), file=(b"alert(1)", "x.js"))
    assert response.status_code == 201, response.get_json()
    location = response.headers["Location"].replace("http://localhost", "")
    download = api.get(f"{location}/download")
    assert download.status_code == 200 and download.get_data() == b"alert(1)"
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["Content-Disposition"] == 'attachment; filename="x.js"'
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_download_is_an_attachment_with_nosniff(api, seeded_app):
    make_product("hat")
    location = upload(api, product=product_info()).headers["Location"].replace("http://localhost", "")
    response = api.get(f"{location}/download")
    assert response.status_code == 200 and response.get_data() == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Disposition"] == 'attachment; filename="my pic.png"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    missing = api.get(f"{URL}/a/b/c/d/nope.png/download")
    assert missing.get_json() == {"code": 404, "message": 'Media file "a/b/c/d/nope.png" does not exist.'}


def test_list_and_get(api, seeded_app):
    make_product("hat")
    upload(api, product=product_info())
    upload(api, product=product_info(attribute="notice"), file=(b"text", "a.txt"))
    body = api.get(URL, query_string={"with_count": "true", "limit": 1}).get_json()
    assert body["items_count"] == 2 and body["current_page"] == 1 and "next" in body["_links"]
    item = body["_embedded"]["items"][0]
    assert list(item) == ["_links", "code", "original_filename", "mime_type", "size", "extension"]
    assert item["_links"] == {"self": {"href": f"http://localhost{URL}/{item['code']}"},
                              "download": {"href": f"http://localhost{URL}/{item['code']}/download"}}
    assert api.get(f"{URL}/nope").get_json() == {"code": 404, "message": 'Media file "nope" does not exist.'}
    assert api.get(URL, query_string={"pagination_type": "search_after"}).get_json()["message"] == (
        "Pagination type is not supported.")
    far = api.get(URL, query_string={"page": "9" * 30})
    assert far.status_code == 200 and far.get_json()["_embedded"]["items"] == []


@pytest.mark.parametrize("fields, file, status, message", [
    ({"product": product_info(), "product_model": {"code": "m"}}, (PNG, "a.png"), 422,
     'You should give either a "product" or a "product_model" key.'),
    ({}, (PNG, "a.png"), 422, 'You should at least give one of the following properties: "product" or "product_model".'),
    ({"product": "{nope"}, (PNG, "a.png"), 400, "Invalid json message received"),
    ({"product": [1]}, (PNG, "a.png"), 400, "Invalid json message received"),
    ({"product": '{"identifier": "\\ud800", "attribute": "picture", "locale": null, "scope": null}'}, (PNG, "a.png"),
     400, "Invalid json message received"),
    ({"product": "[" * 100_000}, (PNG, "a.png"), 400, "Invalid json message received"),
    ({"product": {"identifier": "hat"}}, (PNG, "a.png"), 422,
     'Product property must contain "identifier", "attribute", "locale" and "scope" properties.'),
    ({"product": product_info(identifier="nope")}, (PNG, "a.png"), 422, 'Product "nope" does not exist.'),
    ({"product": {"uuid": "x", "attribute": "picture", "locale": None, "scope": None}}, (PNG, "a.png"), 422,
     'Product "x" does not exist.'),
    ({"product_model": {"code": "m", "attribute": "picture", "locale": None, "scope": None}}, (PNG, "a.png"), 422,
     'Product model "m" does not exist.'),
    ({"product": product_info()}, None, 422, 'Property "file" is required.'),
    ({"product": product_info(attribute="nope")}, (PNG, "a.png"), 422, "The nope attribute does not exist in your PIM."),
    ({"product": product_info(attribute="name")}, (PNG, "a.png"), 422,
     "The name attribute is not an image or file attribute: it cannot hold a media file."),
    ({"product": product_info(locale="en_US")}, (PNG, "a.png"), 422,
     'Attribute "picture" does not expect a locale, "en_US" given.'),
])
def test_upload_refusals_write_nothing(api, seeded_app, fields, file, status, message):
    hat = make_product("hat")
    response = upload(api, file=file, **fields)
    assert response.status_code == status
    assert response.get_json() == {"code": status, "message": message}
    assert media_count() == 0 and fetch_product(hat).version == 1


def test_refused_file_is_a_validation_error(api, seeded_app):
    make_product("hat")
    response = upload(api, product=product_info(), file=(b"<svg onload=alert(1)>", "evil.png"))
    assert response.get_json() == {"code": 422, "message": "Validation failed.", "errors": [
        {"property": "values", "attribute": "picture", "locale": None, "scope": None,
         "message": "The file is not a valid image (PNG, JPEG, GIF or WebP expected)."}]}
    response = upload(api, product=product_info(), file=(PNG, "pic.exe"))
    assert response.get_json()["errors"][0]["message"].startswith("The file extension is not allowed")
    assert media_count() == 0


def test_upload_needs_multipart_and_the_edit_acl(api, api_as, seeded_app):
    make_product("hat")
    response = api.post(URL, json={"product": product_info()})
    assert response.status_code == 415
    reader = api_as(acls=["pim_api_overall_access", "pim_api_product_list"])
    refused = upload(reader, product=product_info())
    assert refused.get_json() == {"code": 403,
                                  "message": "Access forbidden. You are not allowed to create or update products."}
    writer = api_as(acls=["pim_api_overall_access", "pim_api_product_edit"])
    assert writer.get(URL).get_json() == {"code": 403,
                                          "message": "Access forbidden. You are not allowed to list products."}
    assert media_count() == 0
