"""Product writes: validate a REST-shaped document (``validation``), then write the product and everything
indexed about it in one transaction (the product row, its categories, its ProductValue rows and its
completeness). Several writes can share one transaction as a batch (``shared_structure``)."""
import contextlib
import contextvars
import uuid as uuid_module

from peewee import DatabaseError, IntegrityError

from pimconnect.db import is_sqlite, serialize_shared, write_txn
from pimconnect.models import Product, ProductCategory, ProductCompleteness, ProductValue
from pimconnect.models.structure import utcnow
from pimconnect.services.products import bulk as product_bulk
from pimconnect.services.products import completeness, representation, statistics
from pimconnect.services.errors import ValidationFailed
from pimconnect.services.products.validation import plan_write
from pimconnect.services.products.values import OPTIONS_LOCK, index_rows
from pimconnect.services.structure.snapshot import Structure

class StaleProduct(Exception):
    """The product changed since the caller read it (optimistic concurrency)."""


def _new_uuid(data):
    """The new product's uuid. Whether it is free is left to the primary key (save_product turns the
    IntegrityError into the "already used" refusal): one query less per created product."""
    if data.get("uuid") is None:
        return uuid_module.uuid4()
    try:
        return uuid_module.UUID(str(data["uuid"]))
    except ValueError:
        raise ValidationFailed([{"property": "uuid", "message": "The uuid must be a valid UUID."}]) from None


def _uuid_taken(data, product):
    """The "uuid already used" refusal when a new product's uuid belongs to an existing one, else None."""
    if product is not None or data.get("uuid") is None:
        return None
    try:
        value = uuid_module.UUID(str(data["uuid"]))
    except ValueError:
        return None
    if not Product.select().where(Product.uuid == value).exists():
        return None
    return ValidationFailed([{"property": "uuid", "message": f"The {value} uuid is already used for another product."}])


def _write_row(product, plan, structure, expected_version, reread=True):
    """Insert or compare-and-set update the product row; returns the saved Product (read again, or
    with ``reread`` False, the row it was with the changes applied: what the update wrote)."""
    family_id = structure.families[plan["family"]].id if plan["family"] else None
    fields = {"identifier": plan["identifier"], "enabled": plan["enabled"], "family": family_id,
              "values": plan["values"], "updated": utcnow(),
              "api_values": representation.render(plan["values"], representation.rules(structure))}
    if plan["associations"] is not None:
        fields["associations"] = plan["associations"]
    if product is None:
        created = Product(uuid=plan["uuid"], **fields)
        batch = _batch.get()
        if batch is not None and batch.optimistic:
            batch.created.append(dict(created.__data__))  # inserted with the batch's others (see _Batch)
        else:
            product_bulk.insert_rows(Product, [dict(created.__data__)])  # Product.create renders ~10× slower
        created._dirty.clear()
        return created
    version = product.version
    if expected_version is not None and expected_version != version:
        raise StaleProduct(product.uuid)
    changed = (Product.update(version=version + 1, **fields)
               .where(Product.uuid == product.uuid, Product.version == version).execute())
    if changed != 1:
        raise StaleProduct(product.uuid)
    if reread:
        return Product.get_by_id(product.uuid)
    for name, value in {**fields, "version": version + 1}.items():
        setattr(product, name, value)
    product._dirty.clear()
    return product


class _IndexEntry:
    """What a product's index rows are computed from (its final state in a batch)."""

    __slots__ = ("existed", "category_ids", "values", "family")

    def __init__(self, existed, category_ids, values, family):
        self.existed, self.category_ids, self.values, self.family = existed, category_ids, values, family


def _write_index(entries, structure):
    """Replace the categories (when sent), value index and completeness of ``entries`` ({uuid: _IndexEntry}):
    one DELETE per table for the products that existed before, one multi-row INSERT per table."""
    existed = [uuid for uuid, entry in entries.items() if entry.existed]
    product_bulk.delete_for_products(ProductCategory, [uuid for uuid in existed
                                                       if entries[uuid].category_ids is not None])
    product_bulk.delete_for_products(ProductValue, existed)
    product_bulk.delete_for_products(ProductCompleteness, existed)
    categories, values, completenesses = [], [], []
    for uuid, entry in entries.items():
        product_id = uuid.hex  # the column's stored form, converted once per product rather than per row
        categories.extend({"product": product_id, "category": c} for c in entry.category_ids or ())
        values.extend(index_rows(product_id, entry.values, structure))
        completenesses.extend(completeness.completeness_rows(product_id, entry.family, entry.values, structure))
    product_bulk.insert_rows(ProductCategory, categories)
    product_bulk.insert_rows(ProductValue, values)
    product_bulk.insert_rows(ProductCompleteness, completenesses)


class Replay(Exception):
    """A statement failed in an optimistic batch (on PostgreSQL, which then refuses every further statement
    of the transaction; or the new products' deferred INSERT): the batch is to be rolled back and run again
    line by line."""


class _Batch:
    """Several product writes in one transaction (a batch upsert): one structure load, one category
    lookup per code, and the index rows of every product written in bulk when the batch ends (or
    before a line that reads the value index: a unique attribute's check).

    ``optimistic``: no savepoint per line (PostgreSQL; SQLite never needs one: a failed statement is undone
    alone). The lines' checks run before their single statement, so one fails only when a concurrent
    writer won a race (or on data the checks missed); the whole batch then raises Replay, to be run
    again line by line (with a savepoint per line on PostgreSQL). Two statements per line less there
    (savepoint and release, each a round trip to the server). On both databases the new products' rows
    wait (``created``) and go in with one statement (on SQLite 100 single-row INSERTs took 40% of a
    batch of new products), before anything that could read them: the
    index rows, a lookup of a product one of them may be (``may_exist``), a line naming associated
    products (their existence is checked in the database) or a line updating a product. Their
    identifiers are known to the batch (``holders``) from the moment their line is written.
    """

    def __init__(self, optimistic=False):
        self.optimistic = optimistic
        serialize_shared(OPTIONS_LOCK)  # before the options are read: see values.OPTIONS_LOCK
        self.structure = Structure.load()
        self.category_ids = {}
        self.pending = {}  # uuid -> _IndexEntry
        self.known = None  # uuids and identifiers that may exist (None: unknown, look every one up)
        # {identifier: uuid of the product holding it, or None when free} for the identifiers the
        # lines send, looked up at the start; others are looked up line by line.
        self.holders = {}
        self.created = []  # optimistic: the rows of the new products not inserted yet
        self.count = 0  # products written

    def insert_created(self):
        """Insert the new products' rows still waiting (optimistic batches), with one statement."""
        if self.created:
            created, self.created = self.created, []
            try:
                product_bulk.insert_rows(Product, created)
            except DatabaseError:
                raise Replay() from None

    def add(self, uuid, entry):
        self.count += 1
        previous = self.pending.get(uuid)
        if previous is not None:  # the same product twice: its last state, categories kept if unsent
            entry.existed = entry.existed or previous.existed
            if entry.category_ids is None:
                entry.category_ids = previous.category_ids
        self.pending[uuid] = entry

    def flush(self):
        self.insert_created()
        if self.pending:
            pending, self.pending = self.pending, {}
            try:
                _write_index(pending, self.structure)
            except DatabaseError:
                if self.optimistic:
                    raise Replay() from None
                raise

    def may_exist(self, reference):
        if self.known is None or reference in self.known:
            self.insert_created()  # the caller reads the database next
            return True
        return False

    def written(self, product, previous_identifier):
        if self.known is not None:
            self.known.update((product.uuid, product.identifier))
        if previous_identifier in self.holders and previous_identifier != product.identifier:
            self.holders[previous_identifier] = None
        if product.identifier in self.holders or self.optimistic:
            self.holders[product.identifier] = product.uuid


_batch = contextvars.ContextVar("product_batch", default=None)


@contextlib.contextmanager
def shared_structure(optimistic=False):
    """Share what several product writes made in one transaction (a batch) can share; the index rows
    they deferred are written when the block ends without an error (still inside the transaction).
    ``optimistic``: see _Batch."""
    batch = _Batch(optimistic)
    token = _batch.set(batch)
    try:
        yield batch
        batch.flush()
        statistics.after_write(batch.count)  # a large batch: the planner's statistics are refreshed
    finally:
        _batch.reset(token)


def current_batch():
    """The batch of product writes running in this context, or None."""
    return _batch.get()


def _reads_index(data, structure):
    """Whether validating ``data`` reads the value index (a unique attribute other than the identifier)."""
    incoming = data.get("values") if isinstance(data, dict) else None
    return isinstance(incoming, dict) and any(
        (attribute := structure.attributes.get(code)) is not None and attribute.unique
        and code != structure.identifier for code in incoming)


def _reads_products(data):
    """Whether validating ``data`` may read other products' rows (associations name products)."""
    return isinstance(data, dict) and data.get("associations") is not None


def save_product(data, product=None, expected_version=None, associations_by="uuid"):
    """Create (``product`` None) or update a product from the REST API product shape.

    Validates everything first (ValidationFailed, nothing written), then writes the row, categories,
    value index and completeness in one write transaction. ``expected_version`` (or, when None, the
    version read inside the transaction) guards against lost updates with StaleProduct.
    ``associations_by`` says how associated products are named: ``uuid`` (products-uuid endpoints)
    or ``identifier`` (the legacy /products endpoints).
    """
    batch = _batch.get()
    if batch is not None and batch.pending and _reads_index(data, batch.structure):
        batch.flush()  # outside the line's savepoint: a refused line must not roll the earlier lines' rows back
    if batch is not None and batch.created and (product is not None or _reads_products(data)):
        batch.insert_created()
    previous_identifier = product.identifier if product is not None else None  # a batch's update changes product
    try:
        with _line_transaction(batch):
            if batch is None:
                serialize_shared(OPTIONS_LOCK)  # before the options are read: see values.OPTIONS_LOCK
            structure = batch.structure if batch is not None else Structure.load()
            if product is not None and batch is None:  # a batch line read it in this transaction
                fresh = Product.get_or_none(Product.uuid == product.uuid)
                if fresh is None:
                    raise StaleProduct(product.uuid)
                product = fresh
            plan = plan_write(data, product, structure, associations_by, batch)
            plan["uuid"] = _new_uuid(data) if product is None else product.uuid
            saved = _write_row(product, plan, structure, expected_version, reread=batch is None)
            entry = _IndexEntry(product is not None, plan["category_ids"], plan["values"], plan["family"])
            if batch is None:
                _write_index({saved.uuid: entry}, structure)
    except DatabaseError as exc:
        if batch is not None and batch.optimistic:
            raise Replay() from None  # the transaction is aborted: the batch runs again, line by line
        if not isinstance(exc, IntegrityError):
            raise
        # The new product's uuid is taken, or a race with another writer on the identifier was lost:
        # report it like the validator would.
        raise _uuid_taken(data, product) or ValidationFailed(
            [{"property": "identifier", "message": "The same identifier is already set on another product."}]) from None
    if batch is not None:  # after the line's savepoint is released: its index rows are due
        batch.add(saved.uuid, entry)
        batch.written(saved, previous_identifier)
    return saved


def _line_transaction(batch):
    """The transaction of one save: its own, or inside a batch a savepoint — except on SQLite, where
    a batch line writes a single statement (its row; the index rows wait for the batch's end), and
    a statement that fails is undone alone while the transaction goes on (PostgreSQL aborts the
    whole transaction instead, hence the savepoint there, unless the batch is optimistic)."""
    if batch is not None and (is_sqlite() or batch.optimistic):
        return contextlib.nullcontext()
    return write_txn()


def delete_product(product):
    """Delete a product and everything indexed about it (rows cascade)."""
    with write_txn():
        ProductCompleteness.delete().where(ProductCompleteness.product == product.uuid).execute()
        ProductValue.delete().where(ProductValue.product == product.uuid).execute()
        ProductCategory.delete().where(ProductCategory.product == product.uuid).execute()
        Product.delete().where(Product.uuid == product.uuid).execute()


def changes_nothing(data, product, by="uuid"):
    """Whether writing ``data`` on ``product`` would leave it as it is (False when the write is invalid)."""
    try:
        plan = plan_write(data, product, Structure.load(), by)
    except ValidationFailed:
        return False
    stored_categories = sorted(row[0] for row in ProductCategory.select(ProductCategory.category)
                               .where(ProductCategory.product == product.uuid).tuples())
    return (plan["identifier"] == product.identifier
            and plan["family"] == (product.family.code if product.family_id else None)
            and (plan["category_ids"] is None or sorted(plan["category_ids"]) == stored_categories)
            and _by_context(plan["values"]) == _by_context(product.values or {})
            and (plan["associations"] is None or plan["associations"] == (product.associations or {}))
            and bool(plan["enabled"]) == bool(product.enabled))


def _by_context(values):
    """{attribute: {(locale, scope): data}}: values compared whatever their entries' order."""
    return {code: {(entry.get("locale"), entry.get("scope")): entry.get("data") for entry in entries}
            for code, entries in values.items()}
