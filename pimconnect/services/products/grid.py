"""The product grid: filters → one SQL query, keyset-paginated on the identifier.

The filters are a selection of the selection engine (services/selection, grid dialect): every
filter a WHERE clause on indexed tables (``Product (family, enabled, identifier)``,
``ProductCategory (product, category)``, ``ProductCompleteness (product, channel, locale)``,
``ProductValue``), so a page costs about the same on 10k or 100k products. Nothing is loaded
into Python to be filtered; Python only formats the ≤ 25 rows of the page.
"""
from dataclasses import dataclass

from peewee import JOIN

from pimconnect.models import Attribute, Category, Channel, Family, Locale, Product, ProductCompleteness
from pimconnect.services import selection
from pimconnect.services.selection import (
    GRID_FILTERS,
    IDENTIFIER_ORDER,
    REST,
    Criterion,
    InvalidSelection,
    Selection,
)

PAGE_SIZE = 25

# The completeness operators the form offers, with the sign it shows; the selection engine's
# registry compiles them (registry.operators_for("completeness", GRID_FILTERS)).
COMPLETENESS_OPERATORS = {">=": "≥", "<=": "≤", "=": "=", "<": "<", ">": ">"}
ENABLED_CHOICES = {"yes": True, "no": False}
IMAGE_TYPE = "pim_catalog_image"


@dataclass
class GridFilters:
    """What the grid shows: search text, filters, and the channel/locale of labels and completeness."""

    search: str = ""
    family: str = ""
    category: str = ""
    enabled: str = ""
    channel: str = "ecommerce"
    locale: str = "en_US"
    completeness_op: str = ""
    completeness: int | None = None

    def query_args(self, after=None):
        """The non-empty filters as GET parameters (for pagination links)."""
        args = {
            "search": self.search, "family": self.family, "category": self.category,
            "enabled": self.enabled, "channel": self.channel, "locale": self.locale,
            "completeness_op": self.completeness_op,
            "completeness": "" if self.completeness is None else str(self.completeness),
        }
        if after:
            args["after"] = after
        return {k: v for k, v in args.items() if v}


def parse_filters(args, default_locale="en_US", default_channel="ecommerce"):
    """GridFilters from GET parameters; unknown choices fall back to "no filter"."""
    value = (args.get("completeness") or "").strip()
    completeness = int(value) if value.isdigit() and 0 <= int(value) <= 100 else None
    operator = args.get("completeness_op") or ""
    if operator not in COMPLETENESS_OPERATORS or completeness is None:
        operator, completeness = "", None
    enabled = args.get("enabled") or ""
    return GridFilters(
        search=(args.get("search") or "").strip()[:255],
        family=(args.get("family") or "").strip(),
        category=(args.get("category") or "").strip(),
        enabled=enabled if enabled in ENABLED_CHOICES else "",
        channel=(args.get("channel") or default_channel).strip(),
        locale=(args.get("locale") or default_locale).strip(),
        completeness_op=operator,
        completeness=completeness,
    )


def grid_selection(filters):
    """The filters as a selection of the engine (grid dialect, REST semantics)."""
    criteria = []
    if filters.family:
        criteria.append(Criterion("family", "IN", [filters.family]))
    if filters.enabled:
        criteria.append(Criterion("enabled", "=", ENABLED_CHOICES[filters.enabled]))
    if filters.category:  # classified in the category or any of its descendants
        criteria.append(Criterion("categories", "IN CHILDREN", [filters.category]))
    if filters.completeness_op:
        criteria.append(Criterion("completeness", filters.completeness_op, filters.completeness,
                                  locale=filters.locale, scope=filters.channel))
    if filters.search:  # the identifier or the label contains the text
        criteria.append(Criterion("search", "CONTAINS", filters.search, locale=filters.locale))
    return Selection(criteria, GRID_FILTERS, REST)


def grid_query(access, filters, after=None, limit=PAGE_SIZE):
    """The SELECT for one page of the products ``access`` may see (``limit + 1`` rows, to know whether a
    next page exists); raises InvalidSelection when a filter names nothing that exists."""
    query = Product.select(
        Product.uuid, Product.identifier, Product.enabled, Product.family, Product.values, Product.updated
    )
    where = selection.condition(access, grid_selection(filters), order=IDENTIFIER_ORDER)
    if where is not None:
        query = query.where(where)
    if after:
        query = query.where(Product.identifier > after)
    return query.order_by(Product.identifier).limit(limit + 1)


# An exact count walks every matching row: at 100k products that is ten times the page's cost.
# Past this many the grid says "more than 10,000" (the count stops there, keeping pages fast).
COUNT_CAP = selection.COUNT_CAP


def grid_total(access, filters, cap=COUNT_CAP):
    """How many products ``access`` may see match the filters, counted in the database up to ``cap``
    (then ``cap + 1``)."""
    try:
        total = selection.count(access, grid_selection(filters), cap=cap)
    except InvalidSelection:
        return 0
    return total.value if total.exact else cap + 1


def grid_page(access, filters, after=None, limit=PAGE_SIZE):
    """One page of the grid (the products ``access`` may see): (rows, next_cursor); next_cursor is None
    on the last page."""
    try:
        products = list(grid_query(access, filters, after, limit))
    except InvalidSelection:  # a filter names something that does not exist: nothing matches
        return [], None
    next_cursor = products[limit - 1].identifier if len(products) > limit else None
    products = products[:limit]
    return _rows(products, filters, access), next_cursor


def _rows(products, filters, access=None):
    """The grid's rows; a restricted reader (EE) sees no label or image of an attribute group it may not view."""
    family_ids = {p.family_id for p in products if p.family_id}
    image = Attribute.alias()
    families = {f.id: f for f in Family.select(Family, Attribute.code.alias("label_code"), image.code.alias("image_code"))
                .join(Attribute, JOIN.LEFT_OUTER, on=(Family.attribute_as_label == Attribute.id))
                .join(image, JOIN.LEFT_OUTER, on=(Family.attribute_as_image == image.id), src=Family)
                .where(Family.id.in_(family_ids)).objects()}
    image_codes = [code for (code,) in Attribute.select(Attribute.code).where(Attribute.type == IMAGE_TYPE)
                   .order_by(Attribute.sort_order, Attribute.code).tuples()] if products else []
    ratios = _ratios([p.uuid for p in products], filters.channel, filters.locale)
    hidden = set()
    if access is not None and access.restricted and products:
        named = {f.label_code for f in families.values()} | {f.image_code for f in families.values()}
        hidden = set(access.hidden_attributes(sorted(code for code in named | set(image_codes) if code)))
        image_codes = [code for code in image_codes if code not in hidden]
    rows = []
    for product in products:
        family = families.get(product.family_id)
        rows.append({
            "uuid": product.uuid,
            "identifier": product.identifier,
            "label": product_label(product, family and family.label_code not in hidden and family.label_code,
                                   filters.locale),
            "family": family_label(family, filters.locale),
            "image": first_image(product, family and family.image_code not in hidden and family.image_code,
                                 image_codes),
            "enabled": product.enabled,
            "completeness": ratios.get(product.uuid),
            "updated": product.updated,
        })
    return rows


def _ratios(uuids, channel_code, locale_code):
    """{uuid: ratio} for the page's products on one channel and locale."""
    channel_id = Channel.select(Channel.id).where(Channel.code == channel_code).scalar()
    locale_id = Locale.select(Locale.id).where(Locale.code == locale_code).scalar()
    if not uuids or channel_id is None or locale_id is None:
        return {}
    return {row.product_id: row.ratio for row in ratios_query(uuids, channel_id, locale_id)}


def ratios_query(uuids, channel_id, locale_id):
    """Completeness rows looked up by the unique (product, channel, locale) key.

    Ids, not codes: joined to Channel/Locale by code, SQLite walked the (channel, locale, ratio)
    index over every product of the catalog. ``required`` is selected on purpose: with only
    (product, ratio) that index is "covering" and SQLite prefers scanning it too.
    """
    columns = (ProductCompleteness.product, ProductCompleteness.ratio, ProductCompleteness.required)
    return ProductCompleteness.select(*columns).where(
        ProductCompleteness.product.in_(uuids)
        & (ProductCompleteness.channel == channel_id)
        & (ProductCompleteness.locale == locale_id)
    )


def product_label(product, label_code, locale):
    """The attribute-as-label value in ``locale`` (or its non-localized value), else the identifier."""
    for entry in (product.values or {}).get(label_code or "", []):
        if entry.get("locale") in (locale, None) and isinstance(entry.get("data"), str) and entry["data"].strip():
            return entry["data"]
    return product.identifier


def first_image(product, preferred, image_codes):
    """The media code of the grid's thumbnail: the family's image attribute, else the first image value."""
    values = product.values or {}
    for code in ([preferred] if preferred else []) + image_codes:
        for entry in values.get(code, []):
            if isinstance(entry.get("data"), str) and entry["data"]:
                return entry["data"]
    return None


def family_label(family, locale):
    if family is None:
        return ""
    return (family.labels or {}).get(locale) or f"[{family.code}]"


def filter_choices(locale, access=None):
    """What the filter form offers: families, categories (every tree, indented), channels and locales —
    for a restricted reader (EE), the categories and locales it may view."""
    families = [(f.code, family_label(f, locale)) for f in Family.select().order_by(Family.code)]
    categories = [
        (c.code, c.level, (c.labels or {}).get(locale) or f"[{c.code}]")
        for c in Category.select().order_by(Category.path)
    ]
    channels = [(c.code, (c.labels or {}).get(locale) or f"[{c.code}]") for c in Channel.select().order_by(Channel.code)]
    locales = [
        loc.code for loc in Locale.select().where(Locale.enabled == True).order_by(Locale.code)  # noqa: E712
    ]
    if access is not None and access.restricted:
        hidden = set(access.hidden_categories([code for code, _level, _label in categories]))
        categories = [entry for entry in categories if entry[0] not in hidden]
        locales = access.visible_locales(locales)
    return {"families": families, "categories": categories, "channels": channels, "locales": locales,
            "operators": list(COMPLETENESS_OPERATORS.items())}

