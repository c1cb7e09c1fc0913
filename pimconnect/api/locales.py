"""Locales and currencies: read-only (``enabled`` = used by at least one channel)."""
from flask import jsonify

from pimconnect.api import bp
from pimconnect.api.core import (
    ApiError,
    api_view,
    not_found,
    offset_page,
    page_rows,
    parse_limit,
    parse_page,
    parse_pagination_type,
    parse_search,
    parse_with_count,
    unsupported_filter,
    with_self_link,
)
from pimconnect.models import Currency, Locale
from pimconnect.services.api_structure_common import find_by_code


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


def _list(model, path):
    parse_pagination_type()
    limit, page, with_count = parse_limit(), parse_page(), parse_with_count()
    query = _enabled_filter(model.select(), model, parse_search()).order_by(model.code)
    rows = page_rows(query, page, limit)
    items = [with_self_link(f"{path}/{row.code}", {"code": row.code, "enabled": row.enabled}) for row in rows]
    return offset_page(items, page, limit, count=query.count() if with_count else None)


@bp.get("/locales")
@api_view("pim_api_locale_list", "locales")
def locales_list():
    return _list(Locale, "/api/rest/v1/locales")


@bp.get("/locales/<code>")
@api_view("pim_api_locale_list", "locales")
def locales_get(code):
    locale = find_by_code(Locale, code)
    if locale is None:
        raise not_found("Locale", code)
    return jsonify({"code": locale.code, "enabled": locale.enabled})


@bp.get("/currencies")
@api_view("pim_api_currency_list", "currencies")
def currencies_list():
    return _list(Currency, "/api/rest/v1/currencies")


@bp.get("/currencies/<code>")
@api_view("pim_api_currency_list", "currencies")
def currencies_get(code):
    currency = find_by_code(Currency, code)
    if currency is None:
        raise not_found("Currency", code)
    return jsonify({"code": currency.code, "enabled": currency.enabled})
