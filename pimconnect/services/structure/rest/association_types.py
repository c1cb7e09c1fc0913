"""Association types for the REST API (§5.7): code, labels, and the two flags, fixed once created."""
from pimconnect.db import page_rows
from pimconnect.models import AssociationType
from pimconnect.models.structure import utcnow
from pimconnect.services.structure.rest.common import (
    CodedWrites,
    array_of_scalars,
    boolean,
    find_by_code,
    merge_labels,
    scalar,
)

CODE_MESSAGE = "Association code may contain only letters, numbers and underscores"
IMMUTABLE = "This property cannot be changed."
FLAGS = ("is_quantified", "is_two_way")
TYPES = {"code": scalar, "labels": array_of_scalars, "is_quantified": boolean, "is_two_way": boolean}


def _represent(row):
    """The reference's field order: code, labels, is_quantified, is_two_way."""
    return {"code": row.code, "labels": row.labels or {}, "is_quantified": row.is_quantified,
            "is_two_way": row.is_two_way}


def get_association_type(code):
    row = find_by_code(AssociationType, code)
    return _represent(row) if row else None


def list_association_types(page, limit, with_count=False):
    """One page of association types by code, and their count if asked."""
    rows = page_rows(AssociationType.select().order_by(AssociationType.code), page, limit)
    return [_represent(row) for row in rows], AssociationType.select().count() if with_count else None


def _write(row, code, data, errors):
    """Create the association type ``code`` (``row`` None) or update its labels; True when it created it."""
    flags = {flag: bool(data[flag]) for flag in FLAGS if flag in data}
    for flag, value in flags.items():
        if row is not None and value != getattr(row, flag):
            errors.add(flag, IMMUTABLE)
    labels = merge_labels(row.labels if row else {}, data.get("labels", {}), errors)
    errors.raise_any()
    if row is None:
        AssociationType.create(code=code, labels=labels, **flags)
        return True
    if labels != (row.labels or {}):
        AssociationType.update(labels=labels, updated=utcnow()).where(AssociationType.id == row.id).execute()
    return False


WRITES = CodedWrites(AssociationType, TYPES, CODE_MESSAGE, _write)
create_association_type, upsert_association_type = WRITES.create, WRITES.upsert
