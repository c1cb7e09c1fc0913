"""Channels for the REST API (§5.8): read them, and create or update them through the web UI's channel
store, which recomputes completeness when a channel's locales or currencies change."""
import re

from pimconnect.db import page_rows
from pimconnect.models import Attribute, Category, Channel, Currency, Locale, MeasurementFamily, MeasurementUnit
from pimconnect.services.structure import settings
from pimconnect.services.structure.rest.common import (
    BLANK,
    BodyError,
    CodedWrites,
    array_of_scalars,
    as_mapping,
    code_list,
    find_by_code,
    merge_labels,
    php_string,
    rows_by_code,
    scalar,
)
from pimconnect.services import jobs
from pimconnect.services.products.completeness import enqueue_recompute_all

CODE_PATTERN = re.compile(r"[a-zA-Z0-9_]*[a-zA-Z]+[a-zA-Z0-9_]*")
CODE_MESSAGE = ("Channel code may contain only letters, numbers and underscores and should contain at least "
                "one letter")
AT_LEAST_ONE = "This collection should contain 1 element or more."
TYPES = {"code": scalar, "currencies": array_of_scalars, "locales": array_of_scalars, "category_tree": scalar,
         "conversion_units": array_of_scalars, "labels": array_of_scalars}


def _represent(data):
    """The reference's field order: code, currencies, locales, category_tree, conversion_units, labels."""
    return {field: data[field] for field in TYPES}


def get_channel(code):
    channel = find_by_code(Channel, code)
    return _represent(settings.channel_data(channel)) if channel else None


def list_channels(page, limit, with_count=False):
    """One page of channels by code (four queries whatever the page size) and their count if asked."""
    rows = page_rows(Channel.select().order_by(Channel.code), page, limit)
    items = [_represent(data) for data in settings.channels_data(rows)] if rows else []
    return items, Channel.select().count() if with_count else None


def _after_commit(result):
    """Wake the job worker for a recompute ``_write`` queued (as the web UI does); return ``created``."""
    created, _changed = result
    jobs.kick()
    return created


def _write(channel, code, data, errors):
    """Create the channel ``code`` (``channel`` None) or update it: (created, locales or currencies changed)."""
    current = settings.channel_data(channel) if channel else {"labels": {}, "locales": [], "currencies": []}
    tree = _tree(data, channel)
    locales = _linked(data, "locales", Locale, current["locales"], "The locale does not exist")
    currencies = _linked(data, "currencies", Currency, current["currencies"], "The currency does not exist")
    units = current.get("conversion_units", {})
    if "conversion_units" in data:  # replaced, not merged, as the reference's channel updater does
        units = {attribute: php_string(unit) for attribute, unit in as_mapping(data["conversion_units"]).items()
                 if unit not in (None, "")}
    labels = merge_labels(current["labels"], data.get("labels", {}), errors)
    _validate(tree, locales, currencies, units, errors)
    errors.raise_any()
    _, changed = settings.store_channel(channel, code, labels, tree, locales, currencies, units)
    if changed:
        enqueue_recompute_all(f"channel {code}")
    return channel is None, changed


def _tree(data, channel):
    if "category_tree" not in data:
        return channel.category_tree if channel else None
    value = data["category_tree"]
    if value in (None, ""):
        return None
    tree = find_by_code(Category, php_string(value))
    if tree is None:
        raise BodyError('Property "category_tree" expects a valid code. The category does not exist, '
                        f'"{php_string(value)}" given.')
    return tree


def _linked(data, field, model, current_codes, because):
    """The locales or currencies the channel ends with (the body's list replaces the current one)."""
    codes = code_list(data[field]) if field in data else current_codes
    rows = rows_by_code(model.select(), model.code, codes)
    for code in codes:
        if code not in rows:
            raise BodyError(f'Property "{field}" expects a valid code. {because}, "{code}" given.')
    return [rows[code] for code in codes]


def _validate(tree, locales, currencies, units, errors):
    """The reference's channel constraints; a channel's category violation is reported as ``category_tree``."""
    if tree is None:
        errors.add("category_tree", BLANK)
    elif tree.parent_id is not None:
        errors.add("category_tree", f'The category "{tree.code}" has to be a root category.')
    if not currencies:
        errors.add("currencies", AT_LEAST_ONE)
    for currency in currencies:
        if not currency.enabled:
            errors.add("currencies", f'The currency "{currency.code}" has to be activated.')
    if not locales:
        errors.add("locales", AT_LEAST_ONE)
    _validate_units(units, errors)


def _validate_units(units, errors):
    """Each conversion unit maps a metric attribute to a unit of its measurement family."""
    attributes = rows_by_code(Attribute.select(), Attribute.code, list(units))
    families = {a.metric_family for a in attributes.values() if a.metric_family}
    known = set(MeasurementUnit.select(MeasurementFamily.code, MeasurementUnit.code).join(MeasurementFamily)
                .where(MeasurementFamily.code.in_(list(families))).tuples()) if families else set()
    for code, unit in units.items():
        attribute = attributes.get(code)
        if attribute is None:
            errors.add("conversion_units", f'The attribute "{code}" does not exist.')
        elif attribute.type != "pim_catalog_metric":
            errors.add("conversion_units", f'The attribute "{code}" is not a metric attribute.')
        elif (attribute.metric_family, unit) not in known:
            errors.add("conversion_units", f'The unit "{unit}" does not exist or does not belong to the default '
                                           f'metric family of the given attribute "{code}".')


WRITES = CodedWrites(Channel, TYPES, CODE_MESSAGE, _write, CODE_PATTERN, after=_after_commit)
create_channel, upsert_channel = WRITES.create, WRITES.upsert
