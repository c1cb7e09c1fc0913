"""Attribute options of simple and multi select attributes: listed, checked and written from a state
(the settings form and the REST API share ``write_option``), reordered, and deleted while no product
uses them (no request access)."""
from peewee import IntegrityError

from pimconnect.db import serialize, write_txn
from pimconnect.models import AttributeOption, ProductValue
from pimconnect.services.catalogs import validity
from pimconnect.services.errors import Invalid
from pimconnect.services.products.values import OPTIONS_LOCK
from pimconnect.services.structure.checks import (
    check_code,
    check_labels,
    check_sort_order,
    enabled_locales,
    next_sort_order,
    parse_labels,
    save_ordered,
)


def list_options(attribute):
    return attribute.options.order_by(AttributeOption.sort_order, AttributeOption.code)


def add_option(attribute, form):
    errors = {}
    labels = parse_labels(form, errors, enabled_locales())
    return write_option(attribute, None, {"code": (form.get("code") or "").strip(), "labels": labels}, errors)


def update_option(option, form):
    errors = {}
    labels = parse_labels(form, errors, enabled_locales())
    return write_option(option.attribute, option, {"labels": labels}, errors)


def write_option(attribute, option, state, errors=None):
    """Create (``option`` None) or update an option of ``attribute`` from ``state``: ``code`` (creation),
    ``labels`` and optionally ``sort_order`` (a new option goes last)."""
    errors = dict(errors or {})
    if option is None:
        check_code(state["code"], errors, AttributeOption.select().where(
            (AttributeOption.attribute == attribute) & (AttributeOption.code == state["code"])), "option")
    check_labels(state["labels"], errors)
    check_sort_order(state.get("sort_order"), errors)
    if errors:
        raise Invalid(errors)
    sort_order = state.get("sort_order")
    try:
        with write_txn():
            if option is None:
                if sort_order is None:
                    siblings = AttributeOption.select().where(AttributeOption.attribute == attribute)
                    sort_order = next_sort_order(siblings, AttributeOption.sort_order)
                return AttributeOption.create(attribute=attribute, code=state["code"], labels=state["labels"],
                                              sort_order=sort_order)
            option.labels = state["labels"]
            option.sort_order = option.sort_order if sort_order is None else sort_order
            AttributeOption.update(labels=option.labels, sort_order=option.sort_order).where(
                AttributeOption.id == option.id).execute()
            return option
    except IntegrityError:
        raise Invalid({"code": f'The option code "{state.get("code")}" is already used.'}) from None


def move_option(option, direction):
    with write_txn():
        rows = list_options(option.attribute)
        return save_ordered(rows, option, direction)


def option_in_use(option):
    """Whether a product value uses the option (a simple select's text, a multi select's key)."""
    code = option.code
    return ProductValue.select().where(
        (ProductValue.attribute == option.attribute_id)
        & ((ProductValue.text << [code, code.lower()]) | (ProductValue.key == code))
    ).exists()


def delete_option(option):
    """Delete an option no product uses. The check and the delete share one transaction that waits for
    every product write in progress (OPTIONS_LOCK): a product saved with the option meanwhile either
    committed first (the check sees it) or loads the options after the delete (and refuses it)."""
    with write_txn():
        serialize(OPTIONS_LOCK)
        if option_in_use(option):
            raise Invalid({"option": f'The option "{option.code}" is used by products and cannot be deleted.'})
        option.delete_instance()
        validity.recheck_after("attribute_option", [option.code])  # §6.3: in the deletion's transaction
