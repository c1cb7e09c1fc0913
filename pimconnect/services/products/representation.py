"""A product's values as the REST API shows them, rendered when the product is saved (issue 16).

``Product.api_values`` holds the text that ``rest.normalize_products`` would write for the product's
``values`` on a read without projections: attribute codes sorted, entries sorted by (scope, locale),
amounts in the attribute's form, media values with their download link. A page of products is then
written out from the stored text without decoding a document (``rest_text``), at about what reading
the rows costs. It is kept in step:

* every product write renders it in the same statement as the document (``writes``, the generator);
* a change that alters how stored values are shown (an attribute's ``decimals_allowed``) sets it to
  NULL for the products concerned in the same transaction and queues the ``representations`` job,
  which renders them again in chunks;
* NULL always means "render on read": a row written by an older version, by a test, or not rendered
  yet is shown exactly as before, only slower. A future change to the rendering itself ships a
  migration that sets the column to NULL and queues the job (as migration 0017 does for the rows
  that existed before the column).

The PIM's address is not stored: a media link holds ``MARK`` in its place, replaced on read, so a
change of ``PIM_URL`` needs nothing. ``MARK`` is a control character, which JSON always escapes:
the escaped text after ``"href":"`` cannot come from data (a quote inside a string is escaped too).
"""
import orjson

from pimconnect.db import write_txn
from pimconnect.models import Product, ProductValue
from pimconnect.services import jobs
from pimconnect.services.products import rest

MARK = "\x01"
STORED_MARK = '"href":"\\u0001'  # how MARK is written after a link's key in the stored text
JOB = "representations"
KEY = "representations:pending"
CHUNK = 500


def rules(structure):
    """{code: AttributeRule} of a Structure snapshot (computed once per snapshot)."""
    found = getattr(structure, "_api_rules", None)
    if found is None:
        found = {code: rest.rule(info.type, info.decimals_allowed) for code, info in structure.attributes.items()}
        structure._api_rules = found
    return found


OPTIONS = rest.ReadOptions(base_url=MARK)


def render(values, attribute_rules):
    """The stored text of a values document: the REST API's ``values`` with MARK for the PIM's address;
    None when orjson cannot write it (an integer beyond 64 bits): that product is rendered on read."""
    try:
        return orjson.dumps(rest.values_of(values or {}, attribute_rules, OPTIONS)).decode()
    except TypeError:
        return None


def with_links(text, base_url):
    """Stored text made the response's: MARK replaced by the PIM's address, JSON-escaped."""
    if STORED_MARK not in text:
        return text
    return text.replace(STORED_MARK, '"href":"' + orjson.dumps(base_url).decode()[1:-1])


def forget_attribute(attribute_id):
    """Inside the caller's write transaction: the stored text of every product with a value of this
    attribute is to be rendered again (it shows the values differently now); queue the job."""
    holders = ProductValue.select(ProductValue.product).where(ProductValue.attribute == attribute_id)
    if Product.update(api_values=None).where(Product.uuid.in_(holders)).execute():
        jobs.enqueue(JOB, "Render the products' API representation", {}, dedupe_key=KEY)


# -- the job: render the products whose stored text is NULL ------------------------------------

def render_chunk(after=None, limit=CHUNK):
    """Render the next ``limit`` products after the uuid ``after`` whose text is NULL, inside the caller's
    write transaction (read there, so a concurrent save is never overwritten with older values);
    (count, last uuid or None when none was left)."""
    from pimconnect.db import is_sqlite
    from pimconnect.services.structure.snapshot import Structure

    query = (Product.select(Product.uuid, Product.values).where(Product.api_values.is_null())
             .order_by(Product.uuid).limit(limit))
    if after is not None:
        query = query.where(Product.uuid > after)
    if not is_sqlite():
        query = query.for_update(of=Product)
    products = list(query)
    attribute_rules = rules(Structure.load())
    for product in products:
        Product.update(api_values=render(product.values, attribute_rules)).where(
            Product.uuid == product.uuid).execute()
    return len(products), (products[-1].uuid if len(products) == limit else None)


def _total(params):
    return Product.select().where(Product.api_values.is_null()).count()


def _step(params, cursor, limit):
    done, last = render_chunk(cursor, limit)
    return done, (str(last) if last is not None else None)


RENDER = jobs.Kind(total=_total, step=_step, chunk=CHUNK)


def render_all(chunk=CHUNK):
    """Render every product whose text is NULL now, ``chunk`` per transaction (tests, the CLI)."""
    done, last = 0, None
    while True:
        with write_txn():
            count, last = render_chunk(last, chunk)
        done += count
        if last is None:
            return done
