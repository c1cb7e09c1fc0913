"""Products as the REST API shows them (§6.2, §6.3): a page of products in a constant number of queries.

One query each for the attributes, the association types, the page's categories, the products its
associations name, and (when asked) its completenesses and its options' labels — whatever the page size.
"""
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from pimconnect.api.core import iso
from pimconnect.models import (
    AssociationType,
    Attribute,
    AttributeOption,
    Category,
    Channel,
    Locale,
    Product,
    ProductCategory,
    ProductCompleteness,
)
from pimconnect.services.values import MEDIA_TYPES

SELECTS = {"pim_catalog_simpleselect", "pim_catalog_multiselect"}


@dataclass
class ReadOptions:
    """What a read asks for: the projections of §6.6 and the optional blocks of §6.2."""

    base_url: str  # the PIM's public address, for media download links
    key: str = "uuid"  # "identifier" on the legacy /products endpoints
    attributes: frozenset | None = None  # only these attributes' values
    locales: frozenset | None = None  # localizable values only in these locales
    scope: str | None = None  # scopable values only for this channel
    with_attribute_options: bool = False
    with_completenesses: bool = False
    with_quality_scores: bool = False
    metadata: bool = False  # EE: the workflow status


def normalize_products(products, options):
    """The REST representation of ``products`` (Product rows with their family joined), in order."""
    if not products:
        return []
    uuids = [p.uuid for p in products]
    attributes = {a.code: a for a in Attribute.select(Attribute.code, Attribute.type, Attribute.decimals_allowed)}
    types = list(AssociationType.select(AssociationType.code, AssociationType.is_quantified)
                 .order_by(AssociationType.code).tuples())
    categories = _categories(uuids)
    names = _associated_names(products, options.key)
    completenesses = _completenesses(uuids, options) if options.with_completenesses else {}
    values = {p.uuid: _values(p.values or {}, attributes, options) for p in products}
    labels = _option_labels(values.values(), attributes) if options.with_attribute_options else {}
    items = []
    for product in products:
        if labels:
            _link_options(values[product.uuid], attributes, labels)
        item = {options.key: product.identifier if options.key == "identifier" else str(product.uuid),
                "enabled": product.enabled,
                "family": product.family.code if product.family_id else None,
                "categories": categories.get(product.uuid, []),
                "groups": [],
                "parent": None,
                "values": values[product.uuid],
                "created": iso(product.created),
                "updated": iso(product.updated),
                "associations": _associations(product.associations or {}, types, names),
                "quantified_associations": {code: {"products": [], "product_models": []}
                                            for code, quantified in types if quantified}}
        if options.with_quality_scores:
            item["quality_scores"] = []  # PIM Connect computes no quality scores
        if options.with_completenesses:
            item["completenesses"] = completenesses.get(product.uuid, [])
        if options.metadata:
            item["metadata"] = {"workflow_status": "working_copy"}  # no EE category permissions: all owned
        items.append(item)
    return items


def _categories(uuids):
    query = (ProductCategory.select(ProductCategory.product, Category.code).join(Category)
             .where(ProductCategory.product.in_(uuids)).order_by(Category.code).tuples())
    found = {}
    for product_uuid, code in query:
        found.setdefault(product_uuid, []).append(code)
    return found


def _associated_names(products, key):
    """{uuid string: name} of the associated products that still exist (uuid, or identifier on /products)."""
    wanted = {ref for p in products for entry in (p.associations or {}).values()
              for ref in (entry or {}).get("products", [])}
    if not wanted:
        return {}
    query = Product.select(Product.uuid, Product.identifier).where(Product.uuid.in_(list(wanted)))
    return {str(row.uuid): (row.identifier if key == "identifier" else str(row.uuid)) for row in query}


def _associations(stored, types, names):
    """Every non-quantified association type, with empty lists when unused (§6.2)."""
    result = {}
    for code, quantified in types:
        if quantified:
            continue
        entry = stored.get(code) or {}
        result[code] = {"groups": list(entry.get("groups", [])),
                        "products": [names[ref] for ref in entry.get("products", []) if ref in names],
                        "product_models": list(entry.get("product_models", []))}
    return result


def _completenesses(uuids, options):
    """[{"scope", "locale", "data"}] per product, restricted to the read's channel and locales."""
    query = (ProductCompleteness.select(ProductCompleteness.product, Channel.code, Locale.code,
                                        ProductCompleteness.ratio)
             .join(Channel, on=(ProductCompleteness.channel == Channel.id))
             .switch(ProductCompleteness).join(Locale, on=(ProductCompleteness.locale == Locale.id))
             .where(ProductCompleteness.product.in_(uuids)).order_by(Channel.code, Locale.code))
    if options.scope is not None:
        query = query.where(Channel.code == options.scope)
    if options.locales is not None:
        query = query.where(Locale.code.in_(list(options.locales)))
    found = {}
    for product_uuid, channel, locale, ratio in query.tuples():
        found.setdefault(product_uuid, []).append({"scope": channel, "locale": locale, "data": ratio})
    return found


def _values(stored, attributes, options):
    """The read form of a values document, projected on the read's attributes, locales and channel."""
    values = {}
    for code in sorted(stored):
        attribute = attributes.get(code)
        if attribute is None or (options.attributes is not None and code not in options.attributes):
            continue
        entries = []
        for entry in stored[code]:
            locale, scope = entry.get("locale"), entry.get("scope")
            if locale is not None and options.locales is not None and locale not in options.locales:
                continue
            if scope is not None and options.scope is not None and scope != options.scope:
                continue
            entries.append(_entry(attribute, locale, scope, entry.get("data"), options.base_url))
        if entries:
            values[code] = sorted(entries, key=lambda e: (e["scope"] or "", e["locale"] or ""))
    return values


def _entry(attribute, locale, scope, data, base_url):
    kind, decimals = attribute.type, attribute.decimals_allowed
    if kind == "pim_catalog_number":
        data = _amount(data, decimals, 4)
    elif kind == "pim_catalog_metric" and isinstance(data, dict):
        data = {"amount": _amount(data.get("amount"), decimals, 4), "unit": data.get("unit")}
    elif kind == "pim_catalog_price_collection" and isinstance(data, list):
        data = [{"amount": _amount(p.get("amount"), decimals, 2), "currency": p.get("currency")} for p in data]
    entry = {"locale": locale, "scope": scope, "data": data}
    if kind in MEDIA_TYPES:
        entry["_links"] = {"download": {"href": f"{base_url}/api/rest/v1/media-files/{data}/download"}}
    return entry


def _amount(value, decimals_allowed, places):
    """A number as §6.3 shows it: a string when the attribute allows decimals, else an integer.

    The stored form already follows the attribute; this re-applies it in case the attribute's
    ``decimals_allowed`` changed since the value was saved.
    """
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    if not number.is_finite():
        return value
    if decimals_allowed:
        return value if isinstance(value, str) else f"{number:.{places}f}"
    return int(number) if number == number.to_integral_value() else str(value)


def _option_labels(documents, attributes):
    """{(attribute code, option code): labels} for every option the page's values name, in one query."""
    pairs = set()
    for values in documents:
        for code, entries in values.items():
            if attributes[code].type not in SELECTS:
                continue
            for entry in entries:
                codes = entry["data"] if isinstance(entry["data"], list) else [entry["data"]]
                pairs.update((code, option) for option in codes if isinstance(option, str))
    if not pairs:
        return {}
    query = (AttributeOption.select(Attribute.code, AttributeOption.code, AttributeOption.labels).join(Attribute)
             .where(Attribute.code.in_({a for a, _ in pairs}), AttributeOption.code.in_({o for _, o in pairs})))
    return {(attribute, option): labels or {} for attribute, option, labels in query.tuples()}


def _link_options(values, attributes, labels):
    """Add ``linked_data`` to select values (with_attribute_options=true, §6.3)."""
    for code, entries in values.items():
        kind = attributes[code].type
        for entry in entries if kind in SELECTS else ():
            if kind == "pim_catalog_simpleselect":
                entry["linked_data"] = _linked(code, entry["data"], labels)
            else:
                entry["linked_data"] = {option: _linked(code, option, labels) for option in entry["data"]}


def _linked(attribute, option, labels):
    return {"attribute": attribute, "code": option, "labels": labels.get((attribute, option), {})}
