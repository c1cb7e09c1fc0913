"""Attribute options (reference §5.4): only simple and multi select attributes have them.

Lists are sorted by code. On creation a body ``attribute`` / ``code`` must match the URL.
"""
from pimconnect.api.core import ApiError, not_found
from pimconnect.api.resources import Resource, check_body_code, find, register, rows_page
from pimconnect.models import Attribute, AttributeOption
from pimconnect.services.structure.rest.attributes import apply_option, option_json
from pimconnect.services.structure.attribute_types import SELECT_TYPES

ATTRIBUTE_MISMATCH = ('The attribute code "{body}" provided in the request body must match the attribute code '
                      '"{url}" provided in the url.')
OPTION_MISMATCH = ('The option code "{body}" provided in the request body must match the option code "{url}" '
                   'provided in the url.')


def select_attribute(attribute_code):
    """The select attribute of the URL; 404 when it does not exist or has no options."""
    attribute = find(Attribute, attribute_code)
    if attribute is None:
        raise not_found("Attribute", attribute_code)
    if attribute.type not in SELECT_TYPES:
        supported = '", "'.join(SELECT_TYPES)
        raise ApiError(404, f'Attribute "{attribute_code}" does not support options. '
                            f'Only attributes of type "{supported}" support options.')
    return attribute


def _page(attribute, page, limit, with_count):
    """The attribute's options sorted by code."""
    query = AttributeOption.select().where(AttributeOption.attribute == attribute)
    rows, count = rows_page(query, AttributeOption.code, page, limit, with_count)
    return [option_json(row, attribute.code) for row in rows], count


def _get(attribute, code):
    option = find(AttributeOption, code, attribute=attribute)
    if option is None:
        raise ApiError(404, f'Attribute option "{code}" does not exist or is not an option of the attribute '
                            f'"{attribute.code}".')
    return option_json(option, attribute.code)


def _create(attribute, data):
    check_body_code(attribute.code, data, "attribute", ATTRIBUTE_MISMATCH)
    return apply_option(attribute, None, data).code


def _upsert(attribute, code, data):
    """PATCH one option: update it, or create it with the URL's codes."""
    check_body_code(attribute.code, data, "attribute", ATTRIBUTE_MISMATCH)
    check_body_code(code, data, "code", OPTION_MISMATCH)
    option = find(AttributeOption, code, attribute=attribute)
    apply_option(attribute, option, {**data, "code": code})
    return option is None


register(Resource(
    name="attribute_options", path="/attributes/{attribute_code}/options",
    acls=("pim_api_attribute_option_list", "pim_api_attribute_option_edit"),
    entities="attribute options", entity="Attribute option", page=_page, get=_get, create=_create,
    upsert=_upsert, owner=select_attribute,
))
