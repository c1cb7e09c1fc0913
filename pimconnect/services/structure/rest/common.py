"""Reading REST bodies of catalog-structure resources as the reference does (§5, §2.1).

A body is read in two steps, like the reference's updaters then validators: first every property must be
known and of the right type (else a "documented" 422, raised as ``BodyError``), then the entity is
validated as a whole (the "Validation failed." 422 with every violation, raised as ``ValidationFailed``).
Labels merge per locale; codes, lists of codes and text are checked here once for every resource.
The API turns these refusals into its error bodies (``api.resources.api_refusals``).
"""
import dataclasses
import datetime
import re
from typing import Callable, Optional

from peewee import IntegrityError

from pimconnect.db import write_txn
from pimconnect.models import Locale
from pimconnect.services.documents import json_strings
from pimconnect.services.errors import ValidationFailed
from pimconnect.services.products.values import php_type

BLANK = "This value should not be blank."
USED = "This value is already used."
CODE_MAX = 100
LABEL_MAX = 100
LOOKUP_CHUNK = 500  # codes per IN (...) query: far below SQLite's and PostgreSQL's parameter limits
READ_ONLY = frozenset({"updated"})  # read-only timestamps clients send back with what they read: ignored
CODE_PATTERN = re.compile(r"[A-Za-z0-9_]+")
NUL = "This value should not contain the NUL character."
ATOM = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")


class BodyError(Exception):
    """A body refused before validation (unknown property, wrong type, unknown code it refers to): the
    reason of the reference's documented 422; the endpoint adds the suffix and its documentation link."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class Refused(Exception):
    """A plain ``{"code": status, "message": …}`` refusal."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class Violations(list):
    """The violations of one entity, in the reference's shape, without duplicates."""

    def add(self, prop, message):
        violation = {"property": prop, "message": message}
        if violation not in self:
            self.append(violation)

    def raise_any(self):
        if self:
            raise ValidationFailed(list(self))


# --- writes ---------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class CodedWrites:
    """The POST and PATCH of a structure resource keyed by code, around the resource's own
    ``write(row, code, data, errors)``.

    Both check the body alike (text the databases can store, known properties of the right types; the
    PATCH: the URL's code), then, in one transaction, find the row and check a new code (its pattern,
    not used yet) into ``errors`` (``Violations``) before calling ``write`` with the row to update (None:
    create it). A code another request created first (PostgreSQL's unique index) is the "already used"
    violation. ``after(result)`` runs after the commit on what ``write`` returned, and gives what the
    upsert answers (True when it created the resource).
    """

    model: type
    types: dict  # property -> type check, as check_properties takes them
    code_message: str
    write: Callable
    code_pattern: re.Pattern = CODE_PATTERN
    after: Optional[Callable] = None

    def create(self, data):
        """POST: create the resource of the body (its code must be new); returns its code."""
        check_encodable(data)
        check_properties(data, self.types)
        code = php_string(data.get("code"))
        self._save(code, data, create=True)
        return code

    def upsert(self, code, data):
        """PATCH: create (True) or update (False) the resource ``code``."""
        check_encodable(data)
        check_url_code(code, data)
        check_properties(data, self.types)
        return self._save(code, data, create=False)

    def _save(self, code, data, create):
        try:
            with write_txn():
                result = self._write(code, data, create)
        except IntegrityError:  # a concurrent request created the same code first (PostgreSQL)
            raise ValidationFailed([{"property": "code", "message": USED}]) from None
        return self.after(result) if self.after else result

    def _write(self, code, data, create):
        existing = find_by_code(self.model, code)
        row = None if create else existing
        errors = Violations()
        if row is None:
            check_code(code, errors, self.code_message, self.code_pattern)
            if existing is not None:
                errors.add("code", USED)
        return self.write(row, code, data, errors)


# --- text ---------------------------------------------------------------------------------------

def php_string(value):
    """A JSON scalar as the reference's PHP casts it to a string (``true`` -> "1", ``null`` -> "")."""
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    if isinstance(value, float):
        return ("%.14G" % value).replace("E+", "E")
    return str(value)


def is_storable(text):
    """Whether both databases can store ``text``: PostgreSQL refuses NUL characters, and no database
    can store a lone surrogate (which a JSON ``\\ud800`` escape decodes to)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_encodable(data):
    """Refuse a body holding a lone surrogate as the reference does: its JSON decoder rejects them."""
    if not all(is_storable(text.replace("\x00", "")) for text in json_strings(data)):
        raise Refused(400, "Invalid json message received")


def check_code(code, errors, pattern_message, pattern=CODE_PATTERN):
    """The reference's code constraints: not blank, its pattern, at most 100 characters."""
    if code == "":
        errors.add("code", BLANK)
        return
    if not pattern.fullmatch(code):
        errors.add("code", pattern_message)
    if len(code) > CODE_MAX:
        errors.add("code", f"This value is too long. It should have {CODE_MAX} characters or less.")


def check_url_code(code, data):
    """A ``code`` in the body must be the URL's (§5): a plain 422 otherwise."""
    body_code = data.get("code")
    if body_code is not None and body_code != code:
        raise Refused(422, f'The code "{php_string(body_code)}" provided in the request body must match the '
                           f'code "{code}" provided in the url.')


# --- types (the updaters' checks) ------------------------------------------------------------------

def scalar(field, value):
    if value is not None and isinstance(value, (dict, list)):
        raise BodyError(f'Property "{field}" expects a scalar as data, "{php_type(value)}" given.')


def boolean(field, value):
    if value is not None and not isinstance(value, bool):
        raise BodyError(f'Property "{field}" expects a boolean as data, "{php_type(value)}" given.')


def array_of_scalars(field, value):
    """An array (a JSON list or object) whose values are null or scalars."""
    if not isinstance(value, (dict, list)):
        raise BodyError(f'Property "{field}" expects an array as data, "{php_type(value)}" given.')
    for item in (value.values() if isinstance(value, dict) else value):
        if isinstance(item, (dict, list)):
            raise BodyError(f'Property "{field}" expects an array with valid data, '
                            f'one of the "{field}" values is not a scalar.')


def check_properties(data, types):
    """Every property must be known (``types``: field -> check) and of its type; read-only ones are skipped."""
    for field, value in data.items():
        if field in READ_ONLY:
            continue
        if field not in types:
            raise BodyError(f'Property "{field}" does not exist.')
        types[field](field, value)


def as_mapping(value):
    """An array property as a dict: a JSON list is the PHP array indexed 0, 1, …"""
    return value if isinstance(value, dict) else {str(i): item for i, item in enumerate(value)}


def code_list(value):
    """The codes of an array property, as strings, without duplicates, in order."""
    items = value.values() if isinstance(value, dict) else value
    return list(dict.fromkeys(php_string(item) for item in items))


# --- lookups ------------------------------------------------------------------------------------

def rows_by_code(query, field, codes):
    """{code: row} for the ``codes`` that exist, a few hundred codes per query whatever their number."""
    codes = [c for c in dict.fromkeys(codes) if is_storable(c)]
    found = {}
    for start in range(0, len(codes), LOOKUP_CHUNK):
        for row in query.where(field.in_(codes[start:start + LOOKUP_CHUNK])):
            found[getattr(row, field.name)] = row
    return found


def find_by_code(model, code):
    """The row of ``model`` with this code, or None (also for text no database could hold)."""
    return model.get_or_none(model.code == code) if is_storable(code) else None


# --- labels -------------------------------------------------------------------------------------

def merge_labels(current, patch, errors):
    """``current`` labels updated with ``patch`` ({locale: label}); a null or empty label removes it.

    Labels of locales that do not exist are refused (§5: ``labels`` keys are locale codes).
    """
    merged = dict(current or {})
    patch = as_mapping(patch)
    existing = {code for (code,) in Locale.select(Locale.code).tuples()}
    for locale, label in patch.items():
        if label is None or label == "":
            merged.pop(locale, None)
            continue
        label = php_string(label)
        if locale not in existing:
            errors.add("labels", f'The locale "{locale}" does not exist.')
        elif len(label) > LABEL_MAX:
            errors.add("labels", f"This value is too long. It should have {LABEL_MAX} characters or less.")
        elif not is_storable(label):
            errors.add("labels", NUL)
        else:
            merged[locale] = label
    return merged


# --- search values ------------------------------------------------------------------------------

def symfony_value(value):
    """A value as the reference's validator messages print it (``{{ value }}``)."""
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return "array"
    return php_string(value)


def parse_atom(value):
    """An ISO-8601 date-time with offset (``2019-06-09T12:00:00+02:00``) as naive UTC, or None."""
    if not isinstance(value, str) or not ATOM.fullmatch(value):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
