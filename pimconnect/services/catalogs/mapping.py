"""A catalog's product mapping (catalogs-for-apps.md §7.2–§7.4, §7.6): which PIM sources suit which
targets, every problem of a mapping with the reference's messages, and the condition its required
targets put on the selection.

A mapping is ``{target: {"source", "scope", "locale"[, "parameters"]}}``; a source is an attribute
code or one of the system sources ``uuid``, ``family``, ``categories`` and ``status``.
"""
from collections import namedtuple

from pimconnect.models import Product, ProductCategory, ProductValue
from pimconnect.services.selection.sql import NONE
from pimconnect.services.selection.structure import SelectionStructure
from pimconnect.services.selection.values import ValueRows

MappingProblem = namedtuple("MappingProblem", "path message")  # path: "[<target>][source]", "" for the whole

SYSTEM_SOURCES = ("uuid", "family", "categories", "status")
LABELLED = {"pim_catalog_simpleselect", "pim_catalog_multiselect", "family", "categories"}  # take label_locale
# target type key (see target_type) -> the source kinds it accepts (§7.2 and its PIM Connect decision)
COMPATIBLE = {
    "string": {"pim_catalog_identifier", "pim_catalog_text", "pim_catalog_textarea", "pim_catalog_simpleselect",
               "pim_catalog_multiselect", "pim_catalog_number", "categories", "family"},
    "string+date-time": {"pim_catalog_date"},
    "string+uri": {"pim_catalog_image"},
    "number": {"pim_catalog_number", "pim_catalog_metric", "pim_catalog_price_collection"},
    "boolean": {"pim_catalog_boolean", "status"},
    "array<string>": {"pim_catalog_multiselect", "categories"},
    "object": {"pim_catalog_price_collection"},
    "array<object>": {"pim_catalog_price_collection"},
}

MESSAGES = {  # §7.4 (translations/validators.en_US.yml)
    "incomplete": "The mapping is incomplete, following targets are missing: {targets}.",
    "incorrect": "The mapping is incorrect, following targets don't exist: {targets}.",
    "type": "The selected source type does not match the requirements: {expected_type} expected.",
    "required": "The source is required.",
    "deleted": "This attribute has been deleted.",
    "unknown": "Unknown source value",
    "channel.empty": "This channel must be empty.",
    "channel.not_empty": "This channel must not be empty.",
    "channel.deleted": "This channel has been deleted. Please check your channel settings or update this value.",
    "locale.empty": "This locale must be empty.",
    "locale.not_empty": "This locale must not be empty.",
    "locale.unknown": "This locale is disabled or does not exist anymore. Please check your channels and locales "
                      "settings.",
    "locale.channel": "This locale is disabled. Please check your channels and locales settings or update this "
                      "value.",
    "currency": "This currency is not activated. Please check your channels and currency settings or update this "
                "value.",
    "unit.blank": "The unit must not be empty.",
    "unit.unknown": 'The unit of the field "{source}" does not exist.',  # [unverified] wording
}


def target_type(target):
    """The key of a schema target's type: ``string``, ``string+uri``, ``array<string>``, ``object``…
    (also the ``expected_type`` of the type-mismatch message)."""
    target = target if isinstance(target, dict) else {}
    kind = target.get("type")
    if kind == "array":
        items = target.get("items") if isinstance(target.get("items"), dict) else {}
        inner = items.get("type")
        return f"array<{inner}+{items['format']}>" if inner == "string" and "format" in items else f"array<{inner}>"
    return f"{kind}+{target['format']}" if kind == "string" and "format" in target else str(kind)


def source_kind(source, structure):
    """What a source is: the attribute type of an attribute code, the system source's own name, or None
    when no such attribute exists."""
    if source in SYSTEM_SOURCES:
        return source
    attribute = structure.attribute(source)
    return attribute.type if attribute is not None else None


def compatible_kinds(target):
    """The source kinds a schema target accepts (the editor offers only these)."""
    return COMPATIBLE.get(target_type(target), set())


def catalog_mapping_problems(catalog, structure=None):
    """``mapping_problems`` of a catalog's stored (or edited, unsaved) mapping and schema."""
    return mapping_problems(catalog.product_mapping, catalog.product_mapping_schema, structure)


def mapping_problems(mapping, schema, structure=None):
    """Every problem of ``mapping`` against ``schema`` (§7.4), as MappingProblem(path, message) in
    the reference's order; [] when it is valid or there is no schema. ``structure`` is a
    SelectionStructure to share with the selection's validation (one is made when None)."""
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return []
    structure = structure or SelectionStructure()
    mapping = mapping if isinstance(mapping, dict) else {}
    structure.attributes([a.get("source") for a in mapping.values() if isinstance(a, dict)])  # one query
    targets = schema["properties"]
    required = schema.get("required") if isinstance(schema.get("required"), list) else []
    problems = []
    missing = [t for t in targets if t not in mapping]
    if missing:
        problems.append(MappingProblem("", MESSAGES["incomplete"].format(targets=_quoted(missing))))
    unknown = [t for t in mapping if t not in targets]
    if unknown:
        problems.append(MappingProblem("", MESSAGES["incorrect"].format(targets=_quoted(unknown))))
    for target, definition in targets.items():
        if target in mapping and target != "uuid":
            problems += _association_problems(target, definition, mapping[target], target in required, structure)
    return problems


def _quoted(targets):
    return ", ".join(f'"{t}"' for t in targets)


def _association_problems(target, definition, association, required, structure):
    at = f"[{target}]"
    association = association if isinstance(association, dict) else {}
    source = association.get("source")
    if source is None:
        return [MappingProblem(f"{at}[source]", MESSAGES["required"])] if required else []
    if not isinstance(source, str) or source == "uuid":
        return [MappingProblem(f"{at}[source]", MESSAGES["unknown"])]
    kind = source_kind(source, structure)
    if kind is None:
        return [MappingProblem(f"{at}[source]", MESSAGES["deleted"])]
    if kind not in compatible_kinds(definition):
        expected = MESSAGES["type"].format(expected_type=target_type(definition))
        return [MappingProblem(f"{at}[source]", expected)]
    attribute = structure.attribute(source) if kind not in SYSTEM_SOURCES else None
    scope, locale = association.get("scope"), association.get("locale")
    problems = _channel_locale(at, attribute, scope, locale, structure)
    return problems + _parameter_problems(at, kind, attribute, association.get("parameters"), structure)


def _channel_locale(at, attribute, scope, locale, structure):
    problems = []
    scopable = attribute is not None and attribute.scopable
    localizable = attribute is not None and attribute.localizable
    channel = None
    if not scopable and scope is not None:
        problems.append(MappingProblem(f"{at}[scope]", MESSAGES["channel.empty"]))
    elif scopable and not scope:
        problems.append(MappingProblem(f"{at}[scope]", MESSAGES["channel.not_empty"]))
    elif scopable:
        channel = structure.channel(scope)
        if channel is None:
            problems.append(MappingProblem(f"{at}[scope]", MESSAGES["channel.deleted"]))
    if not localizable and locale is not None:
        problems.append(MappingProblem(f"{at}[locale]", MESSAGES["locale.empty"]))
    elif localizable and not locale:
        problems.append(MappingProblem(f"{at}[locale]", MESSAGES["locale.not_empty"]))
    elif localizable and (not isinstance(locale, str) or locale not in structure.locales
                          or attribute.available_locales and locale not in attribute.available_locales):
        problems.append(MappingProblem(f"{at}[locale]", MESSAGES["locale.unknown"]))
    elif localizable and channel is not None and locale not in channel.locales:
        problems.append(MappingProblem(f"{at}[locale]", MESSAGES["locale.channel"]))
    return problems


def _parameter_problems(at, kind, attribute, parameters, structure):
    parameters = parameters if isinstance(parameters, dict) else {}
    path = f"{at}[parameters]"
    if kind in LABELLED:
        label_locale = parameters.get("label_locale")
        if not isinstance(label_locale, str) or label_locale not in structure.locales:
            return [MappingProblem(f"{path}[label_locale]", MESSAGES["locale.unknown"])]
    if kind == "pim_catalog_metric":
        unit = parameters.get("unit")
        if not isinstance(unit, str) or not unit.strip():
            return [MappingProblem(f"{path}[unit]", MESSAGES["unit.blank"])]
        if unit not in structure.units(attribute.metric_family):
            return [MappingProblem(f"{path}[unit]", MESSAGES["unit.unknown"].format(source=attribute.code))]
    if kind == "pim_catalog_price_collection":
        currency = parameters.get("currency")
        if not isinstance(currency, str) or not structure.currency_activated(currency):
            return [MappingProblem(f"{path}[currency]", MESSAGES["currency"])]
    return []


# --- required targets (§7.6) -------------------------------------------------------------------

def required_targets_condition(catalog, structure=None):
    """The condition on Product that the catalog's required targets put on every product endpoint:
    each required target's source has a value at its (scope, locale) — for a price, in the mapped
    currency. None when nothing is required. A required target without a usable source selects
    nothing (PIM Connect validates the catalog first and disables it, §6.3, so this is a safety net)."""
    schema = catalog.product_mapping_schema
    if not isinstance(schema, dict):
        return None
    mapping = catalog.product_mapping if isinstance(catalog.product_mapping, dict) else {}
    targets = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = schema.get("required") if isinstance(schema.get("required"), list) else []
    structure = structure or SelectionStructure()
    conditions = []
    for target in dict.fromkeys(required):
        if target == "uuid" or target not in targets:
            continue
        association = mapping.get(target) if isinstance(mapping.get(target), dict) else {}
        condition = _has_value(association, structure)
        if condition is not None:
            conditions.append(condition)
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined &= condition
    return combined


def _has_value(association, structure):
    """The products with a value for one source association (None: every product has one)."""
    source = association.get("source")
    if source == "status":
        return None
    if source == "family":
        return Product.family.is_null(False)
    if source == "categories":
        return Product.uuid.in_(ProductCategory.select(ProductCategory.product))
    attribute = structure.attribute(source) if isinstance(source, str) and source != "uuid" else None
    if attribute is None:
        return NONE
    rows = ValueRows(attribute, association.get("locale"), association.get("scope"))
    parameters = association.get("parameters") if isinstance(association.get("parameters"), dict) else {}
    if attribute.type == "pim_catalog_price_collection" and isinstance(parameters.get("currency"), str):
        return rows.exist(ProductValue.key == parameters["currency"])
    return rows.exist()
