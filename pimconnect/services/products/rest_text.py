"""Product pages written out from the stored representation (issue 16): the same bytes as
``rest.normalize_products`` encoded by the app's JSON provider, without decoding a values document.

A read takes this path when it has nothing that changes a product's values: no projection
(``attributes``, ``locales``, ``scope``), no ``with_attribute_options``, and a reader that sees every
product whole (CE, or an unrestricted EE reader). Everything else a page holds besides the values is
written as the general path writes it, from the same helpers: categories, associations (the names of
the associated products that still exist), completenesses, quality scores, the EE metadata. A row
whose stored text is NULL has its values rendered here, as the general path would.

The items are JSON text in the key order of ``normalize_products``, each piece written by orjson, as
the provider writes the general path's dicts; tests/test_api_stored_values.py holds the two paths
byte for byte equal.
"""
import json
import uuid as uuid_module
from collections import namedtuple

from orjson import dumps
from peewee import JOIN, SQL, Case, fn

from pimconnect.db import db, is_sqlite
from pimconnect.models import Category, Family, Product, ProductCategory
from pimconnect.services.products import rest
from pimconnect.services.products.representation import with_links

SEPARATOR = "\x1f"  # char(31), between the category codes of a row
WORKING_COPY = ',"metadata":{"workflow_status":"working_copy"}'


class NotWritable(Exception):
    """A value orjson cannot write (an integer beyond 64 bits): the page takes the general path, whose
    encoder falls back to the standard library for the whole answer."""


class StoredRow(namedtuple("StoredRow", "key identifier enabled family values associations created updated "
                                        "api_values categories text_uuid")):
    """A row of columns(): rest.ProductRow's fields (``values`` only where ``api_values`` is NULL; the uuid
    as the driver gives it, a UUID or SQLite's hex, made a UUID on demand), the stored text, the category
    codes joined by SEPARATOR (None when not read: a product model's row) and the uuid's text."""

    __slots__ = ()

    @property
    def uuid(self):
        key = self.key
        return key if isinstance(key, uuid_module.UUID) else rest.uuid_of_hex(key)



def read(sql, params):
    """The StoredRows of a statement selecting columns(), converted as rest.rows_of converts its rows. On
    SQLite the uuid's text is written here from its 32 hex digits (SQL's printf costs more)."""
    loads = json.loads
    rows = db.execute_sql(sql, params).fetchall()
    if not rows or len(rows[0]) == len(StoredRow._fields):  # PostgreSQL: UUIDs, documents decoded, codes in order
        return [StoredRow(uuid, identifier, enabled, family, values, associations, created, updated, api_values,
                          categories, text_uuid)
                for uuid, identifier, enabled, family, values, associations, created, updated, api_values,
                categories, text_uuid in rows]
    return [StoredRow(uuid, identifier, bool(enabled), family,
                      values if values is None else loads(values),
                      associations if associations is None else loads(associations),
                      created, updated, api_values, categories,
                      f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}" if len(uuid) == 32
                      else str(rest.uuid_of_hex(uuid)))
            for uuid, identifier, enabled, family, values, associations, created, updated, api_values, categories
            in rows]


def row_of(product):
    """The StoredRow of a Product model (its family joined or not); its categories are looked up."""
    return StoredRow(*rest.as_row(product), product.api_values, None, str(product.uuid))


def columns():
    """rest.ROW_COLUMNS as a stored-text page reads them: the values document only where the stored text
    is NULL; on PostgreSQL the timestamps already written as the API writes them (``2016-06-23T18:24:44+00:00``);
    then the stored text and the product's category codes joined by SEPARATOR ('' for none: codes are letters,
    digits and underscores), on PostgreSQL in the order of its collation, which the general path follows, and
    the uuid's text."""
    values = Case(None, [(Product.api_values.is_null(), Product.values)], None)
    if is_sqlite():  # the uuid's text and the codes' order are written by read(), the timestamps by _items()
        text_uuid = None
        moment = lambda column: column  # noqa: E731
        codes = (ProductCategory.select(fn.group_concat(Category.code, SQL("char(31)"))).join(Category)
                 .where(ProductCategory.product == Product.uuid))
    else:
        text_uuid = Product.uuid.cast("text")
        moment = lambda column: fn.to_char(column, SQL("""'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'"""))  # noqa: E731
        codes = (ProductCategory.select(fn.string_agg(Category.code, SQL("chr(31)")).order_by(Category.code))
                 .join(Category).where(ProductCategory.product == Product.uuid))
    return rest.ROW_COLUMNS[:4] + (values, Product.associations, moment(Product.created), moment(Product.updated),
                                   Product.api_values, fn.COALESCE(codes, SQL("''"))) + (
                                   (text_uuid,) if text_uuid is not None else ())


_COLUMNS_SQL = {}  # database class -> the SQL of columns(), as written in a query on product "t1", family "t2"
FROM = ' FROM "product" AS "t1" LEFT OUTER JOIN "family" AS "t2" ON ("t1"."family_id" = "t2"."id")'


def select_sql(query):
    """(sql, params) of ``query`` (on Product, its family joined LEFT OUTER) selecting columns(). Peewee
    takes longer to write these columns than the rest of a filtered page's statement: their SQL is
    written once per database and spliced in, checked to stand in the query it was written for."""
    key = type(db.obj)
    if key not in _COLUMNS_SQL:
        sql, params = Product.select(*columns()).join(Family, JOIN.LEFT_OUTER).sql()
        _COLUMNS_SQL[key] = sql[len("SELECT "):sql.index(FROM)] if not params and FROM in sql else None
    text = _COLUMNS_SQL[key]
    if text is not None:
        sql, params = query.select(SQL(text)).sql()
        if sql.startswith("SELECT " + text + FROM):
            return sql, params
    return query.select(*columns()).sql()


def eligible(options, access):
    """Whether a read with these options by this reader may be written from the stored text."""
    return (not access.restricted and options.attributes is None and options.locales is None
            and options.scope is None and not options.with_attribute_options)


def _text(value):
    return dumps(value).decode()


def items(rows, options, access, href_prefix=None, href_of=None):
    """The JSON text of the rows' items (StoredRows), in order, joined by commas. Each starts with its
    ``_links`` when ``href_prefix`` (the item's URL is it + the uuid) or ``href_of`` (row -> the item's URL)
    is given. The stored media links get the PIM's address in one pass over the whole text. NotWritable
    when a value is beyond orjson."""
    try:
        return with_links(",".join(_items(rows, options, access, href_prefix, href_of)), options.base_url)
    except TypeError:
        raise NotWritable() from None


def _items(rows, options, access, href_prefix, href_of):
    if not rows:
        return []
    types = rest.association_types()
    # rows read with columns() carry their codes; a product model's row (one product) does not
    categories = rest.page_categories([row.uuid for row in rows], access) if rows[0].categories is None else None
    # the text of each set of codes, as SQL joined them: a page holds few (SQLite's are sorted here, in its
    # BINARY order, the code points' order; PostgreSQL's came in the order of its collation)
    category_texts, ordered = {"": "[]"}, not is_sqlite()
    names = rest.associated_names(rows, options.key, access)
    completenesses = (rest.page_completenesses([row.uuid for row in rows], options) if options.with_completenesses
                      else None)
    no_associations = _text(rest.associations_of({}, types, names))
    quantified = _text({code: {"products": [], "product_models": []} for code, is_quantified in types if is_quantified})
    scores = ',"quality_scores":[]' if options.with_quality_scores else ""
    end = (WORKING_COPY if options.metadata else "") + "}"
    by_identifier, iso_of = options.key == "identifier", rest.iso_of
    link_prefix = '{"_links":{"self":{"href":' + _text(href_prefix)[:-1] if href_prefix is not None else None
    attributes = None  # the attribute rules, loaded when a row has no stored text
    families = {}  # code -> its text
    out = []
    for row in rows:
        uid = row.text_uuid
        values = row.api_values
        if values is None:  # rendered with the PIM's address, MARK-free (the stored text's links: see items)
            attributes = attributes if attributes is not None else rest.attribute_rules(access)
            values = _text(rest.values_of(row.values or {}, attributes, options))
        if link_prefix is not None:
            head = f'{link_prefix}{uid}"}}}},'
        elif href_of is not None:
            head = '{"_links":{"self":{"href":' + _text(href_of(row)) + "}},"
        else:
            head = "{"
        key = '"identifier":' + _text(row.identifier) if by_identifier else f'"uuid":"{uid}"'
        if categories is None:
            assigned = category_texts.get(row.categories)
            if assigned is None:
                codes = row.categories.split(SEPARATOR)
                assigned = category_texts[row.categories] = _text(codes if ordered else sorted(codes))
        else:
            codes = categories.get(row.uuid.hex)
            assigned = _text(codes) if codes else "[]"
        created, updated = row.created, row.updated
        if isinstance(created, str) and created[10:11] == "T":  # written by columns(): digits and signs only
            created, updated = f'"{created}"', f'"{updated}"'
        else:
            created, updated = _text(iso_of(created)), _text(iso_of(updated))
        family = families.get(row.family)
        if family is None:
            family = families[row.family] = _text(row.family)
        associations = (_text(rest.associations_of(row.associations, types, names)) if row.associations
                        else no_associations)
        out.append(
            f'{head}{key},"enabled":{"true" if row.enabled else "false"},"family":{family},'
            f'"categories":{assigned},"groups":[],"parent":null,"values":{values},'
            f'"created":{created},"updated":{updated},'
            f'"associations":{associations},"quantified_associations":{quantified}{scores}'
            + (',"completenesses":' + _text(completenesses.get(row.uuid, [])) if completenesses is not None else "")
            + end)
    return out
