"""Locales and currencies: read-only (``enabled`` = used by at least one channel)."""
from pimconnect.api.core import ApiError, unsupported_filter
from pimconnect.api.params import parse_search
from pimconnect.api.resources import Resource, register, rows_page
from pimconnect.models import Currency, Locale
from pimconnect.services.structure.rest.common import find_by_code


def _enabled_filter(query, model, search):
    """The one filter these lists take: ``{"enabled": [{"operator": "=", "value": true}]}``."""
    for key, criteria in search.items():
        for criterion in criteria:
            if key != "enabled" or criterion["operator"] != "=":
                raise unsupported_filter(key, criterion["operator"])
            if not isinstance(criterion.get("value"), bool):
                raise ApiError(422, 'Filter "enabled" expects a boolean value.')
            query = query.where(model.enabled == criterion["value"])
    return query


def _document(row):
    return {"code": row.code, "enabled": row.enabled}


def _read_only(model, name, entity):
    """The list (sorted by code, filtered on ``enabled``) and the get of ``model``."""

    def page(page, limit, with_count):
        rows, count = rows_page(_enabled_filter(model.select(), model, parse_search()), model.code, page, limit,
                                with_count)
        return [_document(row) for row in rows], count

    def get(code):
        row = find_by_code(model, code)
        return _document(row) if row else None

    singular = entity.lower()
    return Resource(name=name, path=f"/{name}", acls=(f"pim_api_{singular}_list", None), entities=name,
                    entity=entity, page=page, get=get)


register(_read_only(Locale, "locales", "Locale"))
register(_read_only(Currency, "currencies", "Currency"))
