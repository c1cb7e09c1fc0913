"""The checks and form readers every structure entity (attribute group, attribute, option, family)
shares: codes, labels, sort orders, whole numbers and check boxes, and moving a row up or down a list."""
import re

from peewee import fn

from pimconnect.models import Locale

CODE_RE = re.compile(r"\A[A-Za-z0-9_]+\Z")  # \Z: "$" would let a final newline through
RESERVED_CODES = {"id", "uuid", "associations", "categories", "category", "completeness", "enabled", "family",
                  "groups", "parent", "scope", "values", "attributes", "entity_type", "label", "products"}
MAX_SORT_ORDER = 2**31 - 1  # the database INTEGER


def enabled_locales():
    return [row.code for row in Locale.select(Locale.code).where(Locale.enabled == True).order_by(Locale.code)]  # noqa: E712


def is_on(form, name):
    return form.get(name) in ("1", "on", "true", "yes")


def check_code(code, errors, taken_query, what):
    """A new code: letters, digits and underscores, not reserved, not used yet."""
    if not code:
        errors.setdefault("code", "The code is required.")
    elif len(code) > 100 or not CODE_RE.match(code) or code.isdigit():
        errors.setdefault("code", "The code may only contain letters, digits and underscores (at most 100 characters).")
    elif code.lower() in RESERVED_CODES:
        errors.setdefault("code", f'The code "{code}" is reserved.')
    elif taken_query.exists():
        errors.setdefault("code", f'The {what} code "{code}" is already used.')


def parse_labels(form, errors, locales):
    """{locale: label} for each enabled locale with a non-empty label."""
    labels = {}
    for locale in locales:
        label = (form.get(f"label-{locale}") or "").strip()
        if len(label) > 255:
            errors[f"label-{locale}"] = "A label has at most 255 characters."
        elif label:
            labels[locale] = label
    return labels


def check_labels(labels, errors):
    """Labels given as data: each for an enabled locale, at most 255 characters."""
    enabled = set(enabled_locales()) if labels else set()
    for locale, label in labels.items():
        if locale not in enabled:
            errors.setdefault("labels", f'The locale "{locale}" does not exist or is not activated.')
        elif len(label) > 255:
            errors.setdefault("labels", "A label has at most 255 characters.")


def check_sort_order(value, errors):
    if value is not None and not 0 <= value <= MAX_SORT_ORDER:
        errors.setdefault("sort_order", f"Enter a number between 0 and {MAX_SORT_ORDER}.")


def parse_int(form, errors, name, minimum=0, maximum=None, default=None):
    raw = (form.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors[name] = "Enter a whole number."
        return default
    if value < minimum or (maximum is not None and value > maximum):
        errors[name] = f"Enter a number between {minimum} and {maximum}." if maximum else f"Enter a number of at least {minimum}."
    return value


def save_ordered(rows, moved, direction):
    """Move ``moved`` one place up or down among ``rows`` and renumber their sort_order from 0."""
    rows = list(rows)
    ids = [row.id for row in rows]
    index = ids.index(moved.id)
    target = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= target < len(rows):
        return False
    rows[index], rows[target] = rows[target], rows[index]
    for position, row in enumerate(rows):
        if row.sort_order != position:
            type(row).update(sort_order=position).where(type(row).id == row.id).execute()
    return True


def next_sort_order(query, column):
    """The sort order after the last of ``query``'s rows (0 for the first)."""
    last = query.select(fn.MAX(column)).scalar()
    return (last + 1) if last is not None else 0
