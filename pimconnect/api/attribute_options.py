"""Attribute options (reference §5.4): only simple and multi select attributes have them.

Lists are sorted by code. On creation a body ``attribute`` / ``code`` must match the URL.
"""
from flask import jsonify

from pimconnect.api import bp
from pimconnect.api.attributes import check_body_code, find, list_params, page_of, write_or_refuse
from pimconnect.api.core import (
    COLLECTION_TYPE,
    ApiError,
    api_view,
    created,
    json_object_body,
    not_found,
    offset_page,
    updated,
    with_self_link,
)
from pimconnect.models import Attribute, AttributeOption
from pimconnect.services.api_attributes import apply_option, option_json
from pimconnect.services.api_structure_common import batch_upsert, decoded
from pimconnect.services.structure_attributes import SELECT_TYPES

ATTRIBUTE_MISMATCH = ('The attribute code "{body}" provided in the request body must match the attribute code '
                      '"{url}" provided in the url.')
OPTION_MISMATCH = ('The option code "{body}" provided in the request body must match the option code "{url}" '
                   'provided in the url.')


def base(attribute_code):
    return f"/api/rest/v1/attributes/{attribute_code}/options"


def select_attribute(code):
    """The select attribute of the URL; 404 when it does not exist or has no options."""
    attribute = find(Attribute, code)
    if attribute is None:
        raise not_found("Attribute", code)
    if attribute.type not in SELECT_TYPES:
        supported = '", "'.join(SELECT_TYPES)
        raise ApiError(404, f'Attribute "{code}" does not support options. '
                            f'Only attributes of type "{supported}" support options.')
    return attribute


@bp.get("/attributes/<attribute_code>/options")
@api_view("pim_api_attribute_option_list", "attribute options")
def attribute_options_list(attribute_code):
    """The attribute's options sorted by code."""
    attribute = select_attribute(attribute_code)
    page, limit, with_count = list_params()
    query = AttributeOption.select().where(AttributeOption.attribute == attribute)
    rows = page_of(query.order_by(AttributeOption.code), page, limit)
    items = [with_self_link(f"{base(attribute.code)}/{row.code}", option_json(row, attribute.code)) for row in rows]
    return offset_page(items, page, limit, count=query.count() if with_count else None)


@bp.get("/attributes/<attribute_code>/options/<code>")
@api_view("pim_api_attribute_option_list", "attribute options")
def attribute_options_get(attribute_code, code):
    attribute = select_attribute(attribute_code)
    option = find(AttributeOption, code, attribute=attribute)
    if option is None:
        raise ApiError(404, f'Attribute option "{code}" does not exist or is not an option of the attribute '
                            f'"{attribute_code}".')
    return jsonify(option_json(option, attribute.code))


@bp.post("/attributes/<attribute_code>/options")
@api_view("pim_api_attribute_option_edit", "attribute options")
def attribute_options_create(attribute_code):
    attribute = select_attribute(attribute_code)
    data = decoded(json_object_body)
    check_body_code(attribute_code, data, "attribute", ATTRIBUTE_MISMATCH)
    option = write_or_refuse("post_attributes__attribute_code__options", apply_option, attribute, None, data)
    return created(f"{base(attribute.code)}/{option.code}")


def upsert_option(attribute_code, code, data):
    """PATCH one option: update it, or create it with the URL's codes; 201 or 204."""
    attribute = select_attribute(attribute_code)
    check_body_code(attribute_code, data, "attribute", ATTRIBUTE_MISMATCH)
    check_body_code(code, data, "code", OPTION_MISMATCH)
    option = find(AttributeOption, code, attribute=attribute)
    anchor = "patch_attributes__attribute_code__options__code_"
    write_or_refuse(anchor, apply_option, attribute, option, {**data, "code": code})
    return 204 if option else 201


@bp.patch("/attributes/<attribute_code>/options/<code>")
@api_view("pim_api_attribute_option_edit", "attribute options")
def attribute_options_upsert(attribute_code, code):
    status = upsert_option(attribute_code, code, decoded(json_object_body))
    return (created if status == 201 else updated)(f"{base(attribute_code)}/{code}")


@bp.patch("/attributes/<attribute_code>/options")
@api_view("pim_api_attribute_option_edit", "attribute options", content_type=COLLECTION_TYPE)
def attribute_options_batch(attribute_code):
    return batch_upsert(lambda code, data: upsert_option(attribute_code, code, data))
