"""Association types for the REST API (§5.7): code, labels, and the two flags, fixed once created."""
from peewee import IntegrityError

from pimconnect.api.core import page_rows
from pimconnect.db import write_txn
from pimconnect.models import AssociationType
from pimconnect.models.catalog import utcnow
from pimconnect.services.api_structure_common import (
    ValidationFailed,
    Violations,
    array_of_scalars,
    boolean,
    check_code,
    check_encodable,
    check_properties,
    check_url_code,
    find_by_code,
    merge_labels,
    php_string,
    scalar,
)

CODE_MESSAGE = "Association code may contain only letters, numbers and underscores"
USED = "This value is already used."
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


def create_association_type(data):
    """POST: create the association type of the body (its code must be new); returns its code."""
    check_encodable(data)
    check_properties(data, TYPES)
    code = php_string(data.get("code"))
    _upsert(code, data, create=True)
    return code


def upsert_association_type(code, data):
    """PATCH: create (True) or update (False) the association type ``code``."""
    check_encodable(data)
    check_url_code(code, data)
    check_properties(data, TYPES)
    return _upsert(code, data, create=False)


def _upsert(code, data, create):
    try:
        with write_txn():
            return _write(code, data, create)
    except IntegrityError:  # a concurrent request created the same code first (PostgreSQL)
        raise ValidationFailed([{"property": "code", "message": USED}]) from None


def _write(code, data, create):
    existing = find_by_code(AssociationType, code)
    row = None if create else existing
    errors = Violations()
    if row is None:
        check_code(code, errors, CODE_MESSAGE)
        if existing is not None:
            errors.add("code", USED)
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
