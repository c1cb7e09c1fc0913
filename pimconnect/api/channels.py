"""Channels (§5.8): list, get, create, upsert and batch upsert."""
from flask import jsonify

from pimconnect.api import bp
from pimconnect.api.core import (
    COLLECTION_TYPE,
    api_view,
    created,
    json_object_body,
    not_found,
    offset_page,
    parse_limit,
    parse_page,
    parse_pagination_type,
    parse_with_count,
    updated,
    with_self_link,
)
from pimconnect.services import api_structure_channels as service
from pimconnect.services.api_structure_common import api_refusals, batch_upsert

PATH = "/api/rest/v1/channels"


@bp.get("/channels")
@api_view("pim_api_channel_list", "channels")
def channels_list():
    parse_pagination_type()
    limit, page, with_count = parse_limit(), parse_page(), parse_with_count()
    items, count = service.list_channels(page, limit, with_count)
    return offset_page([with_self_link(f"{PATH}/{item['code']}", item) for item in items], page, limit, count)


@bp.get("/channels/<code>")
@api_view("pim_api_channel_list", "channels")
def channels_get(code):
    channel = service.get_channel(code)
    if channel is None:
        raise not_found("Channel", code)
    return jsonify(channel)


@bp.post("/channels")
@api_view("pim_api_channel_edit", "channels")
def channels_create():
    data = json_object_body()
    with api_refusals("post_channels"):
        code = service.create_channel(data)
    return created(f"{PATH}/{code}")


def _upsert(code, data):
    with api_refusals("patch_channels__code_"):
        return 201 if service.upsert_channel(code, data) else 204


@bp.patch("/channels/<code>")
@api_view("pim_api_channel_edit", "channels")
def channels_upsert(code):
    """Create or update one channel; new locales or currencies recompute the completeness."""
    status = _upsert(code, json_object_body())
    return (created if status == 201 else updated)(f"{PATH}/{code}")


@bp.patch("/channels")
@api_view("pim_api_channel_edit", "channels", content_type=COLLECTION_TYPE)
def channels_batch():
    """Upsert up to 100 channels, one JSON object per line, each in its own transaction."""
    return batch_upsert(_upsert)
