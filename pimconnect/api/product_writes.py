"""Writing products (products-uuid and the legacy identifier endpoints): the JSON bodies, the single
write with its errors (§6.4), the batch upsert (§7), and the EE rules a write must pass (§9.3)."""
import json
import re

from pimconnect.api import limits
from pimconnect.api.bodies import MAX_BATCH_LINES, MAX_LINE_LENGTH, collection_patch, json_object_body
from pimconnect.api.core import ApiError, documented, validation_failed
from pimconnect.api.products import parse_uuid
from pimconnect.db import write_txn
from pimconnect.models import Category, Product, ProductCategory
from pimconnect.services.access import product_permissions
from pimconnect.services.access.access import category_tree
from pimconnect.services.drafts.drafts import save_draft
from pimconnect.services.errors import ValidationFailed
from pimconnect.services.products.writes import Replay, StaleProduct, save_product, shared_structure
from pimconnect.services.structure.rest.common import Refused, check_encodable


# --- EE permissions (§9.3): what the reader may change ---------------------------------------

def _stored_categories(access, product):
    """The product's category codes; their trees join the reader's Access in the same query."""
    tree, of_category = category_tree()
    rows = list(ProductCategory.select(Category.code, tree.code).join(Category).join(tree, on=of_category)
                .where(ProductCategory.product == product.uuid).tuples())
    access.tree_of.learn(rows)
    return [code for code, _tree in rows]


def check_deletable(access, product, reference):
    """Refuse deleting a product the reader may not see (404) or does not own (403)."""
    if not access.restricted:
        return
    try:
        product_permissions.check_delete(access, reference, _stored_categories(access, product))
    except product_permissions.Refusal as refusal:
        raise ApiError(refusal.status, refusal.message) from None


class Drafted(int):
    """The status of a write that went to the editor's draft (§9.3): 204, answered with the draft's Location."""


DRAFTED = Drafted(204)


def _permitted_write(access, data, product, operation_id):
    """``data`` as the reader may write it: refused (403/404/422) or with its hidden categories kept.
    An editor's change of values raises DraftNeeded (it goes to the editor's draft)."""
    if not access.restricted:
        return data
    try:
        if product is None:
            categories = product_permissions.check_create(access, data)
        else:
            categories = product_permissions.check_update(access, product.identifier,
                                                          _stored_categories(access, product), data)
    except product_permissions.Refusal as refusal:
        if refusal.documented:
            raise documented(refusal.message, operation_id) from None
        raise ApiError(refusal.status, refusal.message) from None
    return data if categories is None else {**data, "categories": categories}


# --- bodies and batches ---------------------------------------------------------------------

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


def write(access, data, product, by, operation_id):
    """save_product as the reader may write, its refusals turned into the reference's 422s (documented,
    or "Validation failed.") and its permission refusals into 403/404 (§9.3). An editor's change is
    written to its draft instead: then DRAFTED is returned, not the product."""
    try:
        data = _permitted_write(access, data, product, operation_id)
        return save_product(data, product, associations_by=by)
    except product_permissions.DraftNeeded:
        return _write_draft(access, data, product, operation_id)
    except ValidationFailed as exc:
        if exc.documented:
            raise documented(exc.documented[0], operation_id) from None
        raise validation_failed(exc.errors) from None
    except StaleProduct:
        # Another request changed or deleted the product during this one: nothing was written.
        raise ApiError(409, "The product was modified by another request at the same time. "
                            "Send the request again.") from None


def _write_draft(access, data, product, operation_id):
    try:
        save_draft(product, access.user_id, data.get("values") or {})
    except ValidationFailed as exc:
        if exc.documented:
            raise documented(exc.documented[0], operation_id) from None
        raise validation_failed(exc.errors) from None
    return DRAFTED
