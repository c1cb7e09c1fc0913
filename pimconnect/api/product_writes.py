"""Writing products (products-uuid and the legacy identifier endpoints): the JSON bodies, the single
write with its errors (§6.4), the batch upsert (§7), and the EE rules a write must pass (§9.3)."""
import json
import re

from pimconnect.api import limits
from pimconnect.api.bodies import MAX_BATCH_LINES, MAX_LINE_LENGTH, collection_patch
from pimconnect.api.core import ApiError, documented, validation_failed
from pimconnect.api.products import parse_uuid
from pimconnect.db import write_txn
from pimconnect.models import Category, Product, ProductCategory
from pimconnect.services.access import product_permissions
from pimconnect.services.drafts.drafts import save_draft
from pimconnect.services.errors import ValidationFailed
from pimconnect.services.products.writes import Replay, StaleProduct, changes_nothing, save_product, shared_structure
from pimconnect.services.structure.rest.common import Refused, check_encodable


# --- EE permissions (§9.3): what the reader may change ---------------------------------------

def stored_categories(access, product):
    """The product's category codes (the reader's levels on them are looked up with the body's)."""
    return [code for (code,) in ProductCategory.select(Category.code).join(Category)
            .where(ProductCategory.product == product.uuid).tuples()]


def check_deletable(access, product, reference):
    """Refuse deleting a product the reader may not see (404) or does not own (403)."""
    if not access.restricted:
        return
    try:
        product_permissions.check_delete(access, reference, stored_categories(access, product))
    except product_permissions.Refusal as refusal:
        raise ApiError(refusal.status, refusal.message) from None


class Drafted(int):
    """The status of a write that went to the editor's draft (§9.3): 204, answered with the draft's Location."""


DRAFTED = Drafted(204)


def _permitted_write(access, data, product, operation_id, by="uuid"):
    """``data`` as the reader may write it: refused (403/404/422) or with its hidden categories and
    associations kept; None when it changes nothing on a view-only product (nothing to write, §9.3).
    An editor's change of values raises DraftNeeded (it goes to the editor's draft)."""
    if not access.restricted:
        return data
    try:
        if product is None:
            categories = product_permissions.check_create(access, data)
        else:
            categories = product_permissions.check_update(
                access, product.identifier, stored_categories(access, product), data,
                unchanged=lambda merged: changes_nothing(_with(data, merged), product, by))
        data = _with(data, categories)
        associations = _merged_associations(access, data, product, by)
    except product_permissions.Unchanged:
        return None
    except product_permissions.Refusal as refusal:
        if refusal.documented:
            raise documented(refusal.message, operation_id) from None
        raise ApiError(refusal.status, refusal.message) from None
    return data if associations is None else {**data, "associations": associations}


def _with(data, categories):
    return data if categories is None else {**data, "categories": categories}


def _merged_associations(access, data, product, by):
    """The sent associations plus the stored ones to products the reader cannot see (§9.3); a sent
    product it cannot see is refused as if it did not exist. None when none are sent."""
    sent = data.get("associations")
    if not isinstance(sent, dict) or not sent:
        return None
    stored = (product.associations or {}) if product is not None else {}
    sent_refs = {ref for items in sent.values() if isinstance(items, dict)
                 for ref in (items.get("products") or []) if isinstance(ref, str)}
    stored_refs = {ref for code in sent for ref in ((stored.get(code) or {}).get("products") or [])}
    if not sent_refs and not stored_refs:
        return None
    column = Product.uuid if by == "uuid" else Product.identifier
    named = [ref for ref in sent_refs if by != "uuid" or parse_uuid(ref) is not None]
    everything = (Product.select(Product.uuid, Product.identifier)
                  .where(column.in_(named) | Product.uuid.in_(list(stored_refs))))
    visible = {str(uuid) for uuid, _identifier in access.restrict(everything).tuples()}
    found = {str(uuid): identifier for uuid, identifier in everything.tuples()}
    by_key = {(str(uuid) if by == "uuid" else identifier): str(uuid) for uuid, identifier in found.items()}
    for ref in sorted(sent_refs):
        uuid = by_key.get(str(parse_uuid(ref)) if by == "uuid" and parse_uuid(ref) else ref)
        if uuid is not None and uuid not in visible:
            raise product_permissions.Refusal(422, product_permissions.HIDDEN_ASSOCIATED.format(by=by, reference=ref),
                                              documented=True)
    merged = {}
    for code, items in sent.items():
        if not isinstance(items, dict) or not isinstance(items.get("products"), list):
            merged[code] = items
            continue
        hidden = [uuid for uuid in ((stored.get(code) or {}).get("products") or [])
                  if uuid in found and uuid not in visible]
        kept = [uuid if by == "uuid" else found[uuid] for uuid in hidden]
        merged[code] = {**items, "products": list(items["products"]) + [ref for ref in kept
                                                                          if ref not in items["products"]]}
    return merged


# --- bodies and batches ---------------------------------------------------------------------

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
        # The lines parsed above, not decoded again; a replay parses them afresh (a run may have changed them).
        return collection_patch(key, upsert, documents if optimistic else None)


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
    if limits.too_deep(line, document, limits.MAX_BODY_DEPTH):
        return _BREAKS
    return document


def write(access, data, product, by, operation_id):
    """save_product as the reader may write, its refusals turned into the reference's 422s (documented,
    or "Validation failed.") and its permission refusals into 403/404 (§9.3). An editor's change is
    written to its draft instead: then DRAFTED is returned, not the product."""
    try:
        permitted = _permitted_write(access, data, product, operation_id, by)
        if permitted is None:
            return product  # a view-only product's write that changes nothing (§9.3: 204)
        return save_product(permitted, product, associations_by=by)
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
