"""Categories (§5.2): list in tree order with search and positions, get, create, upsert and batch upsert.

A category moves with a PATCH of its ``parent``.
"""
from pimconnect.api.params import parse_flag, parse_search
from pimconnect.api.resources import Resource, register
from pimconnect.services.structure.rest import categories as service


def _page(page, limit, with_count):
    """Categories in tree pre-order (each root, then its branch), filtered by ``search``."""
    return service.list_categories(parse_search(), page, limit, with_count, parse_flag("with_position"))


register(Resource(
    name="categories", path="/categories", acls=("pim_api_category_list", "pim_api_category_edit"),
    entities="categories", entity="Category", page=_page,
    get=lambda code: service.get_category(code, parse_flag("with_position")),
    create=service.create_category, upsert=service.upsert_category,
))
