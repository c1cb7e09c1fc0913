"""Reading products (products-uuid and the legacy identifier endpoints): a single product (§6.2) and
the list with its projections (§6.6) and pagination (§4). Every read takes the request's Access
(api.core.current_access): a product the reader may not see does not exist for it (§9.2)."""
import base64
import binascii
import uuid as uuid_module
from collections import namedtuple
from urllib.parse import quote

from flask import current_app, jsonify, request
from peewee import JOIN, fn

from pimconnect.api.core import ApiError
from pimconnect.api.params import (
    parse_flag,
    parse_limit,
    parse_page,
    parse_pagination_type,
    parse_search,
    parse_with_count,
)
from pimconnect.api.responses import Rendered, base_url, compact_json, offset_page, search_after_page
from pimconnect.models import Attribute, Category, Channel, ChannelLocale, Family, Locale, Product, ProductCategory
from pimconnect.services.drafts import drafts
from pimconnect.services.products import bulk as product_bulk
from pimconnect.services.products import rest_text
from pimconnect.services.products.rest import (
    ROW_COLUMNS,
    ReadOptions,
    normalize_products,
    product_rows,
    rows_of,
)
from pimconnect.services.products.writes import current_batch

PRODUCTS_UUID = "/api/rest/v1/products-uuid"
PRODUCTS = "/api/rest/v1/products"
MAX_PAGE_RESULTS = 10_000  # the reference's search engine window (from + size)
PAGE_LIMIT_MESSAGE = ('You have reached the maximum number of pages you can retrieve with the "page" pagination type. '
                      'Please use the search after pagination type instead')
PAGE_LIMIT_DOC = "http://api.akeneo.com/documentation/pagination.html#the-search-after-method"
Scope = namedtuple("Scope", "code tree_path locales")  # the ``scope`` channel of a list (§6.6)


def item_path(product, key):
    """The product's own URL path: by uuid, or by identifier on the legacy endpoints."""
    return f"{PRODUCTS_UUID}/{product.uuid}" if key == "uuid" else identifier_path(product.identifier)


def identifier_path(identifier):
    return f"{PRODUCTS}/{quote(identifier, safe='')}"


def not_found(reference):
    return ApiError(404, f'Product "{reference}" does not exist or you do not have permission to access it.')


def parse_uuid(raw):
    """The UUID that ``raw`` spells, or None."""
    try:
        return uuid_module.UUID(raw) if isinstance(raw, str) else None
    except ValueError:
        return None


def same_uuid(sent, product_uuid):
    """Whether a body's ``uuid`` names ``product_uuid`` (any case or spelling of the same uuid)."""
    return parse_uuid(sent) == product_uuid


def _select():
    """Products with their family code, as the representation needs them (no query per product);
    callers narrow it to what their reader may see."""
    return Product.select(Product, Family.id, Family.code).join(Family, JOIN.LEFT_OUTER)


def find(access, product_uuid=None, identifier=None):
    """The product with this uuid (or identifier), family joined, or None — also when ``access`` may not
    see it: a hidden product answers as an unknown one (§9.2)."""
    query = _lookup(access.restrict(_select()), product_uuid, identifier)
    return query.first() if query is not None else None


def find_to_write(product_uuid=None, identifier=None):
    """The stored product a write names, whoever may see it (the write's permission rules answer 404
    for a hidden one, §9.3), or None.

    In a batch, a uuid or identifier that neither existed when the batch started nor was written by
    one of its lines is known to be absent: no query (the common case of a batch of new products).
    """
    batch = current_batch()
    if batch is not None and not batch.may_exist(product_uuid if product_uuid is not None else identifier):
        return None
    query = _lookup(_select(), product_uuid, identifier)
    return query.first() if query is not None else None


def _lookup(query, product_uuid, identifier):
    if product_uuid is not None:
        return query.where(Product.uuid == product_uuid)
    if not identifier or "\x00" in identifier:  # PostgreSQL cannot even compare a NUL character
        return None
    return query.where(Product.identifier == identifier)


def read_options(key, **projections):
    return ReadOptions(base_url=base_url(), key=key, metadata=current_app.config["PIM_EDITION"] == "ee",
                       with_attribute_options=parse_flag("with_attribute_options"),
                       with_completenesses=parse_flag("with_completenesses"),
                       with_quality_scores=parse_flag("with_quality_scores"), **projections)


def product_response(access, product, key):
    """A single product the reader may see (no ``_links``, §6.2), as much of it as it may see (EE);
    an editor's workflow status tells whether it has a draft, sent or not (§9.2)."""
    options = read_options(key)
    if stored_read(options, access):
        try:
            text = rest_text.items([rest_text.row_of(product)], options, access)
        except rest_text.NotWritable:
            pass
        else:
            return current_app.response_class(text + "\n", mimetype=current_app.json.mimetype)
    return jsonify(with_draft_statuses(access, [product], normalize_products([product], options, access))[0])


def with_draft_statuses(access, products, items):
    """The items, an editor's ``working_copy`` told apart when it has a draft, sent or not (§9.2; one query,
    only when the page holds a product the reader edits without owning it). Only editors have drafts; an
    owner's or viewer's status is never changed."""
    if not access.restricted:
        return items
    editable = [(product.uuid, item) for product, item in zip(products, items)
                if item.get("metadata", {}).get("workflow_status") == "working_copy"
                and access.product_level(item.get("categories") or []) == "edit"]
    if not editable:
        return items
    statuses = drafts.draft_statuses(access.user_id, [product_uuid for product_uuid, _item in editable])
    for product_uuid, item in editable:
        if product_uuid in statuses:
            item["metadata"] = {"workflow_status": drafts.workflow_status("edit", statuses[product_uuid])}
    return items


# --- the list -----------------------------------------------------------------------------

def _codes(name):
    """A comma-separated list parameter (trimmed, as the reference does), or None when absent."""
    raw = request.args.get(name)
    return None if raw is None else [code.strip() for code in raw.split(",")]


def _missing(codes, field, *conditions):
    """The ``codes`` that ``field`` does not hold (one query; a code with a NUL character never exists)."""
    clean = [code for code in codes if "\x00" not in code]
    known = {c for (c,) in field.model.select(field).where(field.in_(clean), *conditions).tuples()} if clean else ()
    return [code for code in codes if code not in known]


def _check_attributes(access):
    codes = _codes("attributes")
    missing = _missing(codes, Attribute.code) if codes is not None else []
    if codes is not None:  # attributes the reader may not see "do not exist" for it (EE)
        missing += [code for code in access.hidden_attributes(codes) if code not in missing]
    if missing:
        text = 'Attributes "{}" do not exist.' if len(missing) > 1 else 'Attribute "{}" does not exist.'
        raise ApiError(422, text.format(", ".join(missing)))
    return frozenset(codes) if codes is not None else None


def _check_scope():
    """The ``scope`` channel, or None."""
    code = request.args.get("scope")
    if code is None:
        return None
    row = None if "\x00" in code else (
        Channel.select(Channel.id, Category.path).join(Category, on=(Channel.category_tree == Category.id))
        .where(Channel.code == code).tuples().first())
    if row is None:
        raise ApiError(422, f'Scope "{code}" does not exist.')
    locales = ChannelLocale.select(Locale.code).join(Locale).where(ChannelLocale.channel == row[0]).tuples()
    return Scope(code, row[1], frozenset(c for (c,) in locales))


def _check_locales(access, scope):
    codes = _codes("locales")
    if codes is None:
        return None
    missing = _missing(codes, Locale.code, Locale.enabled)
    missing += [code for code in access.hidden_locales(codes) if code not in missing]
    if missing:
        text = ('Locales "{}" do not exist or are not activated.' if len(missing) > 1
                else 'Locale "{}" does not exist or is not activated.')
        raise ApiError(422, text.format(", ".join(missing)))
    outside = [code for code in codes if code not in scope.locales] if scope else []
    if outside:
        subject = f'Locales "{", ".join(outside)}" are' if len(outside) > 1 else f'Locale "{outside[0]}" is'
        raise ApiError(422, f'{subject} not activated for the scope "{scope.code}".')
    return frozenset(codes)


def _in_tree(tree_path):
    """Products classified in a category of the tree whose root has ``tree_path`` (a path prefix)."""
    classified = (ProductCategory.select(ProductCategory.id).join(Category)
                  .where(ProductCategory.product == Product.uuid, Category.path.startswith(tree_path)))
    return fn.EXISTS(classified)


def _condition(access):
    """The products of the list: those matching ``search`` among those ``access`` may see, both
    through the selection engine (None when that is every product)."""
    search = parse_search()
    if not search:
        return access.product_condition()
    from pimconnect.api import product_search  # the engine's REST adapter (imported when a search is sent)

    return product_search.product_filter(access, search, request.args.get("search_locale"),
                                         request.args.get("search_scope"))


def encode_cursor(product_uuid):
    """The opaque ``search_after`` cursor after a product: its uuid's 16 bytes, base64url."""
    return base64.urlsafe_b64encode(product_uuid.bytes).decode().rstrip("=")


def _decode_cursor(raw):
    """The uuid a cursor names; a plain uuid is accepted too, as the reference does."""
    found = parse_uuid(raw)
    if found is None:
        try:
            found = uuid_module.UUID(bytes=base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        except (ValueError, binascii.Error):
            raise ApiError(422, f'"{raw}" is not a valid search_after cursor. Use the "next" link of the previous '
                                'page.') from None
    return found


def product_list(access, key, path):
    """The product list (GET /products-uuid, GET /products, POST /products-uuid/search) of the products
    ``access`` may see, sorted by uuid.

    Checks run in the reference's order: pagination, ``attributes``, ``scope``, ``locales``, ``search``.
    """
    pagination_type = parse_pagination_type(search_after_supported=True)
    limit, page, with_count = parse_limit(), parse_page(), parse_with_count()
    attributes = _check_attributes(access)
    scope = _check_scope()
    locales = _check_locales(access, scope)
    query = _select()
    condition = _condition(access)
    if condition is not None:
        query = query.where(condition)
    if scope is not None:
        query = query.where(_in_tree(scope.tree_path))
        # With a scope and no locales, values are limited to the channel's locales (reference handler).
        locales = locales if locales is not None else scope.locales
    options = read_options(key, attributes=attributes, locales=locales, scope=scope.code if scope else None)
    stored = stored_read(options, access)
    if pagination_type == "search_after":
        cursor = request.args.get("search_after")
        after = _decode_cursor(cursor) if cursor else None
        if after is not None:
            query = query.where(Product.uuid > after)
        plain = condition is None and scope is None

        def rows_for(stored):
            rows = _walk_page(access, after, limit, stored) if plain else None
            return rows if rows is not None else _rows(query.order_by(Product.uuid).limit(limit), stored)

        rows, items = _page_items(access, rows_for, stored, options, key)
        last = encode_cursor(rows[-1].uuid) if rows else None
        return search_after_page(items, limit, last, path=path)
    if page * limit > MAX_PAGE_RESULTS:
        raise ApiError(422, PAGE_LIMIT_MESSAGE, _links={"documentation": {"href": PAGE_LIMIT_DOC}})

    def rows_for(stored):
        rows = _offset_page(access, page, limit, stored) if condition is None and scope is None else None
        return rows if rows is not None else _rows(query.order_by(Product.uuid).paginate(page, limit), stored)

    rows, items = _page_items(access, rows_for, stored, options, key)
    count = _count(access, query, plain=scope is None and not parse_search()) if with_count else None
    return offset_page(items, page, limit, count=count, path=path)


def _columns(stored):
    return rest_text.columns() if stored else ROW_COLUMNS


def _rows(query, stored):
    """The rows of a Product query with its family joined: StoredRows when ``stored``, else ProductRows."""
    return rest_text.read(*rest_text.select_sql(query)) if stored else product_rows(query)


def stored_read(options, access):
    """Whether this read's products are written from their stored text (rest_text), not rendered."""
    return (current_app.config["PIM_API_STORED_VALUES"] and compact_json()
            and rest_text.eligible(options, access))


def _page_items(access, rows_for, stored, options, key):
    """(rows, items) of a page: ``rows_for(stored)`` reads its rows; items as text when ``stored``, unless
    a value cannot be written that way (then the page is read again and rendered)."""
    if stored:
        rows = rows_for(True)
        base = base_url()
        try:
            if key == "uuid":
                items = rest_text.items(rows, options, access, href_prefix=base + PRODUCTS_UUID + "/")
            else:
                items = rest_text.items(rows, options, access, href_of=lambda row: base + item_path(row, key))
            return rows, Rendered(items, len(rows))
        except rest_text.NotWritable:
            pass
    rows = rows_for(False)
    return rows, _items(access, rows, options, key)


def _count(access, query, plain):
    """How many products the list holds: with no search and no scope, those the reader sees (counted by
    its Access in one pass, not probed one by one); else the list's query counted."""
    visible = access.visible_count() if plain else None
    return visible if visible is not None else query.order_by().count()


def _walk_page(access, after, limit, stored=False):
    """The rows of an unfiltered search_after page (the statement of a full walk, rendered once), or
    None when it cannot be prepared or the reader may not see every product (the general path then runs).
    ``stored``: with the stored text (rest_text)."""
    if access.product_condition() is not None:
        return None
    sample_uuid, sample_limit = uuid_module.UUID(int=1), 7919

    def build():
        query = _select().select(*_columns(stored))
        if after is not None:
            query = query.where(Product.uuid > sample_uuid)
        return query.order_by(Product.uuid).limit(sample_limit)

    expected = ([Product.uuid.db_value(sample_uuid)] if after is not None else []) + [sample_limit]
    name = ("walk_after" if after is not None else "walk_first") + ("_stored" if stored else "")
    sql = product_bulk.compiled_as(name, build, expected)
    if sql is None:
        return None
    return (rest_text.read if stored else rows_of)(sql, ([Product.uuid.db_value(after)] if after is not None else [])
                                                    + [limit])


def _offset_page(access, page, limit, stored=False):
    """The rows of an unfiltered offset page (the statement rendered once: a small page's fixed cost),
    or None when it cannot be prepared or the reader may not see every product."""
    if access.product_condition() is not None:
        return None
    sample_limit, sample_offset = 7919, 7927

    def build():
        return (_select().select(*_columns(stored)).order_by(Product.uuid)
                .limit(sample_limit).offset(sample_offset))

    sql = product_bulk.compiled_as("offset_page_stored" if stored else "offset_page", build,
                                   [sample_limit, sample_offset])
    if sql is None:
        return None
    return (rest_text.read if stored else rows_of)(sql, [limit, (page - 1) * limit])


def _items(access, rows, options, key):
    """The page's items, each starting with its ``_links`` (as core.with_self_link makes them)."""
    base = base_url()
    items = with_draft_statuses(access, rows, normalize_products(rows, options, access))
    return [{"_links": {"self": {"href": base + item_path(row, key)}}, **item} for row, item in zip(rows, items)]
