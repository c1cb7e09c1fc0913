"""The catalog structure a selection names, as validation and the SQL builders read it.

``SelectionStructure`` reads what criteria name on first use (a handful of small queries per
selection) and keeps it, so that validating a selection again — a catalog editor does on every
change — costs no query for anything already read. One object serves one request or one editor
action; it never outlives a structure change.
"""
import json
from dataclasses import dataclass
from functools import cached_property

from peewee import fn

from pimconnect.models import (
    Attribute,
    AttributeOption,
    Category,
    Channel,
    ChannelLocale,
    Currency,
    Family,
    Locale,
    MeasurementFamily,
    MeasurementUnit,
)
from pimconnect.db import db
from pimconnect.services.products import bulk
from pimconnect.services.selection.sql import sql_text

IDENTIFIER_TYPE = "pim_catalog_identifier"


@dataclass(frozen=True)
class AttributeRef:
    id: int
    code: str
    type: str
    localizable: bool
    scopable: bool
    available_locales: tuple
    metric_family: str | None


@dataclass(frozen=True)
class ChannelRef:
    id: int
    code: str
    locales: tuple  # activated or not, sorted codes


@dataclass(frozen=True)
class CategoryRef:
    id: int
    code: str
    path: str


def _attribute_ref(a):
    return AttributeRef(a.id, a.code, a.type, bool(a.localizable), bool(a.scopable),
                        tuple(a.available_locales or ()), a.metric_family)


def _ref_of_row(id_, code, type_, localizable, scopable, available_locales, metric_family):
    """The AttributeRef of a row of REF_COLUMNS as the driver gives it (SQLite: 0/1 and JSON text)."""
    if isinstance(available_locales, str):
        available_locales = json.loads(available_locales)
    return AttributeRef(id_, code, type_, bool(localizable), bool(scopable), tuple(available_locales or ()),
                        metric_family)


def _fetch(name, build, sample, params):
    """The rows of ``build()`` (whose parameters are ``sample``) run with ``params``: its SQL written once per
    shape (a search runs these lookups on every request); None when Peewee writes it with its parameters in
    another order (the caller runs its query as it is)."""
    sql = bulk.compiled_as(name, build, sample)
    return db.execute_sql(sql, params).fetchall() if sql is not None else None


# The columns an AttributeRef holds: an attribute row has some thirty (labels, validation rules …).
REF_COLUMNS = (Attribute.id, Attribute.code, Attribute.type, Attribute.localizable, Attribute.scopable,
               Attribute.available_locales, Attribute.metric_family)


class SelectionStructure:
    """Attributes, channels, locales, categories, families, options, units and currencies, each
    read once, on demand."""

    def __init__(self):
        self._attributes = {}
        self._channels = {}
        self._categories = {}
        self._families = {}
        self._options = {}
        self._units = {}
        self._currencies = {}

    # --- attributes ---------------------------------------------------------------------------
    def attributes(self, codes):
        """{code: AttributeRef} of the existing attributes among ``codes`` (strings)."""
        wanted = [c for c in dict.fromkeys(codes) if isinstance(c, str) and c not in self._attributes]
        if wanted:
            codes = [sql_text(c) for c in wanted]
            sample = [f"code{n}" for n in range(len(codes))]
            rows = _fetch(f"selection_attributes_{len(codes)}",
                          lambda: Attribute.select(*REF_COLUMNS).where(Attribute.code.in_(sample)), sample, codes)
            if rows is None:
                rows = Attribute.select(*REF_COLUMNS).where(Attribute.code.in_(codes)).tuples()
            found = {row[1]: _ref_of_row(*row) for row in rows}
            for code in wanted:
                self._attributes[code] = found.get(code)
        return {c: self._attributes[c] for c in codes if isinstance(c, str) and self._attributes.get(c)}

    def attribute(self, code):
        return self.attributes([code]).get(code) if isinstance(code, str) else None

    @cached_property
    def identifier_attribute(self):
        found = Attribute.select(*REF_COLUMNS).where(Attribute.type == IDENTIFIER_TYPE).first()
        return found and _attribute_ref(found)

    @cached_property
    def label_attribute_ids(self):
        """The attributes some family uses as its label (the grid's search looks in them)."""
        query = Family.select(Family.attribute_as_label).where(Family.attribute_as_label.is_null(False)).distinct()
        return sorted(row.attribute_as_label_id for row in query)

    # --- locales and channels -----------------------------------------------------------------
    @cached_property
    def locales(self):
        """Activated locale code -> id."""
        return dict(bulk.fetchall("selection_locales",
                                  lambda: Locale.select(Locale.code, Locale.id).where(Locale.enabled)))

    def channel(self, code):
        """The ChannelRef of ``code``, or None."""
        if not isinstance(code, str):
            return None
        if code not in self._channels:
            found = Channel.select(Channel.id).where(Channel.code == sql_text(code)).scalar()
            locales = ()
            if found is not None:
                query = ChannelLocale.select(Locale.code).join(Locale).where(ChannelLocale.channel == found)
                locales = tuple(sorted(c for (c,) in query.tuples()))
            self._channels[code] = found and ChannelRef(found, code, locales)
        return self._channels[code]

    # --- categories, families -----------------------------------------------------------------
    def categories(self, codes):
        """{code: CategoryRef} of the existing categories among ``codes`` (strings)."""
        wanted = [c for c in dict.fromkeys(codes) if c not in self._categories]
        if wanted:
            query = Category.select(Category.id, Category.code, Category.path).where(
                Category.code.in_([sql_text(c) for c in wanted]))
            found = {c.code: CategoryRef(c.id, c.code, c.path) for c in query}
            for code in wanted:
                self._categories[code] = found.get(code)
        return {c: self._categories[c] for c in codes if self._categories.get(c)}

    def families(self, codes):
        """{lower-cased code: id} of the families among ``codes``, compared case-insensitively (as
        the reference compares family codes in a search)."""
        lowered = [c.lower() for c in codes]
        wanted = [c for c in dict.fromkeys(lowered) if c not in self._families]
        if wanted:
            found = dict(Family.select(fn.LOWER(Family.code), Family.id)
                         .where(fn.LOWER(Family.code).in_([sql_text(c) for c in wanted])).tuples())
            for code in wanted:
                self._families[code] = found.get(code)
        return {c: self._families[c] for c in lowered if self._families.get(c) is not None}

    # --- options, units, currencies -----------------------------------------------------------
    def options(self, attribute, codes):
        """{lower-cased code: stored code} of the attribute's options among ``codes``."""
        known = self._options.setdefault(attribute.id, {})
        lowered = [sql_text(c).lower() for c in codes]
        wanted = [c for c in dict.fromkeys(lowered) if c not in known]
        if wanted:
            sample = [f"code{n}" for n in range(len(wanted))]

            def query(attribute_id, codes):
                return AttributeOption.select(AttributeOption.code).where(
                    AttributeOption.attribute == attribute_id, fn.LOWER(AttributeOption.code).in_(codes))

            rows = _fetch(f"selection_options_{len(wanted)}", lambda: query(-1, sample), [-1] + sample,
                          [attribute.id] + wanted)
            if rows is None:
                rows = query(attribute.id, wanted).tuples()
            found = {code.lower(): code for (code,) in rows}
            for code in wanted:
                known[code] = found.get(code)
        return {c: known[c] for c in lowered if known.get(c)}

    def units(self, metric_family):
        """{unit code: conversion operations to the standard unit} of a measurement family."""
        if metric_family not in self._units:
            query = (MeasurementUnit.select(MeasurementUnit.code, MeasurementUnit.convert_from_standard)
                     .join(MeasurementFamily).where(MeasurementFamily.code == metric_family))
            self._units[metric_family] = {code: operations or [] for code, operations in query.tuples()}
        return self._units[metric_family]

    def currency_activated(self, code):
        if code not in self._currencies:
            self._currencies[code] = Currency.select().where(Currency.code == sql_text(code), Currency.enabled).exists()
        return self._currencies[code]


class ReaderStructure(SelectionStructure):
    """The structure as a restricted reader sees it (rest-api-and-permissions.md §9.2): the attributes
    of attribute groups, the categories and the locales it may not view do not exist for it, so that a
    search naming one is refused as if it did not exist."""

    def __init__(self, access):
        super().__init__()
        self._access = access

    def attributes(self, codes):
        found = super().attributes(codes)
        hidden = set(self._access.hidden_attributes(list(found)))
        return {code: ref for code, ref in found.items() if code not in hidden}

    def categories(self, codes):
        found = super().categories(codes)
        hidden = set(self._access.hidden_categories(list(found)))
        return {code: ref for code, ref in found.items() if code not in hidden}

    @cached_property
    def locales(self):
        """Activated locale code -> id, of the locales the reader may view."""
        return {code: id_ for code, id_ in Locale.select(Locale.code, Locale.id).where(Locale.enabled).tuples()
                if self._access.can_view_locale(code)}
