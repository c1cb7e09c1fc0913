"""Products as the REST API shows them (§6.2, §6.3): a page of products in a constant number of queries.

One query each for the attributes, the association types, the page's categories, the products its
associations name, and (when asked) its completenesses and its options' labels — whatever the page size.
For a restricted reader (EE) the attributes' and categories' queries also bring their groups and its levels,
so that its Access removes what it may not see without a query of its own.
Rows come as plain tuples (ProductRow), not models, and each attribute's output rule is looked up
once per page: a page of 100 products is mostly JSON decoding and encoding, not bookkeeping.
"""
import dataclasses
import datetime
import json
import re
import uuid as uuid_module
from collections import namedtuple
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from peewee import JOIN, SQL, fn

from pimconnect.services.documents import iso
from pimconnect.models import (
    AssociationType,
    Attribute,
    AttributeGroup,
    AttributeOption,
    Category,
    CategoryPermission,
    Channel,
    Family,
    Locale,
    Product,
    ProductCategory,
    ProductCompleteness,
    UserGroupMember,
)
from pimconnect.db import db
from pimconnect.services.products import bulk as product_bulk
from pimconnect.services.products.values import MEDIA_TYPES

SELECTS = {"pim_catalog_simpleselect", "pim_catalog_multiselect"}
# The columns a representation needs; ``family`` is the family's code.
ProductRow = namedtuple("ProductRow", "uuid identifier enabled family values associations created updated")
ROW_COLUMNS = (Product.uuid, Product.identifier, Product.enabled, Family.code, Product.values, Product.associations,
               Product.created, Product.updated)
PLAIN, NUMBER, METRIC, PRICES = range(4)  # how an attribute's data is shown (see _entry)
KINDS = {"pim_catalog_number": NUMBER, "pim_catalog_metric": METRIC, "pim_catalog_price_collection": PRICES}
AttributeRule = namedtuple("AttributeRule", "type kind decimals_allowed media")
# A naive datetime as SQLite stores it (str of a datetime), with or without microseconds.
STORED_MOMENT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?", re.ASCII)
SAMPLE_USER = -7  # the reader's id in a compiled statement, swapped for the real one


def product_rows(query):
    """ProductRow tuples of a Product query (the family joined LEFT OUTER), in its order.

    The driver's rows are converted here rather than by Peewee's per-column converters (a third of a
    page's time): the uuid as a UUID, the JSON documents decoded (PostgreSQL's driver already does),
    the flag as a bool; the timestamps stay as the driver gives them (``iso_of`` reads both forms).
    """
    return rows_of(*query.select(*ROW_COLUMNS).sql())


def rows_of(sql, params):
    """ProductRow tuples of a statement selecting ROW_COLUMNS (see product_rows)."""
    return [ProductRow(uuid if isinstance(uuid, uuid_module.UUID) else uuid_of_hex(uuid), identifier,
                       bool(enabled), family, json.loads(values) if isinstance(values, str) else values,
                       json.loads(associations) if isinstance(associations, str) else associations,
                       created, updated)
            for uuid, identifier, enabled, family, values, associations, created, updated
            in db.execute_sql(sql, params).fetchall()]


def uuid_of_hex(text, new=object.__new__, assign=object.__setattr__, UUID=uuid_module.UUID,
                unknown=uuid_module.SafeUUID.unknown):
    """UUID(text) for the 32 hex digits SQLite stores, a fifth of its cost: the attributes UUID.__init__
    sets, without its parsing of every spelling a uuid may have."""
    if len(text) != 32:
        return UUID(text)
    made = new(UUID)
    assign(made, "int", int(text, 16))
    assign(made, "is_safe", unknown)
    return made


def as_row(product):
    """The ProductRow of a Product model (its family joined or not)."""
    return ProductRow(product.uuid, product.identifier, product.enabled,
                      product.family.code if product.family_id else None, product.values, product.associations,
                      product.created, product.updated)


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


def normalize_products(products, options, access):
    """The REST representation of ``products`` (Product rows with their family joined), in order, as
    much of each as ``access`` may see (the caller selected only products it may see)."""
    if not products:
        return []
    products = [p if isinstance(p, ProductRow) else as_row(p) for p in products]
    uuids = [p.uuid for p in products]
    attributes = attribute_rules(access)
    if access.restricted:  # what the reader may not see is never converted (filter_document keeps the rest)
        attributes, options = _seen_by(access, attributes, options)
    types = association_types()
    categories = page_categories(uuids, access)
    names = associated_names(products, options.key, access)
    completenesses = page_completenesses(uuids, options) if options.with_completenesses else {}
    values = {p.uuid: values_of(p.values or {}, attributes, options) for p in products}
    labels = _option_labels(values.values(), attributes) if options.with_attribute_options else {}
    # Shared by the items that have no associations (nothing mutates them before they are encoded).
    no_associations = associations_of({}, types, names)
    quantified = {code: {"products": [], "product_models": []} for code, is_quantified in types if is_quantified}
    items = []
    for product in products:
        if labels:
            _link_options(values[product.uuid], attributes, labels)
        item = {options.key: product.identifier if options.key == "identifier" else str(product.uuid),
                "enabled": product.enabled,
                "family": product.family,
                "categories": categories.get(product.uuid.hex, []),
                "groups": [],
                "parent": None,
                "values": values[product.uuid],
                "created": iso_of(product.created),
                "updated": iso_of(product.updated),
                "associations": (associations_of(product.associations, types, names) if product.associations
                                 else no_associations),
                "quantified_associations": quantified}
        if options.with_quality_scores:
            item["quality_scores"] = []  # PIM Connect computes no quality scores
        if options.with_completenesses:
            item["completenesses"] = completenesses.get(product.uuid, [])
        if options.metadata:
            item["metadata"] = {"workflow_status": "working_copy"}  # unrestricted: owner of everything
        items.append(access.filter_document(item, values_seen=True) if access.restricted else item)
    return items


def association_types():
    """(code, is_quantified) of every association type, by code (the flag 0/1 on SQLite: tested for truth)."""
    return product_bulk.fetchall("page_association_types", lambda: AssociationType.select(
        AssociationType.code, AssociationType.is_quantified).order_by(AssociationType.code))


def attribute_rules(access):
    """{code: AttributeRule} of every attribute; for a restricted reader the same query also brings
    each attribute's group, which its Access then knows without a lookup of its own."""
    if not access.restricted:
        rows = product_bulk.fetchall("page_attributes", lambda: Attribute.select(
            Attribute.code, Attribute.type, Attribute.decimals_allowed))
    else:
        rows = product_bulk.fetchall("page_attributes_groups", lambda: Attribute.select(
            Attribute.code, Attribute.type, Attribute.decimals_allowed, AttributeGroup.code).join(AttributeGroup))
        access.group_of.learn((row[0], row[3]) for row in rows)
    return {code: rule(kind_name, decimals) for code, kind_name, decimals, *_group in rows}


def rule(kind_name, decimals_allowed):
    """The AttributeRule of an attribute of this type."""
    return AttributeRule(kind_name, KINDS.get(kind_name, PLAIN), decimals_allowed, kind_name in MEDIA_TYPES)


def _seen_by(access, attributes, options):
    """The attribute rules and read options narrowed to what a restricted reader may see: the attributes
    of the groups it views, the localizable values of the locales it views."""
    visible = {code: rule for code, rule in attributes.items() if access.can_view_attribute_group(
        access.group_of.known.get(code))}
    locales = frozenset(code for code, level in access.grants.locales.codes.items() if level)
    return visible, dataclasses.replace(options, locales=locales if options.locales is None
                                        else options.locales & locales)


def iso_of(moment):
    """core.iso for the timestamps a row holds: naive UTC datetimes, or SQLite's stored text of one."""
    if isinstance(moment, str):
        if STORED_MOMENT.fullmatch(moment):  # what fromisoformat + isoformat would give, without them
            return f"{moment[:10]}T{moment[11:19]}+00:00"
        try:
            moment = datetime.datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if isinstance(moment, datetime.datetime) and moment.tzinfo is None:
        return moment.isoformat(timespec="seconds") + "+00:00"
    return iso(moment)


def page_categories(uuids, access):
    """{uuid hex: [category codes]} of the page, in one statement compiled once per page size; for a
    restricted reader the same statement brings its level on each category (its Access then knows)."""
    restricted = access.restricted

    def sample():  # the uuids the statement is compiled with (only when it is compiled)
        return [uuid_module.UUID(int=n) for n in range(len(uuids))]

    def build():
        query = ProductCategory.select(ProductCategory.product, Category.code).join(Category)
        if restricted:
            groups = UserGroupMember.select(UserGroupMember.group).where(UserGroupMember.user == SAMPLE_USER)
            granted = (CategoryPermission.category == Category.id) & CategoryPermission.group.in_(groups)
            query = (query.select_extend(fn.COALESCE(fn.MAX(CategoryPermission.level), SQL("0")))
                     .join(CategoryPermission, JOIN.LEFT_OUTER, on=granted)
                     .group_by(ProductCategory.product, Category.code))
        return query.where(ProductCategory.product.in_(sample())).order_by(Category.code)

    params = [u.hex for u in uuids]
    sql = None
    if restricted:
        sql = product_bulk.compiled_as(f"page_categories_levels_{len(uuids)}", build,
                                       lambda: [SAMPLE_USER] + [u.hex for u in sample()])
        params = [access.user_id] + params if sql else params
    if sql is None:  # unrestricted, or rendered otherwise: the codes alone (levels looked up on need)
        restricted = False
        sql = product_bulk.compiled(f"page_categories_{len(uuids)}", build)
    found = {}
    for product_id, code, *level in db.execute_sql(sql, params).fetchall():
        found.setdefault(product_id.hex if isinstance(product_id, uuid_module.UUID) else product_id, []).append(code)
        if level:
            access.category_level.learn([(code, int(level[0]))])
    return found


def associated_names(products, key, access):
    """{uuid string: name} of the associated products that still exist and the reader may see (uuid, or
    identifier on /products): the others are left out of the associations (§9.2; a write keeps them, §9.3)."""
    wanted = {ref for p in products for entry in (p.associations or {}).values()
              for ref in (entry or {}).get("products", [])}
    if not wanted:
        return {}
    query = access.restrict(Product.select(Product.uuid, Product.identifier).where(Product.uuid.in_(list(wanted))))
    return {str(row.uuid): (row.identifier if key == "identifier" else str(row.uuid)) for row in query}


def associations_of(stored, types, names):
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


def page_completenesses(uuids, options):
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


def _scope_locale(entry):
    return entry["scope"] or "", entry["locale"] or ""


def values_of(stored, attributes, options):
    """The read form of a values document, projected on the read's attributes, locales and channel.
    Without projections (a full walk) no entry is tested."""
    values = {}
    wanted, locales, channel = options.attributes, options.locales, options.scope
    for code in sorted(stored):
        attribute = attributes.get(code)
        if attribute is None or (wanted is not None and code not in wanted):
            continue
        entries = stored[code]
        if locales is not None or channel is not None:
            entries = [e for e in entries if _projected(e, locales, channel)]
        if attribute.kind == PLAIN and not attribute.media:
            entries = [{"locale": e.get("locale"), "scope": e.get("scope"), "data": e.get("data")} for e in entries]
        else:
            entries = [_entry(attribute, e.get("locale"), e.get("scope"), e.get("data"), options.base_url)
                       for e in entries]
        if len(entries) > 1:
            entries.sort(key=_scope_locale)
        if entries:
            values[code] = entries
    return values


def _projected(entry, locales, channel):
    """Whether a stored entry is in the read's locales and channel (a value without one always is)."""
    locale, scope = entry.get("locale"), entry.get("scope")
    return ((locale is None or locales is None or locale in locales)
            and (scope is None or channel is None or scope == channel))


def _entry(attribute, locale, scope, data, base_url):
    kind, decimals = attribute.kind, attribute.decimals_allowed
    if kind == NUMBER:
        data = _amount(data, decimals, 4)
    elif kind == METRIC and isinstance(data, dict):
        data = {"amount": _amount(data.get("amount"), decimals, 4), "unit": data.get("unit")}
    elif kind == PRICES and isinstance(data, list):
        data = [{"amount": _amount(p.get("amount"), decimals, 2), "currency": p.get("currency")} for p in data]
    entry = {"locale": locale, "scope": scope, "data": data}
    if attribute.media:
        entry["_links"] = {"download": {"href": f"{base_url}/api/rest/v1/media-files/{data}/download"}}
    return entry


def _amount(value, decimals_allowed, places):
    """A number as §6.3 shows it: a string when the attribute allows decimals, else an integer.

    The stored form already follows the attribute; this re-applies it in case the attribute's
    ``decimals_allowed`` changed since the value was saved.
    """
    if isinstance(value, str) if decimals_allowed else isinstance(value, int):
        return value  # already in the attribute's form (the stored one): what the general path returns
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
