"""Attributes: searched, checked and written from a *state* (no request access).

An attribute is checked and written in one place (``write_attribute``) from its state: its properties
as plain typed values. The settings form and the REST API build that state their own way (form fields;
a JSON body merged into the stored properties) and share the rules. A state that cannot be saved raises
``Invalid`` with one message per property, before anything is written. What each type adds (its own
properties and their checks) is in ``attribute_types``.
"""
from peewee import IntegrityError, fn

from pimconnect.db import serialize, write_txn
from pimconnect.models import Attribute, AttributeGroup, AttributeRequirement, Channel, Family, ProductValue
from pimconnect.models.structure import utcnow
from pimconnect.services import jobs
from pimconnect.services.catalogs import validity
from pimconnect.services.errors import Invalid
from pimconnect.services.products import representation
from pimconnect.services.products.completeness import enqueue_recompute_family
from pimconnect.services.products.values import OPTIONS_LOCK
from pimconnect.services.structure.attribute_types import (
    IDENTIFIER,
    TYPE_SPECIFIC,
    TYPES,
    applies,
    form_type_specific,
    type_specific_values,
)
from pimconnect.services.structure.checks import (
    check_code,
    check_labels,
    check_sort_order,
    enabled_locales,
    is_on,
    parse_int,
    parse_labels,
)

STATE_FIELDS = ("code", "type", "group", "labels", "sort_order", "localizable", "scopable", "unique", "available_locales",
                "useable_as_grid_filter") + TYPE_SPECIFIC
IMMUTABLE = ("type", "localizable", "scopable", "unique", "metric_family")
CANNOT_CHANGE = "This property cannot be changed."


def search_attributes(q="", type_="", group="", page=1, per_page=50):
    """Attributes matching the search text (code or label), type and group; (rows, has_next)."""
    query = Attribute.select(Attribute, AttributeGroup).join(AttributeGroup)
    if q:
        query = query.where(Attribute.code.contains(q) | fn.LOWER(Attribute.labels.cast("text")).contains(q.lower()))
    if type_ in TYPES:
        query = query.where(Attribute.type == type_)
    if group:
        query = query.where(AttributeGroup.code == group)
    rows = list(query.order_by(Attribute.sort_order, Attribute.code).paginate(page, per_page + 1))
    return rows[:per_page], len(rows) > per_page


def identifier_exists():
    return Attribute.select().where(Attribute.type == IDENTIFIER).exists()


def new_attribute_state(code, type_):
    """The properties of a new attribute of ``type_`` before any is given."""
    state = dict.fromkeys(STATE_FIELDS)
    state.update(code=code, type=type_, labels={}, sort_order=0, localizable=False, scopable=False,
                 unique=type_ == IDENTIFIER, available_locales=[], useable_as_grid_filter=type_ == IDENTIFIER,
                 allowed_extensions=[])
    for flag in ("wysiwyg_enabled", "decimals_allowed", "negative_allowed"):
        if applies(flag, type_):
            state[flag] = False
    return state


def attribute_state(attribute):
    """The stored properties of ``attribute`` (its group as a code)."""
    state = {name: getattr(attribute, name) for name in STATE_FIELDS if name != "group"}
    state["group"] = AttributeGroup.get_by_id(attribute.group_id).code
    state["labels"] = dict(attribute.labels or {})
    state["available_locales"] = list(attribute.available_locales or [])
    state["allowed_extensions"] = list(attribute.allowed_extensions or [])
    return state


def save_attribute(attribute, form, type_=None):
    """Create an attribute of ``type_`` (``attribute`` None) or update one from the settings form."""
    type_ = attribute.type if attribute else type_
    if type_ not in TYPES:
        raise Invalid({"type": "Choose a valid attribute type."})
    errors = {}
    state = attribute_state(attribute) if attribute else new_attribute_state((form.get("code") or "").strip(), type_)
    state.update(_form_common(form, errors, type_, creating=attribute is None))
    state.update(form_type_specific(form, errors, type_, creating=attribute is None))
    return write_attribute(attribute, state, errors)


def _form_common(form, errors, type_, creating):
    """Labels, group, order, grid filter, locale specificity; the immutable flags only on creation.
    The identifier's flags are fixed: unique, always a grid filter, neither localizable nor scopable."""
    fixed = type_ == IDENTIFIER
    values = {"labels": parse_labels(form, errors, enabled_locales()), "group": (form.get("group") or ""),
              "sort_order": parse_int(form, errors, "sort_order", default=0),
              "useable_as_grid_filter": fixed or is_on(form, "useable_as_grid_filter"),
              "available_locales": [] if fixed else sorted({code for code in form.getlist("available_locales") if code})}
    if creating:
        values["localizable"] = not fixed and is_on(form, "localizable")
        values["scopable"] = not fixed and is_on(form, "scopable")
        values["unique"] = fixed or (applies("unique", type_) and is_on(form, "unique"))
    return values


def write_attribute(attribute, state, errors=None):
    """Create (``attribute`` None) or update an attribute from ``state``; return it.

    Moving the attribute to another group updates both groups (their attribute lists changed). A
    change of the locales a locale-specific attribute is available in changes which values count for
    completeness: the write queues the recompute of the families requiring the attribute.
    """
    errors = dict(errors or {})
    values = _checked_values(attribute, state, errors)
    if errors:
        raise Invalid(errors)
    before = list(attribute.available_locales or []) if attribute else None
    try:
        with write_txn():
            if attribute is None:
                attribute = Attribute.create(**values)
            else:
                old_group = attribute.group_id
                shown_otherwise = bool(values.get("decimals_allowed", attribute.decimals_allowed)) != bool(
                    attribute.decimals_allowed)
                for name, value in values.items():
                    setattr(attribute, name, value)
                attribute.updated = utcnow()
                attribute.save()
                if old_group != attribute.group_id:
                    AttributeGroup.update(updated=attribute.updated).where(
                        AttributeGroup.id.in_([old_group, attribute.group_id])).execute()
                if before != values["available_locales"]:
                    _enqueue_requiring_families(attribute)
                if shown_otherwise:  # the API shows its amounts otherwise: the stored text is stale
                    serialize(OPTIONS_LOCK)  # no product write in progress renders with the old rule
                    representation.forget_attribute(attribute.id)
    except IntegrityError:
        raise Invalid({"code": "This attribute could not be saved: its code is already used."}) from None
    jobs.kick()
    return attribute


def delete_attribute(attribute):
    """Delete an attribute no product has a value for, with its options, family links and requirements.

    As with families and options, PIM Connect refuses to delete what products use rather than rewrite
    their documents. The identifier and a family's label or image attribute stay. Inside the same
    transaction: the families that required it get their completeness recomputed (queued), channels
    forget its conversion unit, and the enabled catalogs it breaks are disabled (catalogs §6.3). The
    check waits for every product write in progress (OPTIONS_LOCK, which each holds shared), so a
    product saved with a value meanwhile is either seen or refused once the attribute is gone.
    """
    code = attribute.code
    if attribute.type == IDENTIFIER:
        raise Invalid({"attribute": "The identifier attribute cannot be deleted."})
    with write_txn():
        serialize(OPTIONS_LOCK)
        if ProductValue.select().where(ProductValue.attribute == attribute.id).exists():
            raise Invalid({"attribute": f'The attribute "{code}" is used by products and cannot be deleted.'})
        families = [f.code for f in Family.select(Family.code).where(
            (Family.attribute_as_label == attribute.id) | (Family.attribute_as_image == attribute.id))
            .order_by(Family.code)]
        if families:
            raise Invalid({"attribute": f'The attribute "{code}" is the label or image of the family '
                                        f'{", ".join(families)} and cannot be deleted.'})
        _enqueue_requiring_families(attribute)
        for channel in Channel.select():  # a handful
            if code in (channel.conversion_units or {}):
                channel.conversion_units = {k: v for k, v in channel.conversion_units.items() if k != code}
                channel.save()
        Attribute.delete().where(Attribute.id == attribute.id).execute()  # options, links, requirements cascade
        validity.recheck_after("attribute", [code])
    jobs.kick()


def _enqueue_requiring_families(attribute):
    """Queue the recompute of the families that require ``attribute`` (inside the write transaction)."""
    requiring = Family.select().where(Family.id.in_(
        AttributeRequirement.select(AttributeRequirement.family).where(AttributeRequirement.attribute == attribute)))
    for family in requiring:
        enqueue_recompute_family(family)


def _checked_values(attribute, state, errors):
    """The model's column values for ``state``, or messages in ``errors``."""
    type_ = attribute.type if attribute else state["type"]
    if attribute is not None:
        for name in IMMUTABLE:
            if state[name] != getattr(attribute, name):
                errors.setdefault(name, CANNOT_CHANGE)
    if type_ not in TYPES:
        errors.setdefault("type", "Choose a valid attribute type.")
        return {}
    values = {}
    if attribute is None:
        check_code(state["code"], errors, Attribute.select().where(Attribute.code == state["code"]), "attribute")
        if type_ == IDENTIFIER and identifier_exists():
            errors.setdefault("type", "An identifier attribute already exists: there can only be one.")
        values.update(code=state["code"], type=type_, localizable=state["localizable"], scopable=state["scopable"],
                      unique=state["unique"])
    values.update(_common_values(state, errors, type_))
    values.update(type_specific_values(state, errors, type_))
    return values


def _common_values(state, errors, type_):
    """Labels, group, order, grid filter, locale specificity, and the flags fixed by the type."""
    check_labels(state["labels"], errors)
    group = AttributeGroup.get_or_none(AttributeGroup.code == state["group"]) if state["group"] else None
    if group is None:
        errors.setdefault("group", "Choose the attribute group.")
    check_sort_order(state["sort_order"], errors)
    unknown = sorted(set(state["available_locales"]) - set(enabled_locales()))
    if unknown:
        errors.setdefault("available_locales", f"These locales are not enabled: {', '.join(unknown)}.")
    if type_ == IDENTIFIER:
        if state["available_locales"]:
            errors.setdefault("available_locales", "This attribute cannot have available locales.")
        if not state["useable_as_grid_filter"]:
            errors.setdefault("useable_as_grid_filter", "The identifier attribute is always usable as a grid filter.")
        for flag in ("localizable", "scopable"):
            if state[flag]:
                errors.setdefault(flag, "The identifier attribute can be neither localizable nor scopable.")
        if not state["unique"]:
            errors.setdefault("unique", "This attribute type must be unique")
    elif state["unique"] and not applies("unique", type_):
        errors.setdefault("unique", "This attribute type can't have unique value")
    return {"labels": state["labels"], "group": group, "sort_order": state["sort_order"],
            "useable_as_grid_filter": bool(state["useable_as_grid_filter"]),
            "available_locales": sorted(set(state["available_locales"]))}
