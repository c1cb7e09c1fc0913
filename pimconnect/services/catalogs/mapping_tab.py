"""The catalog editor's Product mapping tab (catalogs-for-apps.md §7.2–§7.4, §7.7, §10.2): one row per
target of the app's schema, the sources each target accepts, the parameters each source needs, and the
mapping read back from a posted form.

A row's inputs are ``m<i>-target`` (hidden), ``m<i>-source``, ``m<i>-shown`` (hidden: the source the
row was rendered with) and the parameters ``m<i>-scope``, ``-locale``, ``-label_locale``, ``-currency``,
``-unit``. A source different from the one shown is a new choice: its scope, locale and parameters
start empty (§7.7), whether the form came from htmx (posted on change) or from a plain submit.
"""
from dataclasses import dataclass, field

from pimconnect.models import Attribute, AttributeGroup, ChannelCurrency, Currency
from pimconnect.models.structure import Channel
from pimconnect.services.catalogs import choices, editor, mapping

UUID_TEXTS = ("The UUID is a technical product identifier.",
              "All apps must require it as a target. You have nothing to configure for this target as we "
              "automatically map it with the Akeneo product UUID.")
PLACEHOLDER = "Define a content source"
SYSTEM_LABELS = {"family": "Family", "categories": "Categories", "status": "Status"}
CONSTRAINTS = ("minLength", "maxLength", "pattern", "minimum", "maximum", "enum")


@dataclass
class MappingRow:
    """One target as the tab shows it: its definition, its association and the choices it offers."""

    index: int
    target: str
    definition: dict
    association: dict
    required: bool
    groups: list = field(default_factory=list)  # [(group label, [(source code, label)])]
    unknown_source: str | None = None  # a source not offered (deleted or incompatible): kept, shown as [code]
    scopable: bool = False
    localizable: bool = False
    channels: list = field(default_factory=list)
    locales: list = field(default_factory=list)
    label_locales: list = field(default_factory=list)  # [(code, label)], as currencies and units
    currencies: list = field(default_factory=list)
    units: list = field(default_factory=list)

    @property
    def is_uuid(self):
        return self.target == "uuid"

    @property
    def title(self):
        title = self.definition.get("title")
        return title if isinstance(title, str) and title else self.target

    @property
    def description(self):
        text = self.definition.get("description")
        return text if isinstance(text, str) else ""

    @property
    def type_text(self):
        return mapping.target_type(self.definition)

    @property
    def requirements(self):
        """The target's constraints as the requirements box words them (§7.7): ``maxLength: 255``…"""
        return [f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
                for key, value in self.definition.items() if key in CONSTRAINTS]

    @property
    def source(self):
        return self.association.get("source")

    def get(self, key):
        return self.association.get(key)

    def parameter(self, key):
        parameters = self.association.get("parameters")
        return parameters.get(key) if isinstance(parameters, dict) else None

    @property
    def has_parameters(self):
        return bool(self.scopable or self.localizable or self.label_locales or self.currencies or self.units)


def targets_of(schema):
    """The schema's targets {code: definition} in its order ({} without a schema)."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return {code: (d if isinstance(d, dict) else {}) for code, d in (properties or {}).items()}


# --- the rows ---------------------------------------------------------------------------------------

def rows(stored_mapping, schema, structure):
    """The tab's rows for ``stored_mapping`` (the editor's unsaved mapping) against ``schema``."""
    stored_mapping = stored_mapping if isinstance(stored_mapping, dict) else {}
    required = schema.get("required") if isinstance(schema, dict) and isinstance(schema.get("required"), list) else []
    structure.attributes([a.get("source") for a in stored_mapping.values() if isinstance(a, dict)])  # one query
    offered, lists = {}, _Lists()  # target type -> groups, one query per type; channels, locales… once each
    found = []
    for index, (target, definition) in enumerate(targets_of(schema).items()):
        association = stored_mapping.get(target) if isinstance(stored_mapping.get(target), dict) else {}
        row = MappingRow(index, target, definition, association, target in required)
        if not row.is_uuid:
            kind_key = mapping.target_type(definition)
            if kind_key not in offered:
                offered[kind_key] = sources_for(mapping.compatible_kinds(definition))
            row.groups = offered[kind_key]
            _parameters(row, structure, lists)
        found.append(row)
    return found


def sources_for(kinds):
    """[(group label, [(code, label)])] of the sources of ``kinds``: system sources first, then the
    attributes by attribute group (the reference's grouped source dropdown, §7.7)."""
    groups = []
    system = [(code, SYSTEM_LABELS[code]) for code in mapping.SYSTEM_SOURCES if code in kinds and code != "uuid"]
    if system:
        groups.append(("System", system))
    types = [k for k in kinds if k not in mapping.SYSTEM_SOURCES]
    if not types:
        return groups
    query = (Attribute.select(Attribute.code, Attribute.labels, AttributeGroup.code.alias("group_code"),
                              AttributeGroup.labels.alias("group_labels"))
             .join(AttributeGroup).where(Attribute.type.in_(types))
             .order_by(AttributeGroup.sort_order, AttributeGroup.code, Attribute.sort_order, Attribute.code))
    for found in query.dicts():
        group = choices.label(found["group_labels"], found["group_code"])
        if not groups or groups[-1][0] != group:
            groups.append((group, []))
        groups[-1][1].append((found["code"], choices.label(found["labels"], found["code"])))
    return groups


class _Lists:
    """The channels, locales, currencies and units the rows offer, each read once per page."""

    def __init__(self):
        self._found = {}

    def get(self, name, *args):
        if (name, *args) not in self._found:
            self._found[(name, *args)] = getattr(choices, name)(*args)
        return self._found[(name, *args)]


def _channel_currencies(channel_code):
    query = (Currency.select(Currency.code).join(ChannelCurrency).join(Channel)
             .where(Channel.code == channel_code, Currency.enabled).order_by(Currency.code))
    return [code for (code,) in query.tuples()]


def _parameters(row, structure, lists):
    source = row.source
    if not isinstance(source, str):
        return
    offered = {code for _, entries in row.groups for code, _ in entries}
    if source not in offered:
        row.unknown_source = source
    kind = mapping.source_kind(source, structure)
    attribute = structure.attribute(source) if kind is not None and kind not in mapping.SYSTEM_SOURCES else None
    if attribute is not None:
        row.scopable, row.localizable = attribute.scopable, attribute.localizable
    if row.scopable:
        row.channels = lists.get("channels")
    if row.localizable:
        row.locales = lists.get("locales_of", row.get("scope")) if row.scopable else lists.get("activated_locales")
        if attribute.available_locales:
            row.locales = [code for code in row.locales if code in attribute.available_locales]
    if kind in mapping.LABELLED:
        row.label_locales = [(code, code) for code in lists.get("activated_locales")]
    elif kind == "pim_catalog_price_collection":  # a scopable price: the chosen channel's currencies (§7.7)
        codes = _channel_currencies(row.get("scope")) if row.scopable and row.get("scope") \
            else lists.get("activated_currencies")
        row.currencies = [(code, code) for code in codes]
    elif kind == "pim_catalog_metric":
        row.units = lists.get("units", attribute.metric_family)


# --- reading the posted rows ------------------------------------------------------------------------

def read_form(state, form, schema, structure):
    """Set ``state.mapping`` from the tab's posted rows (kept as parsed elsewhere when the tab was not
    shown). Rows come back for the schema's targets only, in its order."""
    if "mapping_count" not in form:
        return
    targets = targets_of(schema)
    count = editor.bounded_int(form.get("mapping_count"), 0, 0, len(targets))
    posted = {}
    for index in range(count):
        prefix = f"m{index}-"
        target = form.get(prefix + "target")
        if target in targets and target not in posted:
            posted[target] = association_from_form(form, prefix, target, structure)
    state.mapping = {target: posted.get(target, empty()) for target in targets}


def empty(source=None):
    return {"source": source, "scope": None, "locale": None}


def association_from_form(form, prefix, target, structure):
    """One target's association; a newly chosen source starts with empty scope, locale and parameters."""
    if target == "uuid":
        return empty("uuid")
    source = form.get(prefix + "source") or None
    if source is None or source != (form.get(prefix + "shown") or None):
        return empty(source)
    kind = mapping.source_kind(source, structure)
    attribute = structure.attribute(source) if kind is not None and kind not in mapping.SYSTEM_SOURCES else None
    association = empty(source)
    if attribute is not None and attribute.scopable:
        association["scope"] = form.get(prefix + "scope") or None
    if attribute is not None and attribute.localizable:
        locale = form.get(prefix + "locale") or None
        association["locale"] = editor.locale_on(locale, association["scope"], structure) if attribute.scopable \
            else locale
    key = {"pim_catalog_price_collection": "currency", "pim_catalog_metric": "unit"}.get(
        kind, "label_locale" if kind in mapping.LABELLED else None)
    if key:
        association["parameters"] = {key: form.get(prefix + key) or None}
    return association
