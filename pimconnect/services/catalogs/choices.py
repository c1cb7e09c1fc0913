"""What the catalog editor offers (catalogs-for-apps.md §8.4, §5.1): the add-criterion picker, each
row's operators and value choices, the channels, locales and currencies — searched in the database,
a page at a time, so a PIM with thousands of attributes, options or categories stays quick.

Labels are en_US with the reference's ``[code]`` fallback.
"""
import json
from dataclasses import dataclass, field

from peewee import fn

from pimconnect.models import (
    Attribute,
    AttributeGroup,
    AttributeOption,
    Category,
    ChannelLocale,
    Currency,
    Family,
    Locale,
    MeasurementFamily,
    MeasurementUnit,
)
from pimconnect.models.structure import Channel
from pimconnect.services.catalogs import editor
from pimconnect.services.selection import CATALOG_CRITERIA, operators_for
from pimconnect.services.selection.registry import OPERATOR_LABELS, PROPERTIES, TYPES

LOCALE = "en_US"
PAGE = 20  # the reference's picker page (§8.4)
CATALOG_TYPES = tuple(code for code, (_, _, catalog_ops) in TYPES.items() if catalog_ops)


def label(labels, code, locale=LOCALE):
    return (labels or {}).get(locale) or f"[{code}]"


def _like(column, text):
    return fn.LOWER(column).contains(text.lower())


# --- the add-criterion picker --------------------------------------------------------------------

@dataclass
class Picker:
    """System fields matching the search, then attributes by group; ``used`` codes show purple."""

    system: list
    groups: list  # [(group label, [(code, label, used)])]
    more: bool
    search: str
    limit: int

    @property
    def empty(self):
        return not self.system and not self.groups


def picker(search, limit, used):
    """The picker's entries for ``search`` (code or label), at most ``limit`` attributes."""
    used = set(used)
    system = [(code, PROPERTIES[code].label, code in used) for code in editor.SYSTEM_FIELDS
              if not search or search.lower() in PROPERTIES[code].label.lower() or search.lower() in code]
    query = (Attribute.select(Attribute.code, Attribute.labels, AttributeGroup.code.alias("group_code"),
                              AttributeGroup.labels.alias("group_labels"))
             .join(AttributeGroup).where(Attribute.type.in_(CATALOG_TYPES)))
    if search:
        query = query.where(_like(Attribute.code, search) | _like(Attribute.labels.cast("text"), search))
    rows = list(query.order_by(AttributeGroup.sort_order, AttributeGroup.code, Attribute.sort_order,
                               Attribute.code).limit(limit + 1).dicts())
    groups = []
    for row in rows[:limit]:
        group = label(row["group_labels"], row["group_code"])
        if not groups or groups[-1][0] != group:
            groups.append((group, []))
        groups[-1][1].append((row["code"], label(row["labels"], row["code"]), row["code"] in used))
    return Picker(system, groups, len(rows) > limit, search, limit)


# --- a row --------------------------------------------------------------------------------------

@dataclass
class Row:
    """One criterion as the editor shows it."""

    index: int
    criterion: dict
    code: str
    label: str
    operators: list
    kind: str
    deleted: bool = False
    scopable: bool = False
    localizable: bool = False
    channels: list = field(default_factory=list)
    locales: list = field(default_factory=list)
    selected: list = field(default_factory=list)  # [(code, label)] of a list value
    candidates: list = field(default_factory=list)  # [(code, label)] the value picker's search found
    units: list = field(default_factory=list)
    search: str = ""

    def get(self, key, default=None):
        return self.criterion.get(key, default) if isinstance(self.criterion, dict) else default

    @property
    def json(self):
        """The stored criterion, carried as is by a row the editor can only show and remove."""
        return json.dumps(self.criterion)

    @property
    def operator_label(self):
        operator = self.get("operator")
        return OPERATOR_LABELS.get(operator, str(operator)) if isinstance(operator, str) else ""

    @property
    def value_text(self):
        value = self.get("value")
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if isinstance(value, dict):
            return " ".join(str(v) for v in value.values())
        return "" if value is None else str(value)


def rows(state, structure):
    """The rows of the state's criteria."""
    return [_row(index, criterion, state.searches.get(index, ""), structure)
            for index, criterion in enumerate(state.criteria)]


def _row(index, criterion, search, structure):
    if not isinstance(criterion, dict) or not isinstance(criterion.get("field"), str):
        return Row(index, criterion if isinstance(criterion, dict) else {}, "", "[?]", [], "none", deleted=True)
    code, operator = criterion["field"], criterion.get("operator")
    if code in editor.SYSTEM_FIELDS:
        row = Row(index, criterion, code, PROPERTIES[code].label, operators_for(code, CATALOG_CRITERIA),
                  editor.input_kind(code, None, operator), search=search)
        if code == "completeness":
            row.scopable = row.localizable = True
    else:
        attribute = structure.attribute(code)
        if attribute is None or attribute.type not in CATALOG_TYPES:
            return Row(index, criterion, code, f"[{code}]", [], "none", deleted=True)
        stored = Attribute.get_or_none(Attribute.code == code)
        row = Row(index, criterion, code, label(stored.labels if stored else {}, code),
                  operators_for(attribute.type, CATALOG_CRITERIA), editor.input_kind(code, attribute.type, operator),
                  scopable=attribute.scopable, localizable=attribute.localizable, search=search)
        if row.kind == "metric":
            row.units = units(attribute.metric_family)
    if row.scopable:
        row.channels = channels()
    if row.localizable:
        row.locales = locales_of(criterion.get("scope")) if row.scopable else activated_locales()
    _value_choices(row, code, search)
    return row


def _value_choices(row, code, search):
    value = row.get("value")
    chosen = [c for c in value if isinstance(c, str)] if isinstance(value, list) else []
    if row.kind == "families":
        row.selected, row.candidates = families(chosen), families_found(search, chosen)
    elif row.kind == "categories":
        row.selected, row.candidates = categories(chosen), categories_found(search, chosen)
    elif row.kind == "options":
        row.selected, row.candidates = options(code, chosen), options_found(code, search, chosen)


def _labelled(found, codes):
    """[(code, label)] in ``codes``' order; unknown codes keep a ``[code]`` label (they show as errors)."""
    return [(code, found.get(code, f"[{code}]")) for code in codes]


def families(codes):
    found = {f.code: label(f.labels, f.code) for f in Family.select().where(Family.code.in_(codes))} if codes else {}
    return _labelled(found, codes)


def families_found(search, chosen):
    query = Family.select().where(Family.code.not_in(chosen or [""]))
    if search:
        query = query.where(_like(Family.code, search) | _like(Family.labels.cast("text"), search))
    return [(f.code, label(f.labels, f.code)) for f in query.order_by(Family.code).limit(PAGE)]


def categories(codes):
    if not codes:
        return []
    found = {c.code: label(c.labels, c.code) for c in Category.select().where(Category.code.in_(codes))}
    return _labelled(found, codes)


def categories_found(search, chosen):
    """Categories matching ``search`` (every tree's roots when none), with their depth shown."""
    query = Category.select().where(Category.code.not_in(chosen or [""]))
    if search:
        query = query.where(_like(Category.code, search) | _like(Category.labels.cast("text"), search))
    else:
        query = query.where(Category.level <= 1)
    return [(c.code, ("— " * c.level) + label(c.labels, c.code))
            for c in query.order_by(Category.path).limit(PAGE)]


def options(attribute_code, codes):
    if not codes:
        return []
    query = (AttributeOption.select(AttributeOption.code, AttributeOption.labels).join(Attribute)
             .where(Attribute.code == attribute_code, AttributeOption.code.in_(codes)))
    return _labelled({o.code: label(o.labels, o.code) for o in query}, codes)


def options_found(attribute_code, search, chosen):
    query = (AttributeOption.select(AttributeOption.code, AttributeOption.labels).join(Attribute)
             .where(Attribute.code == attribute_code, AttributeOption.code.not_in(chosen or [""])))
    if search:
        query = query.where(_like(AttributeOption.code, search) | _like(AttributeOption.labels.cast("text"), search))
    return [(o.code, label(o.labels, o.code))
            for o in query.order_by(AttributeOption.sort_order, AttributeOption.code).limit(PAGE)]


def units(metric_family):
    query = (MeasurementUnit.select(MeasurementUnit.code, MeasurementUnit.labels).join(MeasurementFamily)
             .where(MeasurementFamily.code == metric_family).order_by(MeasurementUnit.sort_order, MeasurementUnit.code))
    return [(u.code, label(u.labels, u.code)) for u in query]


# --- channels, locales, currencies ---------------------------------------------------------------

def channels():
    return [(c.code, label(c.labels, c.code)) for c in Channel.select().order_by(Channel.code)]


def activated_locales():
    return [code for (code,) in Locale.select(Locale.code).where(Locale.enabled).order_by(Locale.code).tuples()]


def locales_of(channel_code):
    """The activated locales of a channel (none chosen: none to choose from yet)."""
    if not channel_code:
        return []
    query = (Locale.select(Locale.code).join(ChannelLocale).join(Channel)
             .where(Channel.code == channel_code, Locale.enabled).order_by(Locale.code))
    return [code for (code,) in query.tuples()]


def activated_currencies():
    return [code for (code,) in Currency.select(Currency.code).where(Currency.enabled).order_by(Currency.code).tuples()]


def filter_choices(filters):
    """The value filters' options (§5.1), stored codes that are no longer offered included (they show
    with their error until removed)."""
    offered = {"channels": [code for code, _ in channels()], "locales": activated_locales(),
               "currencies": activated_currencies()}
    return {key: offered[key] + [c for c in filters.get(key) or [] if c not in offered[key]]
            for key in editor.FILTER_KEYS}
