"""What the product endpoints share (products-uuid and the legacy identifier endpoints): the list
with its projections (§6.6) and pagination (§4), single reads, and the write errors of §6.4."""
import base64
import binascii
import json
import re
import uuid as uuid_module
from collections import namedtuple
from urllib.parse import quote

from flask import current_app, g, jsonify, request
from peewee import JOIN, fn

from pimconnect.api import limits
from pimconnect.api.bodies import MAX_BATCH_LINES, MAX_LINE_LENGTH, collection_patch, json_object_body
from pimconnect.api.core import ApiError, documented, validation_failed
from pimconnect.api.params import (
    parse_flag,
    parse_limit,
    parse_page,
    parse_pagination_type,
    parse_search,
    parse_with_count,
)
from pimconnect.api.responses import base_url, offset_page, search_after_page
from pimconnect.models import Attribute, Category, Channel, ChannelLocale, Family, Locale, Product, ProductCategory
from pimconnect.services.structure.rest.common import Refused, check_encodable
from pimconnect.services.products import bulk as product_bulk
from pimconnect.services.access import product_permissions
from pimconnect.services.products.rest import ROW_COLUMNS, ReadOptions, normalize_products, product_rows, rows_of
from pimconnect.db import write_txn
from pimconnect.services.products.writes import (
    Replay,
    StaleProduct,
    ValidationFailed,
    current_batch,
    save_product,
    shared_structure,
)

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


def _select():
    """Products with their family code, as the representation needs them (no query per product)."""
    return Product.select(Product, Family.id, Family.code).join(Family, JOIN.LEFT_OUTER)


def find(product_uuid=None, identifier=None):
    """The product with this uuid (or identifier), family joined, or None.

    In a batch, a uuid or identifier that neither existed when the batch started nor was written by
    one of its lines is known to be absent: no query (the common case of a batch of new products).
    """
    batch = current_batch()
    if batch is not None and not batch.may_exist(product_uuid if product_uuid is not None else identifier):
        return None
    if product_uuid is not None:
        return _select().where(Product.uuid == product_uuid).first()
    if not identifier or "\x00" in identifier:  # PostgreSQL cannot even compare a NUL character
        return None
    return _select().where(Product.identifier == identifier).first()


def read_options(key, **projections):
    return ReadOptions(base_url=base_url(), key=key, metadata=current_app.config["PIM_EDITION"] == "ee",
                       with_attribute_options=parse_flag("with_attribute_options"),
                       with_completenesses=parse_flag("with_completenesses"),
                       with_quality_scores=parse_flag("with_quality_scores"), **projections)


def product_response(product, key):
    """A single product (no ``_links``, §6.2), as much of it as the caller may see (EE)."""
    check_visible(product, product.identifier if key == "identifier" else str(product.uuid))
    return jsonify(_permitted_items(normalize_products([product], read_options(key)))[0])


# --- EE permissions (§9): what a connected app's user group may see and change --------------------

def permission_scope():
    """The request's product_permissions.Scope, or None when nothing is restricted (CE, group All)."""
    if "product_scope" not in g:
        g.product_scope = product_permissions.scope_for(g.get("api_user"))
    return g.product_scope


def stored_categories(product):
    return [code for (code,) in Category.select(Category.code).join(ProductCategory)
            .where(ProductCategory.product == product.uuid).tuples()]


def check_visible(product, reference):
    """404 as for an unknown product when the caller may not see ``product``."""
    scope = permission_scope()
    if scope is not None and scope.level(stored_categories(product)) is None:
        raise not_found(reference)


def check_deletable(product, reference):
    scope = permission_scope()
    if scope is not None:
        try:
            scope.check_delete(reference, stored_categories(product))
        except product_permissions.Refusal as refusal:
            raise ApiError(refusal.status, refusal.message) from None


def _permitted_items(items):
    scope = permission_scope()
    return items if scope is None else [scope.filter(item) for item in items]


def _permitted_write(data, product, operation_id):
    """``data`` as the caller may write it: refused (403/404/422) or with its hidden categories kept."""
    scope = permission_scope()
    if scope is None:
        return data
    try:
        if product is None:
            categories = scope.check_create(data)
        else:
            categories = scope.check_update(product.identifier, stored_categories(product), data)
    except product_permissions.Refusal as refusal:
        if refusal.documented:
            raise documented(refusal.message, operation_id) from None
        raise ApiError(refusal.status, refusal.message) from None
    return data if categories is None else {**data, "categories": categories}


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


def _hidden(attributes=(), locales=()):
    """The attribute and locale codes the caller may not see (EE): they "do not exist" for it."""
    scope = permission_scope()
    return scope.hidden_codes(attributes, locales) if scope is not None else ([], [])


def _check_attributes():
    codes = _codes("attributes")
    missing = _missing(codes, Attribute.code) if codes is not None else []
    if codes is not None:
        missing += [code for code in _hidden(attributes=codes)[0] if code not in missing]
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


def _check_locales(scope):
    codes = _codes("locales")
    if codes is None:
        return None
    missing = _missing(codes, Locale.code, Locale.enabled)
    missing += [code for code in _hidden(locales=codes)[1] if code not in missing]
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


def _search_condition():
    search = parse_search()
    if not search:
        return None
    from pimconnect.api import product_search  # task C's filter compiler (imported when a search is sent)

    return product_search.product_filter(search, request.args.get("search_locale"), request.args.get("search_scope"))


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


def product_list(key, path):
    """The product list (GET /products-uuid, GET /products, POST /products-uuid/search), sorted by uuid.

    Checks run in the reference's order: pagination, ``attributes``, ``scope``, ``locales``, ``search``.
    """
    pagination_type = parse_pagination_type(search_after_supported=True)
    limit, page, with_count = parse_limit(), parse_page(), parse_with_count()
    attributes = _check_attributes()
    scope = _check_scope()
    locales = _check_locales(scope)
    query = _select()
    condition = _search_condition()
    scope_of_user = permission_scope()
    visible = scope_of_user.visible_condition() if scope_of_user is not None else None
    if visible is not None:
        condition = visible if condition is None else (condition & visible)
    if condition is not None:
        query = query.where(condition)
    if scope is not None:
        query = query.where(_in_tree(scope.tree_path))
        # With a scope and no locales, values are limited to the channel's locales (reference handler).
        locales = locales if locales is not None else scope.locales
    options = read_options(key, attributes=attributes, locales=locales, scope=scope.code if scope else None)
    if pagination_type == "search_after":
        cursor = request.args.get("search_after")
        after = _decode_cursor(cursor) if cursor else None
        rows = _walk_page(after, limit) if condition is None and scope is None else None
        if rows is None:
            if after is not None:
                query = query.where(Product.uuid > after)
            rows = product_rows(query.order_by(Product.uuid).limit(limit))
        last = encode_cursor(rows[-1].uuid) if rows else None
        return search_after_page(_items(rows, options, key), limit, last, path=path)
    if page * limit > MAX_PAGE_RESULTS:
        raise ApiError(422, PAGE_LIMIT_MESSAGE, _links={"documentation": {"href": PAGE_LIMIT_DOC}})
    rows = product_rows(query.order_by(Product.uuid).paginate(page, limit))
    count = query.order_by().count() if with_count else None
    return offset_page(_items(rows, options, key), page, limit, count=count, path=path)


def _walk_page(after, limit):
    """The rows of an unfiltered search_after page (the statement of a full walk, rendered once), or
    None when it cannot be prepared (the general path then runs)."""
    sample_uuid, sample_limit = uuid_module.UUID(int=1), 7919

    def build():
        query = _select().select(*ROW_COLUMNS)
        if after is not None:
            query = query.where(Product.uuid > sample_uuid)
        return query.order_by(Product.uuid).limit(sample_limit)

    expected = ([Product.uuid.db_value(sample_uuid)] if after is not None else []) + [sample_limit]
    sql = product_bulk.compiled_as("walk_after" if after is not None else "walk_first", build, expected)
    if sql is None:
        return None
    return rows_of(sql, ([Product.uuid.db_value(after)] if after is not None else []) + [limit])


def _items(rows, options, key):
    """The page's items, each starting with its ``_links`` (as core.with_self_link makes them)."""
    base = base_url()
    return [{"_links": {"self": {"href": base + item_path(row, key)}}, **item}
            for row, item in zip(rows, _permitted_items(normalize_products(rows, options)))]


# --- writes -------------------------------------------------------------------------------

def read_body():
    """The request's JSON object. One nested too deep for the decoder, or holding a lone surrogate (a
    ``\\ud800`` escape, which no database stores nor any answer echoes), is refused like any bad JSON,
    as the reference's decoder refuses it."""
    data = json_object_body()
    try:
        check_encodable(data)
    except Refused as exc:
        raise ApiError(exc.status, exc.message) from None
    return data


def read_json(text):
    """A JSON object sent inside a field (a multipart field), or None when read_body would refuse it."""
    try:
        data = json.loads(text)
        check_encodable(data)
    except (ValueError, RecursionError, Refused):
        return None
    return data if isinstance(data, dict) else None


def batch(key, upsert):
    """The collection PATCH (§7) keyed by ``key``.

    core.collection_patch reports bad lines one by one, but a line nested too deep for the decoder
    or holding a lone surrogate would break it after earlier lines were written: such a request is
    refused as a whole, as invalid JSON, before any line is.
    """
    lines = [line for line in limits.body_text().split("\n") if line.strip()]
    documents = [_batch_document(line) for line in lines] if len(lines) <= MAX_BATCH_LINES else []
    if any(document is _BREAKS for document in documents):
        raise ApiError(400, "Invalid json message received")
    # One write transaction for the batch: a failing line is rolled back alone and never undoes
    # earlier ones, as the reference requires, while the batch pays for one commit, one structure
    # load and one multi-row INSERT per index table, not 100 of each. On PostgreSQL the lines first
    # run without a savepoint each; should a statement fail, the batch runs again with them.
    try:
        return _run_batch(key, upsert, documents, optimistic=True)
    except Replay:
        return _run_batch(key, upsert, documents, optimistic=False)


def _run_batch(key, upsert, documents, optimistic):
    with write_txn(), shared_structure(optimistic) as shared:
        # What the lines name, looked up once in the batch's transaction; the lines keep it true.
        shared.holders = _identifier_holders(_sent_identifiers(key, documents, shared.structure.identifier))
        shared.known = (_existing_uuids(documents) if key == "uuid"
                        else {identifier for identifier, holder in shared.holders.items() if holder is not None})
        return collection_patch(key, upsert)


def _existing_uuids(documents):
    """The uuids (as UUIDs) the batch's lines name that exist now, in one query."""
    wanted = {parse_uuid(document.get("uuid")) for document in documents if isinstance(document, dict)}
    wanted.discard(None)
    if not wanted:
        return set()
    return {value for (value,) in Product.select(Product.uuid).where(Product.uuid.in_(list(wanted))).tuples()}


def _identifier_holders(identifiers):
    """{identifier: uuid of the product holding it, or None when free} for these identifiers, in one query."""
    holders = dict.fromkeys(i for i in identifiers if isinstance(i, str) and i and "\x00" not in i)
    if holders:
        holders.update(Product.select(Product.identifier, Product.uuid)
                       .where(Product.identifier.in_(list(holders))).tuples())
    return holders


def _sent_identifiers(key, documents, identifier_code):
    """The identifiers the batch's lines set: the line's key on /products, else its identifier value."""
    found = []
    for document in documents:
        if not isinstance(document, dict):
            continue
        if key == "identifier" or "identifier" in document:
            found.append(document.get("identifier"))
            continue
        values = document.get("values")
        entries = values.get(identifier_code) if isinstance(values, dict) else None
        if isinstance(entries, list) and entries and isinstance(entries[0], dict):
            found.append(entries[0].get("data"))
    return found


_BREAKS = object()
# A lone surrogate can only come from a \uD800–\uDFFF escape (the body is strict UTF-8):
# a line without one needs no walk of its document (a false match only costs the walk).
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _batch_document(line):
    """The line's JSON document; None when its own status line answers it; _BREAKS when it breaks the batch."""
    if len(line) > MAX_LINE_LENGTH:
        return None  # answered "Line is too long." on its line
    try:
        document = json.loads(line)
        if SURROGATE_ESCAPE.search(line):
            check_encodable(document)
    except ValueError:
        return None  # answered as invalid JSON on its line
    except (RecursionError, Refused):
        return _BREAKS
    if limits.depth(document) > limits.MAX_BODY_DEPTH:
        return _BREAKS
    return document


def write(data, product, by, operation_id):
    """save_product, its refusals turned into the reference's 422s (documented, or "Validation failed.")."""
    data = _permitted_write(data, product, operation_id)
    try:
        return save_product(data, product, associations_by=by)
    except ValidationFailed as exc:
        if exc.documented:
            raise documented(exc.documented[0], operation_id) from None
        raise validation_failed(exc.errors) from None
    except StaleProduct:
        # Another request changed or deleted the product during this one: nothing was written.
        raise ApiError(409, "The product was modified by another request at the same time. "
                            "Send the request again.") from None


def same_uuid(sent, product_uuid):
    """Whether a body's ``uuid`` names ``product_uuid`` (any case or spelling of the same uuid)."""
    return parse_uuid(sent) == product_uuid
