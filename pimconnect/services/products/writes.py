"""Product writes: validate a REST-shaped document, then write the product and everything indexed about it
in one transaction (the product row, its categories, its ProductValue rows and its completeness)."""
import contextlib
import contextvars
import uuid as uuid_module
from decimal import Decimal, InvalidOperation

import orjson
from peewee import DatabaseError, IntegrityError

from pimconnect.db import is_sqlite, serialize, serialize_shared, write_txn
from pimconnect.models import (
    AssociationType,
    Category,
    MediaFile,
    Product,
    ProductCategory,
    ProductCompleteness,
    ProductValue,
)
from pimconnect.models.structure import utcnow
from pimconnect.services.products import completeness
from pimconnect.services.products import bulk as product_bulk
from pimconnect.services.documents import json_strings
from pimconnect.services.products.values import (
    OPTIONS_LOCK,
    UNIQUE_VALUES_LOCK,
    Structure,
    ValueError_,
    check_context,
    index_rows,
    normalize_data,
    php_type,
)

FIELDS = {"uuid", "identifier", "enabled", "family", "categories", "groups", "parent", "values", "associations",
          "quantified_associations", "created", "updated"}  # created/updated: read-only, ignored as the reference does
ASSOCIATION_KEYS = ("groups", "products", "product_models")
MAX_DIGITS = 15  # amounts are indexed as doubles; larger ones would lose precision (or overflow)
IDENTIFIER_FORBIDDEN = (" ", ",", ";")
completeness_for = completeness.completeness_for


class ValidationFailed(Exception):
    """The reference's 422 "Validation failed." with its ``errors`` list (§2.1).

    ``documented`` lists the reasons of the errors the reference raises while *reading* the document
    (unknown property, wrong type, unknown code: its updater exceptions), which the API answers as a
    documented 422 instead of a list of violations; the web UI shows every error alike.
    """

    def __init__(self, errors, message="Validation failed.", documented=()):
        super().__init__(message)
        self.errors = errors
        self.message = message
        self.documented = list(documented)


class StaleProduct(Exception):
    """The product changed since the caller read it (optimistic concurrency)."""


class _Errors(list):
    def __init__(self):
        super().__init__()
        self.documented = []

    def add(self, prop, message, **extra):
        error = {"property": prop, "message": message, **extra}
        if error not in self:  # the reference collapses duplicate violations
            self.append(error)

    def reject(self, prop, message, **extra):
        """An error the reference raises as an updater exception (a documented 422 in the API)."""
        self.add(prop, message, **extra)
        self.documented.append(message)

    def value(self, code, locale, scope, message, currency=None, documented=False):
        extra = {"attribute": code, "locale": locale, "scope": scope}
        if currency is not None:
            extra["currency"] = currency
        (self.reject if documented else self.add)("values", message, **extra)


def _check_fields(data, errors):
    for key in data:
        if key not in FIELDS:
            errors.reject(key, f'Property "{key}" does not exist.')
    if "enabled" in data and not isinstance(data["enabled"], bool):
        errors.reject("enabled", f'Property "enabled" expects a boolean as data, "{php_type(data["enabled"])}" given.')
    if "family" in data and data["family"] is not None and not isinstance(data["family"], str):
        errors.reject("family", f'Property "family" expects a string as data, "{php_type(data["family"])}" given.')


def _has_nul(data):
    """Whether a NUL character hides anywhere in the document (no database text column can store it).
    A loop, not recursion: a deeply nested document must not exhaust the stack. orjson answers first
    for the common case: it writes any NUL as \\u0000, so without that text there is none."""
    try:
        if b"\\u0000" not in orjson.dumps(data):
            return False
    except (TypeError, ValueError, RecursionError):
        pass  # not plain JSON data (or too deep for the encoder): walk it
    return any("\x00" in text for text in json_strings(data))


def _family(data, product, structure, errors):
    if "family" not in data:
        return product.family.code if product and product.family_id else None
    code = data["family"]
    if code in (None, ""):
        return None
    if isinstance(code, str) and code not in structure.families:
        errors.reject("family", 'Property "family" expects a valid family code. '
                                f'The family does not exist, "{code}" given.')
    return code


def _categories(data, product, errors):
    """The category ids the product ends with, or None when ``categories`` is absent (untouched)."""
    if "categories" not in data:
        return None
    codes = data["categories"]
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        errors.reject("categories", f'Property "categories" expects an array as data, "{php_type(codes)}" given.')
        return None
    found = _category_ids(codes) if codes else {}
    for code in codes:
        if code not in found:
            errors.reject("categories", 'Property "categories" expects a valid category code. '
                                        f'The category does not exist, "{code}" given.')
    return sorted(set(found.values()))


def _category_ids(codes):
    """{code: id} of the existing categories among ``codes`` (a batch remembers those it has seen:
    categories do not change while a batch of product writes runs)."""
    batch = _batch.get()
    known = batch.category_ids if batch is not None else {}
    unknown = [code for code in codes if code not in known]
    if unknown:
        found = dict(Category.select(Category.code, Category.id).where(Category.code.in_(unknown)).tuples())
        if batch is not None:
            known.update(found)
        else:
            known = found
    return {code: known[code] for code in codes if code in known}


def _entries(code, entries, errors):
    """The (locale, scope, data) triples of one attribute's list, or [] after recording a shape error."""
    if (not isinstance(entries, list) or not all(isinstance(e, dict) and "data" in e for e in entries)
            or not all(isinstance(e.get(k), (str, type(None))) for e in entries for k in ("locale", "scope"))):
        errors.reject("values", f'Property "{code}" expects an array of objects with the keys "locale", "scope" '
                                'and "data".', attribute=code, locale=None, scope=None)
        return []
    triples = [(e.get("locale"), e.get("scope"), e["data"]) for e in entries]
    if len({(locale, scope) for locale, scope, _ in triples}) < len(triples):
        errors.reject("values", f'You cannot update the same product value on the "{code}" attribute twice, '
                                'with the same scope and locale.', attribute=code, locale=None, scope=None)
        return []
    return triples


def _merge_values(data, current, structure, errors):
    """The merged, normalized values document (§6.4: merged per (attribute, locale, scope))."""
    values = {code: list(entries) for code, entries in (current or {}).items()}
    incoming = data.get("values", {})
    if not isinstance(incoming, dict):
        errors.reject("values", f'Property "values" expects an array as data, "{php_type(incoming)}" given.')
        return values
    for code, entries in incoming.items():
        attribute = structure.attributes.get(code)
        if attribute is None:
            errors.reject("values", f"The {code} attribute does not exist in your PIM.", attribute=code,
                          locale=None, scope=None)
            continue
        for locale, scope, raw in _entries(code, entries, errors):
            problem = check_context(attribute, locale, scope, structure)
            if problem:
                errors.value(code, locale, scope, problem, documented=True)
                continue
            if any(_too_large(amount) for amount in _amounts(attribute, raw)):
                errors.value(code, locale, scope, f"This value should be less than 1{'0' * MAX_DIGITS}.")
                continue
            try:
                stored = normalize_data(attribute, raw, structure)
            except ValueError_ as exc:
                # 'Property "x" expects …' messages are the reference's type exceptions (documented).
                errors.value(code, locale, scope, exc.message, exc.currency,
                             documented=exc.message.startswith('Property "'))
                continue
            kept = [e for e in values.get(code, []) if (e.get("locale"), e.get("scope")) != (locale, scope)]
            if stored is not None:
                kept.append({"locale": locale, "scope": scope, "data": stored})
            values[code] = kept
    return {code: entries for code, entries in values.items() if entries}


def _amounts(attribute, raw):
    """The amounts a number, metric or price value holds (before they are parsed)."""
    if attribute.type == "pim_catalog_number":
        return [raw]
    if attribute.type == "pim_catalog_metric" and isinstance(raw, dict):
        return [raw.get("amount")]
    if attribute.type == "pim_catalog_price_collection" and isinstance(raw, list):
        return [price.get("amount") for price in raw if isinstance(price, dict)]
    return []


def _too_large(amount):
    """Whether an amount has more than MAX_DIGITS integer digits (checked before it is formatted: 1e999999
    would otherwise become a million-digit string)."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float, str)):
        return False
    try:
        number = Decimal(str(amount).strip())
    except InvalidOperation:
        return False
    return number.is_finite() and number.adjusted() >= MAX_DIGITS


def _identifier(data, values, structure, product_uuid, current, errors):
    """Check the identifier (top-level ``identifier`` wins, mirrored into the values) and return it."""
    code = structure.identifier
    if "identifier" in data:
        ident = data["identifier"]
        if not isinstance(ident, str):
            errors.reject("identifier", f'Property "identifier" expects a string as data, "{php_type(ident)}" given.')
            return None
        values[code] = [{"locale": None, "scope": None, "data": ident}]
    entries = values.get(code) or []
    ident = entries[0]["data"] if entries else None
    if not isinstance(ident, str) or not ident.strip():
        errors.add("identifier", "The identifier must not be empty.")
        return None
    if len(ident) > 255:
        errors.add("identifier", "This value is too long. It should have 255 characters or less.")
    if any(ch in ident for ch in IDENTIFIER_FORBIDDEN) or ident != ident.strip():
        errors.add("identifier", "The identifier must not contain spaces, commas or semicolons.")
    if ident != current and _identifier_taken(ident, product_uuid):  # a product's own is unique already
        errors.add("identifier", "The same identifier is already set on another product.")
    return ident


def _identifier_taken(ident, product_uuid):
    """Whether another product holds ``ident`` (a statement compiled once: this runs per batch line,
    unless the batch looked the identifiers its lines send up beforehand)."""
    batch = _batch.get()
    if batch is not None and ident in batch.holders:
        holder = batch.holders[ident]
        return holder is not None and holder != product_uuid
    if product_uuid is None:
        row = product_bulk.fetchone("identifier_taken", lambda: Product.select(Product.uuid).where(
            Product.identifier == "").limit(1), [ident, 1])
    else:
        row = product_bulk.fetchone("identifier_taken_by_other", lambda: Product.select(Product.uuid).where(
            Product.identifier == "", Product.uuid != product_uuid).limit(1),
            [ident, Product.uuid.db_value(product_uuid), 1])
    return row is not None


def _check_media(values, incoming, structure, errors):
    """Every image/file value sent must name an existing MediaFile with an allowed extension."""
    wanted = {}
    for code in incoming if isinstance(incoming, dict) else ():
        attribute = structure.attributes.get(code)
        if attribute and attribute.type in ("pim_catalog_image", "pim_catalog_file"):
            for entry in values.get(code, []):
                wanted.setdefault(entry["data"], []).append((attribute, entry))
    if not wanted:
        return
    found = dict(MediaFile.select(MediaFile.code, MediaFile.extension).where(MediaFile.code.in_(list(wanted))).tuples())
    for media_code, uses in wanted.items():
        for attribute, entry in uses:
            if media_code not in found:
                message = f'The media file "{media_code}" does not exist.'
            elif attribute.allowed_extensions and (found[media_code] or "").lower() not in attribute.allowed_extensions:
                message = (f'The {found[media_code]} file extension is not allowed for the {attribute.code} attribute. '
                           f'Allowed extensions: {", ".join(attribute.allowed_extensions)}.')
            else:
                continue
            errors.value(attribute.code, entry["locale"], entry["scope"], message)


def _check_unique(values, incoming, structure, product_uuid, errors):
    """Unique attributes (other than the identifier) may not repeat another product's value.

    On PostgreSQL two transactions could both find a value free and both write it: the check holds
    UNIQUE_VALUES_LOCK until the write transaction ends (SQLite's writers are serialized already)."""
    locked = False
    for code in incoming if isinstance(incoming, dict) else ():
        attribute = structure.attributes.get(code)
        if not attribute or not attribute.unique or code == structure.identifier:
            continue
        if not locked:
            serialize(UNIQUE_VALUES_LOCK)
            locked = True
        for entry in values.get(code, []):
            for row in index_rows(product_uuid, {code: [entry]}, structure):
                same = (ProductValue.text == row["text"]) if row["text"] is not None else (
                    ProductValue.number == row["number"])
                query = ProductValue.select().where(
                    ProductValue.attribute == attribute.id, ProductValue.locale == row["locale"],
                    ProductValue.scope == row["scope"], ProductValue.key == row["key"], same)
                if product_uuid is not None:
                    query = query.where(ProductValue.product != product_uuid)
                if query.exists():
                    errors.value(code, entry["locale"], entry["scope"],
                                 f"The value {entry['data']} is already set on another product for the unique "
                                 f"attribute {code}.")


def _groups_and_parent(data, errors):
    """PIM Connect has no product groups and no product models: only [] and null are accepted."""
    groups = data.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        errors.reject("groups", f'Property "groups" expects an array as data, "{php_type(groups)}" given.')
    elif groups:
        errors.reject("groups", 'Property "groups" expects a valid group code. '
                                f'The group does not exist, "{groups[0]}" given.')
    parent = data.get("parent")
    if parent is not None and not isinstance(parent, str):
        errors.reject("parent", f'Property "parent" expects a string as data, "{php_type(parent)}" given.')
    elif parent is not None:
        errors.reject("parent", 'Property "parent" expects a valid parent code. '
                                f'The parent product model does not exist, "{parent}" given.')


def _association_shape(incoming, errors):
    """Whether ``associations`` is {type: {"products"|"product_models"|"groups": [strings]}} (else rejected)."""
    if not isinstance(incoming, dict):
        errors.reject("associations", f'Property "associations" expects an array as data, "{php_type(incoming)}" given.')
        return False
    for code, items in incoming.items():
        if (not isinstance(items, dict) or not items or any(k not in ASSOCIATION_KEYS for k in items)
                or not all(isinstance(v, list) and all(isinstance(c, str) for c in v) for v in items.values())):
            errors.reject("associations", 'Property "associations" expects an array with valid data, '
                                          f'association format is not valid for the association type "{code}".')
            return False
    return True


def _associated_products(references, by, errors):
    """{reference: uuid string} for the product ``references`` (uuids or identifiers); unknown ones rejected."""
    if by == "uuid":
        valid = {}
        for ref in references:
            try:
                valid[str(uuid_module.UUID(ref))] = ref
            except ValueError:
                continue
        query = Product.select(Product.uuid).where(Product.uuid.in_(list(valid))) if valid else []
        found = {valid[str(row.uuid)]: str(row.uuid) for row in query}
    else:
        query = Product.select(Product.identifier, Product.uuid).where(Product.identifier.in_(references))
        found = {row.identifier: str(row.uuid) for row in query} if references else {}
    for ref in references:
        if ref not in found:
            errors.reject("associations", f'Property "associations" expects a valid product {by}. '
                                          f'The product does not exist, "{ref}" given.')
    return found


def _associations(data, product, by, errors):
    """The merged associations document, or None when ``associations`` is absent (untouched).

    Per association type, the sent lists replace the stored ones (§6.4: objects merge, arrays
    replace); products are stored by uuid, whichever key (``by``) the endpoint names them with.
    """
    current = dict(product.associations or {}) if product is not None else {}
    if "associations" not in data or not _association_shape(data["associations"], errors):
        return None
    incoming = data["associations"]
    types = dict(AssociationType.select(AssociationType.code, AssociationType.is_quantified)
                 .where(AssociationType.code.in_(list(incoming))).tuples()) if incoming else {}
    references = list(dict.fromkeys(ref for items in incoming.values() for ref in items.get("products", [])))
    found = _associated_products(references, by, errors) if references else {}
    for code, items in incoming.items():
        if code not in types or types[code]:
            errors.reject("associations", 'Property "associations" expects a valid association type code. '
                                          f'The association type does not exist or is quantified, "{code}" given.')
            continue
        for key, message in (("product_models", "product model identifier. The product model"),
                             ("groups", "group code. The group")):
            if items.get(key):
                errors.reject("associations", f'Property "associations" expects a valid {message} does not exist, '
                                              f'"{items[key][0]}" given.')
        entry = {key: list((current.get(code) or {}).get(key, [])) for key in ASSOCIATION_KEYS}
        if "products" in items:
            entry["products"] = list(dict.fromkeys(found[ref] for ref in items["products"] if ref in found))
        current[code] = entry
    return current


def _quantified_associations(data, errors):
    """Quantified associations cannot be stored yet: only an empty value (no type or empty lists) is accepted."""
    incoming = data.get("quantified_associations", {})
    if not isinstance(incoming, dict):
        errors.reject("quantified_associations", 'Property "quantified_associations" expects an array as data, '
                                                 f'"{php_type(incoming)}" given.')
        return
    for code, items in incoming.items():
        if not isinstance(items, dict) or any(items.get(key) for key in ("products", "product_models")):
            errors.reject("quantified_associations", 'Property "quantified_associations" expects a valid '
                                                     'association type code. The association type does not exist '
                                                     f'or is not quantified, "{code}" given.')


def _plan(data, product, structure, by="uuid"):
    """Validate everything; return the new state or raise ValidationFailed (nothing written yet)."""
    errors = _Errors()
    if not isinstance(data, dict):
        raise ValidationFailed([{"property": "product", "message": "The product must be an object."}])
    if _has_nul(data):  # refused before any query: no database text column can hold it
        message = "The product contains a NUL character (\\u0000), which no property accepts."
        raise ValidationFailed([{"property": "product", "message": message}], documented=[message])
    _check_fields(data, errors)
    _groups_and_parent(data, errors)
    _quantified_associations(data, errors)
    product_uuid = product.uuid if product is not None else None
    family = _family(data, product, structure, errors)
    category_ids = _categories(data, product, errors)
    associations = _associations(data, product, by, errors)
    values = _merge_values(data, product.values if product else {}, structure, errors)
    identifier = _identifier(data, values, structure, product_uuid, product.identifier if product else None, errors)
    incoming = data.get("values", {})
    _check_media(values, incoming, structure, errors)
    _check_unique(values, incoming, structure, product_uuid, errors)
    if errors:
        raise ValidationFailed(list(errors), documented=errors.documented)
    return {"identifier": identifier, "family": family, "category_ids": category_ids, "values": values,
            "associations": associations, "enabled": data.get("enabled", product.enabled if product else True)}


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
              "values": plan["values"], "updated": utcnow()}
    if plan["associations"] is not None:
        fields["associations"] = plan["associations"]
    if product is None:
        created = Product(uuid=plan["uuid"], **fields)
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
    """A statement failed in a batch run without savepoints on PostgreSQL, which then refuses every
    further statement of the transaction: the batch is to be rolled back and run again with them."""


class _Batch:
    """Several product writes in one transaction (a batch upsert): one structure load, one category
    lookup per code, and the index rows of every product written in bulk when the batch ends (or
    before a line that reads the value index: a unique attribute's check).

    ``optimistic`` (PostgreSQL): no savepoint per line. The lines' checks run before their single
    statement, so one fails only when a concurrent writer won a race (or on data the checks missed);
    the whole batch then raises Replay, to be run again with a savepoint per line. Two statements
    per line less (savepoint and release, each a round trip to the server).
    """

    def __init__(self, optimistic=False):
        self.optimistic = optimistic and not is_sqlite()  # SQLite undoes a failed statement alone
        serialize_shared(OPTIONS_LOCK)  # before the options are read: see values.OPTIONS_LOCK
        self.structure = Structure.load()
        self.category_ids = {}
        self.pending = {}  # uuid -> _IndexEntry
        self.known = None  # uuids and identifiers that may exist (None: unknown, look every one up)
        # {identifier: uuid of the product holding it, or None when free} for the identifiers the
        # lines send, looked up at the start; others are looked up line by line.
        self.holders = {}

    def add(self, uuid, entry):
        previous = self.pending.get(uuid)
        if previous is not None:  # the same product twice: its last state, categories kept if unsent
            entry.existed = entry.existed or previous.existed
            if entry.category_ids is None:
                entry.category_ids = previous.category_ids
        self.pending[uuid] = entry

    def flush(self):
        if self.pending:
            pending, self.pending = self.pending, {}
            try:
                _write_index(pending, self.structure)
            except DatabaseError:
                if self.optimistic:
                    raise Replay() from None
                raise

    def may_exist(self, reference):
        return self.known is None or reference in self.known

    def written(self, product, previous_identifier):
        if self.known is not None:
            self.known.update((product.uuid, product.identifier))
        if previous_identifier in self.holders and previous_identifier != product.identifier:
            self.holders[previous_identifier] = None
        if product.identifier in self.holders:
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
            plan = _plan(data, product, structure, associations_by)
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
