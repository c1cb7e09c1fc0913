"""Whether a catalog's configuration is valid, and the automatic disabling of the ones that are not
(catalogs-for-apps.md §6.3, D9).

- ``problems(catalog)`` — every problem of the catalog's criteria (§4.4, through the selection
  engine's structure-only validation: no product is read), value filters (§5.1) and product
  mapping (§7.4, the mapping service's checks); each ``{"path", "message"}``.
- ``recheck_after(kind, codes)`` — called by the structure services **inside the transaction** of
  a deletion or deactivation: disables the enabled catalogs the change made invalid, stores their
  errors and notifies the users with Manage apps (§6.4). A change that rolls back rolls all of it
  back.
- ``ensure_valid(catalog)`` — before a product query on an enabled catalog (§6.3 point 2).
- ``enable(catalog)`` / ``disable(catalog)`` — the editor's switch; enabling validates everything
  first and clears the stored errors.

Paths are the editor's (§4.4 "Error paths"): ``[product_selection_criteria][0][value][unit]``,
``[product_value_filters][channels]``, ``[product_mapping][<target>][source]``; ``tab_of(path)``
says which editor tab an error belongs to.
"""
import json
import re

from pimconnect.db import write_txn
from pimconnect.models import Catalog
from pimconnect.models.structure import utcnow
from pimconnect.permissions import MANAGE_APPS
from pimconnect.services import notifications
from pimconnect.services.catalogs import mapping
from pimconnect.services.selection import CATALOG, CATALOG_CRITERIA, Selection, SelectionStructure, validate
from pimconnect.services.selection.catalog_criteria import word

# What a structure change is about (the ``kind`` of ``recheck_after``).
KINDS = ("attribute", "attribute_option", "family", "category", "channel", "locale", "currency")

FILTER_KEYS = ("channels", "locales", "currencies")
FILTER_MESSAGES = {  # §5.1 (translations/validators.en_US.yml)
    "channels": 'The channel "{code}" has been deactivated. Please check your channel settings or remove this '
                "filter.",
    "locales": 'The locale "{code}" has been deactivated. Please check your locale settings or remove this filter.',
    "currencies": 'The currency "{code}" has been deactivated. Please check your currencies settings or remove this '
                  "filter.",
}
NOT_A_LIST = "This value should be of type array."
UNEXPECTED = "This field was not expected."

# §6.4, PIM Connect decision (D9): the reference's English text is unverified.
DISABLED_MESSAGE = 'The catalog "{name}" has been disabled because its configuration is no longer valid.'
DISABLED_ACTION = "Open the catalog"
EDITOR_PATH = "/connect/apps/v1/catalogs/{id}"

TABS = {"product_selection_criteria": "selection", "product_value_filters": "filters", "product_mapping": "mapping"}


def error(path, message):
    return {"path": path, "message": message}


def tab_of(path):
    """The editor tab (its ``?tab=``) of an error path: ``selection``, ``filters`` or ``mapping``
    (``settings`` for anything else)."""
    match = re.match(r"\[(\w+)\]", path or "")
    return TABS.get(match.group(1) if match else "", "settings")


def editor_link(catalog, errors=()):
    """The catalog editor, on the tab of the first error (§6.4: the notification's button)."""
    tab = tab_of(errors[0]["path"]) if errors else "selection"
    return EDITOR_PATH.format(id=catalog.id) + ("" if tab == "selection" else f"?tab={tab}")


# --- the checks ------------------------------------------------------------------------------------

def _editor_path(engine_path):
    """``criteria[0].value.unit`` -> ``[product_selection_criteria][0][value][unit]``."""
    parts = re.findall(r"[^.\[\]]+", engine_path or "criteria")
    return "".join(f"[{part}]" for part in ["product_selection_criteria"] + parts[1:])


def criteria_problems(catalog, structure):
    """The criteria's problems (§4.1–§4.4), worded as the catalog editor words them."""
    selection = Selection(catalog.product_selection_criteria, dialect=CATALOG_CRITERIA, semantics=CATALOG)
    return [error(_editor_path(problem.path), word(problem)) for problem in validate(selection, structure)]


def value_filter_problems(catalog, structure):
    """The value filters' problems (§5.1): only ``channels``, ``locales`` and ``currencies`` lists, of
    existing channels, activated locales and activated currencies."""
    filters = catalog.product_value_filters
    if filters in (None, [], {}):
        return []
    if not isinstance(filters, dict):
        return [error("[product_value_filters]", NOT_A_LIST)]
    found = [error(f"[product_value_filters][{key}]", UNEXPECTED) for key in filters if key not in FILTER_KEYS]
    for key in FILTER_KEYS:
        codes = filters.get(key) or []
        path = f"[product_value_filters][{key}]"
        if not isinstance(codes, list):
            found.append(error(path, NOT_A_LIST))
            continue
        found += [error(path, FILTER_MESSAGES[key].format(code=code)) for code in codes
                  if not _filter_code_valid(key, code, structure)]
    return found


def _filter_code_valid(key, code, structure):
    if not isinstance(code, str):
        return False
    if key == "channels":
        return structure.channel(code) is not None
    if key == "locales":
        return code in structure.locales
    return structure.currency_activated(code)


def mapping_problems(catalog, structure):
    """The product mapping's problems (§7.4) when the app pushed a schema, placed under
    ``[product_mapping]`` (the mapping service's paths are ``[<target>][source]``, or "" for the
    whole mapping)."""
    if catalog.product_mapping_schema is None:
        return []
    return [error(p.path if p.path.startswith("[product_mapping]") else f"[product_mapping]{p.path}", p.message)
            for p in mapping.catalog_mapping_problems(catalog, structure)]


# The checks every validation runs, in the editor's tab order: each (catalog, structure) ->
# [{"path", "message"}].
CHECKERS = (criteria_problems, value_filter_problems, mapping_problems)


def problems(catalog, structure=None, checkers=()):
    """Every problem of ``catalog`` (criteria, value filters, then ``CHECKERS``' others and
    ``checkers``), each ``{"path", "message"}``; an empty list when it is valid. Reads the structure
    only (a few small queries, shared through ``structure``), never the products."""
    structure = structure or SelectionStructure()
    return [found for check in tuple(CHECKERS) + tuple(checkers) for found in check(catalog, structure)]


def is_valid(catalog, structure=None, checkers=()):
    return not problems(catalog, structure, checkers)


can_enable = is_valid


# --- disabling, enabling ---------------------------------------------------------------------------

def disable_invalid(catalog, errors, recipients=None):
    """Disable ``catalog`` for ``errors`` and notify the Manage-apps users, once: a catalog another
    transaction already disabled is left as it is (no second notification). Returns whether this
    call disabled it. Runs in the caller's transaction when there is one."""
    with write_txn():
        changed = (Catalog.update(enabled=False, errors=errors, updated=utcnow())
                   .where(Catalog.id == catalog.id, Catalog.enabled == True)  # noqa: E712
                   .execute())
        if changed:
            users = notifications.holders_of(MANAGE_APPS) if recipients is None else recipients
            notifications.notify(users, DISABLED_MESSAGE.format(name=catalog.name), level="error",
                                 subject=catalog.name, link=editor_link(catalog, errors),
                                 action_label=DISABLED_ACTION)
    catalog.enabled, catalog.errors = False, errors
    return bool(changed)


def ensure_valid(catalog, structure=None):
    """Whether the product endpoints may read ``catalog``: enabled and valid. An enabled catalog
    found invalid is disabled (errors stored, Manage-apps users notified) and False is returned: the
    caller answers the disabled payload of §6.2."""
    if not catalog.enabled:
        return False
    found = problems(catalog, structure)
    if not found:
        return True
    disable_invalid(catalog, found)
    return False


def enable(catalog, structure=None, checkers=()):
    """Enable ``catalog`` when it is valid, clearing its stored errors; returns the problems that
    prevent it (nothing changes then) — an empty list once enabled (§6.1)."""
    found = problems(catalog, structure, checkers)
    if found:
        return found
    with write_txn():
        Catalog.update(enabled=True, errors=[], updated=utcnow()).where(Catalog.id == catalog.id).execute()
    catalog.enabled, catalog.errors = True, []
    return []


def disable(catalog):
    """The user's switch to No: the configuration and its stored errors are kept."""
    with write_txn():
        Catalog.update(enabled=False, updated=utcnow()).where(Catalog.id == catalog.id).execute()
    catalog.enabled = False


def clear_errors(catalog):
    """Forget the errors stored by an automatic disabling (after the user fixed and saved)."""
    with write_txn():
        Catalog.update(errors=[]).where(Catalog.id == catalog.id).execute()
    catalog.errors = []


# --- structure changes -----------------------------------------------------------------------------

def _mentions(catalog, needles):
    """Whether the catalog's configuration names one of the codes (a JSON string, compared without
    case: family and option codes are compared so). A cheap superset of the catalogs to re-validate."""
    text = json.dumps([catalog.product_selection_criteria, catalog.product_value_filters,
                       catalog.product_mapping], ensure_ascii=False).lower()
    return any(needle in text for needle in needles)


def recheck_after(kind, codes):
    """After a ``kind`` (see KINDS) named ``codes`` was deleted or deactivated, inside the same write
    transaction: disable every enabled catalog that names one of them and is no longer valid, store
    its errors and notify the Manage-apps users (one notification per catalog). Returns the disabled
    catalogs. A catalog already disabled is neither checked nor notified again."""
    assert kind in KINDS, kind
    needles = [json.dumps(str(code), ensure_ascii=False).lower() for code in codes if code not in (None, "")]
    if not needles:
        return []
    # At most 200 catalogs per app, and only the enabled ones: read in Python rather than searched
    # with each database's own JSON operators.
    enabled = Catalog.select().where(Catalog.enabled == True).order_by(Catalog.id)  # noqa: E712
    candidates = [catalog for catalog in enabled if _mentions(catalog, needles)]
    if not candidates:
        return []
    structure, recipients, disabled = SelectionStructure(), None, []
    for catalog in candidates:
        found = problems(catalog, structure)
        if not found:
            continue
        if recipients is None:
            recipients = notifications.holders_of(MANAGE_APPS)
        if disable_invalid(catalog, found, recipients):
            disabled.append(catalog)
    return disabled
