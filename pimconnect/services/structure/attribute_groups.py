"""Attribute groups: listed in display order, checked and written from a state (the settings form and
the REST API share ``write_group``), reordered, and deleted once empty (no request access)."""
from peewee import JOIN, IntegrityError, fn

from pimconnect.db import write_txn
from pimconnect.models import Attribute, AttributeGroup
from pimconnect.models.structure import utcnow
from pimconnect.services.access import group_permissions
from pimconnect.services.errors import Invalid
from pimconnect.services.structure.checks import (
    check_code,
    check_labels,
    check_sort_order,
    enabled_locales,
    next_sort_order,
    parse_labels,
    save_ordered,
)

DEFAULT_GROUP = "other"  # where attributes removed from a group go (the reference's default group)


def list_groups():
    """Every group in display order, with ``attribute_count``."""
    return (AttributeGroup.select(AttributeGroup, fn.COUNT(Attribute.id).alias("attribute_count"))
            .join(Attribute, JOIN.LEFT_OUTER).group_by(AttributeGroup.id)
            .order_by(AttributeGroup.sort_order, AttributeGroup.id))


def save_group(group, form):
    """Create (``group`` None) or update a group's labels from the settings form; return the group."""
    errors = {}
    labels = parse_labels(form, errors, enabled_locales())
    return write_group(group, {"code": (form.get("code") or "").strip(), "labels": labels}, errors)


def write_group(group, state, errors=None):
    """Create (``group`` None) or update a group from ``state``: ``code`` (creation), ``labels``, and
    optionally ``sort_order`` (a new group goes last) and ``attributes`` (the codes it holds: those it
    loses go to the default group)."""
    errors = dict(errors or {})
    code = group.code if group else state["code"]
    if group is None:
        check_code(code, errors, AttributeGroup.select().where(AttributeGroup.code == code), "attribute group")
    check_labels(state["labels"], errors)
    check_sort_order(state.get("sort_order"), errors)
    codes = state.get("attributes")
    if codes is not None:
        _check_group_attributes(group, codes, errors)
    if errors:
        raise Invalid(errors)
    try:
        with write_txn():
            if group is None:
                sort_order = state.get("sort_order")
                if sort_order is None:
                    sort_order = next_sort_order(AttributeGroup.select(), AttributeGroup.sort_order)
                group = AttributeGroup.create(code=code, labels=state["labels"], sort_order=sort_order)
                group_permissions.attribute_group_created(group)
            else:
                group.labels, group.updated = state["labels"], utcnow()
                if state.get("sort_order") is not None:
                    group.sort_order = state["sort_order"]
                group.save()
            if codes is not None:
                _move_attributes(group, codes)
            return group
    except IntegrityError:
        raise Invalid({"code": f'The attribute group code "{code}" is already used.'}) from None


def _check_group_attributes(group, codes, errors):
    found = {code for (code,) in Attribute.select(Attribute.code).where(Attribute.code.in_(codes)).tuples()}
    unknown = sorted(set(codes) - found)
    if unknown:
        errors.setdefault("attributes", f"Unknown attributes: {', '.join(unknown)}.")
    elif group is not None and group.code != DEFAULT_GROUP:
        leaving = Attribute.select().where((Attribute.group == group) & Attribute.code.not_in(codes))
        if leaving.exists() and not AttributeGroup.select().where(AttributeGroup.code == DEFAULT_GROUP).exists():
            errors.setdefault("attributes", f'Attributes cannot leave the group: the default group "{DEFAULT_GROUP}" '
                                            "that would take them does not exist.")


def _move_attributes(group, codes):
    """Put the attributes ``codes`` in ``group``; the others it held go to the default group (whose own
    list cannot be changed, as in the reference). Every group that gains or loses one is updated."""
    if group.code == DEFAULT_GROUP:
        return
    now = utcnow()
    moving_in = Attribute.code.in_(codes) & (Attribute.group != group)
    arriving = Attribute.select(Attribute.id, Attribute.group).where(moving_in)
    leaving = Attribute.select(Attribute.id).where((Attribute.group == group) & Attribute.code.not_in(codes))
    touched = {row.group_id for row in arriving}
    leaving_ids = [row.id for row in leaving]
    if leaving_ids:
        default = AttributeGroup.get(AttributeGroup.code == DEFAULT_GROUP)
        Attribute.update(group=default, updated=now).where(Attribute.id.in_(leaving_ids)).execute()
        touched.add(default.id)
    if touched:
        Attribute.update(group=group, updated=now).where(moving_in).execute()
        AttributeGroup.update(updated=now).where(AttributeGroup.id.in_(list(touched))).execute()


def move_group(group, direction):
    with write_txn():
        rows = AttributeGroup.select().order_by(AttributeGroup.sort_order, AttributeGroup.id)
        return save_ordered(rows, group, direction)


def delete_group(group):
    """Delete an empty group; refuse one that still holds attributes."""
    count = Attribute.select().where(Attribute.group == group).count()
    if count:
        raise Invalid({"group": f'The attribute group "{group.code}" still holds {count} attribute(s): '
                                f"move them to another group before deleting it."})
    try:
        with write_txn():
            group.delete_instance()
    except IntegrityError:
        raise Invalid({"group": f'The attribute group "{group.code}" is not empty.'}) from None
