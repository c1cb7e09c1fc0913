"""A catalog's products as its app reads them (catalogs-for-apps.md §3.6, §5.2, §6.2): pages of
UUIDs, identifiers or product documents, and one product — each page one SQL query over the catalog's
selection, in ascending uuid order with keyset pagination (nothing loads the whole selection).

Two functions say which products a catalog holds; everything else goes through them:

- ``selection_condition(access, catalog, criteria=None)`` — *which products*: the catalog's criteria
  compiled by the selection engine (catalog dialect and semantics) for the app user's Access (so EE
  permissions apply) AND "the source of each required target of the mapping is not empty" (§7.6,
  ``mapping.required_targets_condition``). The editor's preview counts and pages the same
  ``catalog_selection`` with the same required-targets condition (``preview.required_targets``), so
  that it selects exactly what product-uuids returns.
- ``readable_condition(access, catalog, window=None)`` — *may they be read now*: the gate of every
  product endpoint (product-uuids, products, one product, product-identifiers, mapped products). It
  refuses with ``CatalogDisabled`` (answered with the §6.2 payload) a disabled catalog, a catalog the
  validity check finds invalid before the call (§6.3: ``validity.ensure_valid`` disables it), and stored
  criteria the engine cannot evaluate (never a 500); then ANDs the request's ``updated_*`` window to
  ``selection_condition``.
"""
import datetime
import operator
from dataclasses import dataclass
from functools import reduce

from peewee import JOIN

from pimconnect.models import Family, Product
from pimconnect.services import selection as engine
from pimconnect.services.catalogs import validity
from pimconnect.services.catalogs.mapping import required_targets_condition
from pimconnect.services.products.rest import ReadOptions, normalize_products, product_rows
from pimconnect.services.selection.plans import Plan
from pimconnect.services.selection.structure import SelectionStructure

MAX_LIMIT = 1000  # GetProductUuidsQuery / GetProductsQuery: Range(1, 1000)
DEFAULT_LIMIT = 100
ONE_SECOND = datetime.timedelta(seconds=1)
# The product document of the catalog endpoints: exactly these keys, in this order (§3.6).
KEYS = ("uuid", "enabled", "family", "categories", "groups", "parent", "values", "associations",
        "quantified_associations", "created", "updated")


class CatalogDisabled(Exception):
    """The catalog's products cannot be read now: it is disabled (or was just found invalid)."""


@dataclass(frozen=True)
class Window:
    """What a page asks for: ``limit`` products after the uuid ``after`` (None: from the start),
    updated after / before moments (naive UTC datetimes, or None)."""

    after: object = None
    limit: int = DEFAULT_LIMIT
    updated_after: datetime.datetime | None = None
    updated_before: datetime.datetime | None = None


def catalog_selection(criteria):
    """The engine's Selection of catalog ``criteria`` (§4: the stored JSON list, saved or not)."""
    return engine.Selection(criteria, engine.CATALOG_CRITERIA, engine.CATALOG)


def selection_condition(access, catalog, criteria=None):
    """The condition on Product of the products ``catalog`` holds among those ``access`` may see
    (None: every product); ``criteria``: the editor's unsaved criteria instead of the stored ones.
    Raises ``selection.InvalidSelection`` for criteria that do not hold (any more)."""
    structure = SelectionStructure()  # the criteria's and the required targets' lookups, shared
    criteria = catalog.product_selection_criteria if criteria is None else criteria
    return _and([engine.condition(access, catalog_selection(criteria), structure),
                 required_targets_condition(catalog, structure)])


def readable_condition(access, catalog, window=None):
    """The condition on Product of what the app may read from ``catalog`` now, or CatalogDisabled.

    Every product endpoint goes through here; see the module's docstring for what it combines.
    """
    if not catalog.enabled:
        raise CatalogDisabled(catalog.id)
    if not validity.ensure_valid(catalog):  # found invalid now: disabled, Manage-apps users told (§6.3)
        raise CatalogDisabled(catalog.id)
    try:
        conditions = [selection_condition(access, catalog)]
    except engine.InvalidSelection:
        raise CatalogDisabled(catalog.id) from None
    if window is not None:
        conditions.append(updated_condition(window.updated_after, window.updated_before))
    return _and(conditions)


def _and(conditions):
    conditions = [c for c in conditions if c is not None]
    return reduce(operator.and_, conditions) if conditions else None


def updated_condition(after, before):
    """The ``updated_*`` window (§3.6), to the second as the reference stores dates: both given →
    inclusive ``[after, before]``; only one → strict. None when neither is given."""
    if after is None and before is None:
        return None

    def build(column):
        parts = []
        if after is not None:
            parts.append(column >= (after if before is not None else _plus_one_second(after)))
        if before is not None:
            parts.append(column < (_plus_one_second(before) if after is not None else before))
        return reduce(operator.and_, parts)

    # A recent ``updated`` holds few products: read through its index; otherwise in uuid order.
    return Plan(engine.CATALOG).on_column(Product.updated, build)


def _plus_one_second(moment):
    try:
        return moment + ONE_SECOND
    except OverflowError:
        return datetime.datetime.max


def _page(query, condition, window):
    if condition is not None:
        query = query.where(condition)
    if window.after is not None:
        query = query.where(Product.uuid > window.after)
    return query.order_by(Product.uuid).limit(window.limit)


def uuid_page(access, catalog, window):
    """The page's product UUIDs (#6)."""
    query = _page(Product.select(Product.uuid), readable_condition(access, catalog, window), window)
    return [uuid for (uuid,) in query.tuples()]


def identifier_page(access, catalog, window):
    """The page's (uuid, identifier) pairs (#9: identifiers, paged by the last one's uuid); the
    ``updated_*`` window does not apply to this endpoint."""
    window = Window(window.after, window.limit)
    query = _page(Product.select(Product.uuid, Product.identifier), readable_condition(access, catalog, window),
                  window)
    return list(query.tuples())


def product_page(access, catalog, window, base_url):
    """The page's product documents (#7), value filters applied (§5.2)."""
    condition = readable_condition(access, catalog, window)
    rows = product_rows(_page(Product.select(Product.uuid).join(Family, JOIN.LEFT_OUTER), condition, window))
    return _documents(access, catalog, rows, base_url)


def one_product(access, catalog, product_uuid, base_url):
    """The product ``product_uuid`` (a UUID) when it is in the catalog's selection (#8), else None."""
    condition = readable_condition(access, catalog)
    query = Product.select(Product.uuid).join(Family, JOIN.LEFT_OUTER).where(Product.uuid == product_uuid)
    if condition is not None:
        query = query.where(condition)
    rows = product_rows(query.limit(1))
    return _documents(access, catalog, rows, base_url)[0] if rows else None


def _documents(access, catalog, rows, base_url):
    """The REST representation of ``rows`` with exactly the §3.6 keys, value filters applied."""
    filters = ValueFilters.of(catalog.product_value_filters)
    documents = normalize_products(rows, ReadOptions(base_url=base_url), access)
    return [filters.apply({key: document[key] for key in KEYS}) for document in documents]


@dataclass(frozen=True)
class ValueFilters:
    """The catalog's value filters (§5.1); None (or an empty list) means no filter on that axis."""

    channels: frozenset | None = None
    locales: frozenset | None = None
    currencies: frozenset | None = None

    @classmethod
    def of(cls, stored):
        stored = stored if isinstance(stored, dict) else {}

        def axis(name):
            codes = stored.get(name)
            return frozenset(c for c in codes if isinstance(c, str)) if isinstance(codes, list) and codes else None

        return cls(axis("channels"), axis("locales"), axis("currencies"))

    @property
    def empty(self):
        return self.channels is None and self.locales is None and self.currencies is None

    def apply(self, document):
        """Keep the values of the listed channels and locales (values without one always stay) and
        the prices of the listed currencies; an attribute whose values all went maps to ``[]``."""
        if self.empty:
            return document
        document["values"] = {code: [self._entry(e) for e in entries if self._kept(e)]
                              for code, entries in document["values"].items()}
        return document

    def _kept(self, entry):
        scope, locale = entry.get("scope"), entry.get("locale")
        return ((scope is None or self.channels is None or scope in self.channels)
                and (locale is None or self.locales is None or locale in self.locales))

    def _entry(self, entry):
        data = entry.get("data")
        if self.currencies is None or not _is_prices(data):
            return entry
        return {**entry, "data": [price for price in data if price.get("currency") in self.currencies]}


def _is_prices(data):
    return isinstance(data, list) and bool(data) and all(isinstance(p, dict) and "currency" in p for p in data)
