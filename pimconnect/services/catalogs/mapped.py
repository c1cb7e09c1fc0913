"""Mapped products (catalogs-for-apps.md §7.5): each product shaped by the app's schema through the
catalog's mapping.

One object per product: ``uuid`` first, then each target, in the schema's order, whose value is
neither null nor empty ("we don't return empty values"). Products are first read as the REST API
shows them to the app (``normalize_products`` with the app's Access: in EE, hidden values and
categories are gone), then each target takes its source's value at the association's
(scope, locale): option, category and family labels in ``label_locale`` with a ``[code]`` fallback,
measurements converted to the mapped unit, prices in the mapped currency, numbers as integers when
whole. Labels are read once per page, whatever its size.
"""
from decimal import Decimal, InvalidOperation

from pimconnect.models import Attribute, AttributeOption, Category, Family
from pimconnect.services.catalogs.mapping import SYSTEM_SOURCES, compatible_kinds, source_kind, target_type
from pimconnect.services.products.rest import ReadOptions, normalize_products
from pimconnect.services.products.values import from_standard, to_standard
from pimconnect.services.selection.structure import SelectionStructure

SELECTS = ("pim_catalog_simpleselect", "pim_catalog_multiselect")


def mapped_products(products, catalog, access, base_url, structure=None):
    """The mapped form of ``products`` (Product rows or models, their family joined), in order."""
    schema = catalog.product_mapping_schema
    mapping = catalog.product_mapping if isinstance(catalog.product_mapping, dict) else {}
    documents = normalize_products(products, ReadOptions(base_url=base_url), access)
    page = _Page(documents, schema["properties"], mapping, structure or SelectionStructure())
    return [page.item(document) for document in documents]


class _Page:
    """One page's targets, their sources and the labels they need."""

    def __init__(self, documents, targets, mapping, structure):
        self.structure = structure
        self.targets = []  # (target, type key, association, source kind)
        structure.attributes([a.get("source") for a in mapping.values() if isinstance(a, dict)])  # one query
        for target, definition in targets.items():
            association = mapping.get(target)
            if target == "uuid" or not isinstance(association, dict) or not isinstance(association.get("source"), str):
                continue
            kind = source_kind(association["source"], structure)
            if kind is not None and kind in compatible_kinds(definition):  # an invalid mapping maps nothing
                self.targets.append((target, target_type(definition), association, kind))
        self.option_labels = self._option_labels(documents)
        self.category_labels = self._labels(Category, {c for d in documents for c in d["categories"]}, "categories")
        self.family_labels = self._labels(Family, {d["family"] for d in documents if d["family"]}, "family")

    def _option_labels(self, documents):
        """{(attribute code, option code): labels} of the options the page's mapped selects hold."""
        sources = {a["source"] for _, _, a, kind in self.targets if kind in SELECTS}
        codes = {code for d in documents for source in sources for entry in d["values"].get(source, ())
                 for code in (entry["data"] if isinstance(entry["data"], list) else [entry["data"]])
                 if isinstance(code, str)}
        if not codes:
            return {}
        query = (AttributeOption.select(Attribute.code, AttributeOption.code, AttributeOption.labels)
                 .join(Attribute).where(Attribute.code.in_(sorted(sources)), AttributeOption.code.in_(sorted(codes))))
        return {(attribute, option): labels or {} for attribute, option, labels in query.tuples()}

    def _labels(self, model, codes, kind):
        if not codes or not any(k == kind for _, _, _, k in self.targets):
            return {}
        return {code: labels or {} for code, labels in
                model.select(model.code, model.labels).where(model.code.in_(sorted(codes))).tuples()}

    def item(self, document):
        item = {"uuid": document["uuid"]}
        for target, type_key, association, kind in self.targets:
            value = self.value(document, type_key, association, kind)
            if value is not None and value != "" and value != [] and value != {}:
                item[target] = value
        return item

    def value(self, document, type_key, association, kind):
        parameters = association.get("parameters") if isinstance(association.get("parameters"), dict) else {}
        label_locale = parameters.get("label_locale")
        if kind == "status":
            return document["enabled"]
        if kind == "family":
            family = document["family"]
            return _label(self.family_labels.get(family), family, label_locale) if family else None
        if kind == "categories":
            labels = [_label(self.category_labels.get(c), c, label_locale) for c in document["categories"]]
            return labels if type_key == "array<string>" else ", ".join(labels)
        if kind in SYSTEM_SOURCES:
            return None
        entry = _entry(document["values"].get(association["source"], ()), association)
        if entry is None or entry.get("data") is None:
            return None
        return self.attribute_value(entry, type_key, association["source"], kind, parameters)

    def attribute_value(self, entry, type_key, source, kind, parameters):
        data = entry["data"]
        if kind in SELECTS:
            codes = data if isinstance(data, list) else [data]
            labels = [_label(self.option_labels.get((source, code)), code, parameters.get("label_locale"))
                      for code in codes]
            return labels if type_key == "array<string>" else ", ".join(labels)
        if kind == "pim_catalog_number":
            number = _number(data)
            return number if type_key == "number" or number is None else str(number)
        if kind == "pim_catalog_metric":
            return self.converted(data, source, parameters.get("unit"))
        if kind == "pim_catalog_price_collection":
            return _prices(data, type_key, parameters.get("currency"))
        if kind == "pim_catalog_image":
            return entry.get("_links", {}).get("download", {}).get("href")
        return data  # text, textarea, identifier, yes/no, date: as the API shows them

    def converted(self, data, source, unit):
        """A measurement's amount in ``unit`` (an integer when whole), or None when it cannot be."""
        attribute = self.structure.attribute(source)
        units = self.structure.units(attribute.metric_family) if attribute is not None else {}
        if not isinstance(data, dict) or data.get("unit") not in units or unit not in units:
            return None
        try:
            standard = to_standard(str(data.get("amount")).strip(), units[data["unit"]])
        except (InvalidOperation, ValueError):
            return None
        return _number(from_standard(standard, units[unit]))


def _entry(entries, association):
    """The value entry at the association's (scope, locale); null ones mean "not scopable / not localizable"."""
    scope, locale = association.get("scope"), association.get("locale")
    return next((e for e in entries if e.get("scope") == scope and e.get("locale") == locale), None)


def _label(labels, code, locale):
    return (labels or {}).get(locale) or f"[{code}]"


def _number(value):
    """A JSON number: an integer when whole. None for what is no number."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def _prices(data, type_key, currency):
    prices = [{"amount": _number(p.get("amount")), "currency": p.get("currency")}
              for p in data if isinstance(p, dict) and _number(p.get("amount")) is not None] \
        if isinstance(data, list) else []
    if type_key == "array<object>":
        return prices
    price = next((p for p in prices if p["currency"] == currency), None)
    if price is None:
        return None
    return price["amount"] if type_key == "number" else price
