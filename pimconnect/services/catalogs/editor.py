"""The catalog editor's form (catalogs-for-apps.md §8): the unsaved state of a catalog, read from a
posted form or from the stored catalog, its problems with their paths and messages, and saving it.

The state travels whole in every round trip (D10, §10.2): the active tab's inputs carry their part,
the other tabs' parts travel in hidden inputs, so adding, changing or removing a criterion without
JavaScript re-renders the page with everything the user changed and nothing stored yet. The Product
mapping tab's rows are read by ``mapping_tab.read_form``; here only its hidden JSON copy.

Problems are dicts ``{"path": "[product_selection_criteria][0][value]", "message": …}`` — the
reference's ``propertyPath`` form (§4.4, §8.3) — whatever found them: the engine (criteria), the
value filters' rules here, the mapping's validation (``mapping_problems``, the one place it plugs
in), or errors stored on the catalog when it was disabled automatically (§6.4).
"""
import datetime
import json
import re
from dataclasses import dataclass, field

from pimconnect.db import write_txn
from pimconnect.models import Catalog, ConnectedApp, Connection
from pimconnect.models.structure import utcnow
from pimconnect.services import selection
from pimconnect.services.catalogs import MAX_CRITERIA, validity
from pimconnect.services.selection import CATALOG_CRITERIA
from pimconnect.services.selection import catalog_criteria, registry

SYSTEM_FIELDS = ("enabled", "family", "completeness", "categories")  # the picker's order (§4.3)
EMPTY_OPERATORS = catalog_criteria.EMPTY_OPERATORS
LIST_KINDS = ("families", "categories", "options", "strings")
FILTER_KEYS = ("channels", "locales", "currencies")
CRITERIA = "product_selection_criteria"
FILTERS = "product_value_filters"
DELETED = "This attribute has been deleted."
LIMIT_REACHED = "You reached the limit of {limit} selection criteria."
# Editor defaults when a criterion is added (§4.3): (operator, value) per system field / attribute type.
SYSTEM_DEFAULTS = {"enabled": ("=", True), "family": ("IN", []), "completeness": ("=", 100),
                   "categories": ("IN", [])}
TYPE_DEFAULTS = {
    "pim_catalog_identifier": ("IN", []), "pim_catalog_text": ("=", ""), "pim_catalog_textarea": ("=", ""),
    "pim_catalog_simpleselect": ("IN", []), "pim_catalog_multiselect": ("IN", []),
    "pim_catalog_number": ("=", None), "pim_catalog_metric": ("=", None), "pim_catalog_boolean": ("=", True),
    "pim_catalog_date": ("NOT EMPTY", None),
}


@dataclass
class EditorState:
    """What the editor shows: the catalog's enabled flag, criteria, value filters and product mapping
    (saved or not), and the add-criterion picker's search."""

    enabled: bool
    criteria: list
    filters: dict
    searches: dict = field(default_factory=dict)  # row index -> the text its value picker searches
    picker_search: str = ""
    picker_limit: int = 20
    mapping: dict | None = None  # the product mapping (None: the stored one, untouched by this form)
    version: str = ""  # the catalog's ``updated`` when the form was rendered: a save checks it (no lost update)

    @property
    def criteria_json(self):
        return json.dumps(self.criteria)

    @property
    def mapping_json(self):
        return json.dumps(self.mapping)

    @property
    def at_limit(self):
        return len(self.criteria) >= MAX_CRITERIA


def from_catalog(catalog):
    """The editor's state of the stored catalog."""
    criteria = catalog.product_selection_criteria
    filters = catalog.product_value_filters if isinstance(catalog.product_value_filters, dict) else {}
    mapping = catalog.product_mapping if isinstance(catalog.product_mapping, dict) else {}
    return EditorState(bool(catalog.enabled), list(criteria) if isinstance(criteria, list) else [],
                       {key: list(filters.get(key) or []) for key in FILTER_KEYS},
                       mapping=dict(mapping) if catalog.product_mapping_schema is not None else None,
                       version=catalog.updated.isoformat() if catalog.updated else "")


def app_of(catalog):
    """The connected app owning ``catalog`` (its owner is the app's API user), or None."""
    return (ConnectedApp.select(ConnectedApp, Connection).join(Connection)
            .where(Connection.user == catalog.owner_id).first())


# --- the kind of input a criterion's value needs --------------------------------------------------

def input_kind(code, attribute_type, operator):
    """How a row asks for its value: none, status, boolean, families, categories, options, percent,
    text, strings, number, metric, date or date_pair."""
    if operator in EMPTY_OPERATORS:
        return "none"
    if code in ("enabled", "family", "completeness", "categories"):
        return {"enabled": "status", "family": "families", "completeness": "percent",
                "categories": "categories"}[code]
    if attribute_type in ("pim_catalog_simpleselect", "pim_catalog_multiselect"):
        return "options"
    if attribute_type == "pim_catalog_identifier" and operator in ("IN", "NOT IN"):
        return "strings"
    if attribute_type == "pim_catalog_date":
        return "date_pair" if operator in ("BETWEEN", "NOT BETWEEN") else "date"
    return {"pim_catalog_number": "number", "pim_catalog_metric": "metric",
            "pim_catalog_boolean": "boolean"}.get(attribute_type, "text")


def empty_value(kind_when_filled):
    """The value an EMPTY / NOT EMPTY / UNCLASSIFIED row stores (the reference's shapes, §4.3)."""
    if kind_when_filled in LIST_KINDS:
        return []
    return "" if kind_when_filled == "text" else None


# --- reading a posted form ------------------------------------------------------------------------

def parse_form(form, structure):
    """The EditorState a posted editor form carries (``form``: a MultiDict). Criteria come from the
    rows' inputs, or, when the Product selection tab was not shown, from the hidden JSON copy."""
    filters = {key: _codes(form.getlist(f"filters-{key}")) for key in FILTER_KEYS}
    state = EditorState(form.get("enabled") == "yes", [], filters,
                        picker_search=form.get("picker_search", "").strip()[:100],
                        picker_limit=bounded_int(form.get("picker_limit"), 20, 20, 1000),
                        version=form.get("version", "").strip()[:40])
    if "mapping_json" in form:  # the Product mapping tab was not shown (its rows: mapping_tab.read_form)
        try:
            carried = json.loads(form["mapping_json"])
        except ValueError:
            carried = None
        state.mapping = carried if isinstance(carried, dict) else None
    if "criteria_json" in form:
        try:
            stored = json.loads(form["criteria_json"])
        except ValueError:
            stored = []
        state.criteria = stored if isinstance(stored, list) else []
        return state
    count = bounded_int(form.get("criteria_count"), 0, 0, MAX_CRITERIA * 4)
    for index in range(count):
        criterion = _row_from_form(form, f"c{index}-", structure)
        if criterion is not None:
            state.searches[len(state.criteria)] = form.get(f"c{index}-search", "").strip()[:100]
            state.criteria.append(criterion)
    return state


def bounded_int(raw, default, low, high):
    try:
        return min(max(int(raw), low), high)
    except (TypeError, ValueError):
        return default


def _codes(values):
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))


def _row_from_form(form, prefix, structure):
    """One criterion from its row's inputs (None when the row names no field)."""
    if form.get(prefix + "json"):  # a row the editor can only show (a deleted attribute): kept as stored
        try:
            return json.loads(form[prefix + "json"])
        except ValueError:
            return None
    code = form.get(prefix + "field", "")
    if not code:
        return None
    attribute = None if code in SYSTEM_FIELDS else structure.attribute(code)
    operator = form.get(prefix + "operator", "")
    filled = input_kind(code, attribute and attribute.type, _first_non_empty(code, attribute, operator))
    kind = input_kind(code, attribute and attribute.type, operator)
    value = empty_value(filled) if kind == "none" else _value(form, prefix, kind)
    criterion = {"field": code, "operator": operator, "value": value}
    if code == "completeness":
        criterion["scope"] = form.get(prefix + "scope") or None
        criterion["locale"] = locale_on(form.get(prefix + "locale") or None, criterion["scope"], structure)
    elif code not in SYSTEM_FIELDS:
        scopable = attribute is not None and attribute.scopable
        localizable = attribute is not None and attribute.localizable
        criterion["scope"] = (form.get(prefix + "scope") or None) if scopable else None
        locale = (form.get(prefix + "locale") or None) if localizable else None
        criterion["locale"] = locale_on(locale, criterion["scope"], structure) if scopable else locale
    return criterion


def _first_non_empty(code, attribute, operator):
    """An operator of the field that takes a value (to know the value's empty shape)."""
    if operator not in EMPTY_OPERATORS:
        return operator
    field_ = registry.field_of(code, attribute)
    for candidate, _ in selection.operators_for(field_, CATALOG_CRITERIA) if field_ else []:
        if candidate not in EMPTY_OPERATORS:
            return candidate
    return operator


def locale_on(locale, scope, structure):
    """The locale, unless the chosen channel does not have it (the select then lists that channel's
    locales only, §8.4): changing the channel clears a locale the new channel lacks."""
    channel = structure.channel(scope) if scope else None
    if locale and channel is not None and locale not in channel.locales:
        return None
    return locale


def _value(form, prefix, kind):
    raw = form.get(prefix + "value", "")
    if kind in ("status", "boolean"):
        return {"true": True, "false": False}.get(raw)
    if kind in ("families", "categories", "options"):
        return _codes(form.getlist(prefix + "value"))
    if kind == "strings":
        return _codes(raw.replace(",", "\n").splitlines())
    if kind == "percent":
        try:
            return int(raw.strip())
        except ValueError:
            return raw.strip() or None
    if kind == "number":
        return raw.strip() or None
    if kind == "metric":
        amount, unit = form.get(prefix + "amount", "").strip(), form.get(prefix + "unit", "")
        return {"amount": amount, "unit": unit} if amount or unit else None
    if kind == "date":
        return raw or None
    if kind == "date_pair":
        pair = [form.get(prefix + "from", ""), form.get(prefix + "to", "")]
        return pair if any(pair) else None
    return raw


# --- actions ---------------------------------------------------------------------------------------

def new_criterion(code, structure):
    """The criterion the picker adds for ``code`` with the reference editor's defaults (§4.3), or None
    for a field a catalog cannot use."""
    if code in SYSTEM_DEFAULTS:
        operator, value = SYSTEM_DEFAULTS[code]
        criterion = {"field": code, "operator": operator, "value": value}
        if code == "completeness":
            criterion.update(scope=None, locale=None)
        return criterion
    attribute = structure.attribute(code)
    if attribute is None or attribute.type not in TYPE_DEFAULTS:
        return None
    operator, value = TYPE_DEFAULTS[attribute.type]
    return {"field": code, "operator": operator, "value": value, "scope": None, "locale": None}


def apply_action(state, action, structure):
    """Add (``add:<field>``) or remove (``remove:<index>``) a criterion; returns a note for the user
    (the limit's message) or None. Other actions change nothing here."""
    verb, _, argument = (action or "").partition(":")
    if verb == "add":
        if state.at_limit:
            return LIMIT_REACHED.format(limit=MAX_CRITERIA)
        criterion = new_criterion(argument, structure)
        if criterion is not None:
            state.criteria.append(criterion)
            state.picker_search, state.picker_limit = "", 20
    elif verb == "remove" and argument.isdigit() and int(argument) < len(state.criteria):
        index = int(argument)
        del state.criteria[index]
        state.searches = {(i if i < index else i - 1): text for i, text in state.searches.items() if i != index}
    elif verb == "more":
        state.picker_limit += 20
    return None


# --- problems ----------------------------------------------------------------------------------------

def deleted_attribute_words(found, criteria, structure):
    """``found`` with a deleted attribute's ``Invalid field value`` as the editor words it (§8.4)."""
    def worded(problem):
        match = re.fullmatch(rf"\[{CRITERIA}\]\[(\d+)\]\[field\]", problem["path"])
        if match and is_deleted(criteria, int(match.group(1)), structure):
            return {**problem, "message": DELETED}
        return problem
    return [worded(problem) for problem in found]


def is_deleted(criteria, index, structure):
    """Whether the criterion at ``index`` names an attribute that no longer exists."""
    if index >= len(criteria) or not isinstance(criteria[index], dict):
        return False
    code = criteria[index].get("field")
    return isinstance(code, str) and code not in SYSTEM_FIELDS and structure.attribute(code) is None


def draft(catalog, state):
    """The catalog as the editor would save it (never saved itself): what validation reads."""
    return Catalog(id=catalog.id, name=catalog.name, owner=catalog.owner_id, enabled=state.enabled,
                   product_selection_criteria=state.criteria, product_value_filters=stored_filters(state),
                   product_mapping=catalog.product_mapping if state.mapping is None else state.mapping,
                   product_mapping_schema=catalog.product_mapping_schema,
                   errors=catalog.errors)


def problems(state, catalog, structure):
    """Every problem of the catalog as the editor would save it: the validity service's checks (one
    source of truth with the automatic disabling, §6.3), a deleted attribute worded as the editor does."""
    found = validity.problems(draft(catalog, state), structure)
    return deleted_attribute_words(found, state.criteria, structure)


def stored_errors(catalog, criteria, structure):
    """The errors stored when the catalog was disabled automatically (§6.4), as editor problems: a
    deleted attribute's ``Invalid field value`` worded as the editor words it, so that its row shows
    ``This attribute has been deleted.`` alone (§8.4), not both messages."""
    found = []
    for error in catalog.errors if isinstance(catalog.errors, list) else []:
        if isinstance(error, dict) and error.get("message"):
            found.append({"path": error.get("path") or error.get("propertyPath") or "", "message": error["message"]})
    return deleted_attribute_words(found, criteria, structure)


def merged(*lists):
    """Problems of several sources, each (path, message) once."""
    seen, out = set(), []
    for problem in (p for found in lists for p in found):
        key = (problem["path"], problem["message"])
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out


def stored_filters(state):
    """The value filters as stored: only the non-empty lists (§5.1)."""
    return {key: state.filters[key] for key in FILTER_KEYS if state.filters.get(key)}


class Conflict(Exception):
    """The catalog changed since the form was rendered (another user, the app renaming it, or an
    automatic disabling): the save would overwrite that change unseen (security checklist C7)."""


def save(catalog, state):
    """Store the state (one transaction); the caller validated it first (an invalid catalog is never
    saved, so it can never be enabled, §6.1). Stored errors of an automatic disabling are cleared; the
    mapping is stored with the rest when the form carried one. A form that carries the version it was
    rendered from saves only over that version, else ``Conflict``."""
    changes = {"enabled": state.enabled, "product_selection_criteria": state.criteria,
               "product_value_filters": stored_filters(state), "errors": [], "updated": utcnow()}
    if state.mapping is not None:
        changes["product_mapping"] = state.mapping
    query = Catalog.update(**changes).where(Catalog.id == catalog.id)
    if state.version:
        try:
            query = query.where(Catalog.updated == datetime.datetime.fromisoformat(state.version))
        except ValueError:
            raise Conflict(catalog.id) from None
    with write_txn():
        if not query.execute():
            raise Conflict(catalog.id)
