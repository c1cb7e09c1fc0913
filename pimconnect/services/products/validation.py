"""Validate a product document in the REST API's shape before anything is written (§6.3, §6.4): its
properties, categories, values (merged into the stored ones), identifier, media files and unique values.
``plan_write`` returns what the write will store, or raises ``ValidationFailed`` with every error."""
from decimal import Decimal, InvalidOperation

import orjson

from pimconnect.db import serialize
from pimconnect.models import Category, MediaFile, Product, ProductValue
from pimconnect.services.documents import json_strings
from pimconnect.services.errors import ValidationFailed
from pimconnect.services.products import bulk as product_bulk
from pimconnect.services.products.associations import (
    check_groups_and_parent,
    check_quantified_associations,
    merged_associations,
)
from pimconnect.services.products.values import (
    UNIQUE_VALUES_LOCK,
    ValueError_,
    check_context,
    index_rows,
    normalize_data,
    php_type,
)

FIELDS = {"uuid", "identifier", "enabled", "family", "categories", "groups", "parent", "values", "associations",
          "quantified_associations", "created", "updated"}  # created/updated: read-only, ignored as the reference does
MAX_DIGITS = 15  # amounts are indexed as doubles; larger ones would lose precision (or overflow)
IDENTIFIER_FORBIDDEN = (" ", ",", ";")


class _Errors(list):
    """The violations found so far, in the reference's shape; ``documented`` lists the reasons of those
    the reference raises as updater exceptions."""

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


def _categories(data, product, errors, batch):
    """The category ids the product ends with, or None when ``categories`` is absent (untouched)."""
    if "categories" not in data:
        return None
    codes = data["categories"]
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        errors.reject("categories", f'Property "categories" expects an array as data, "{php_type(codes)}" given.')
        return None
    found = _category_ids(codes, batch) if codes else {}
    for code in codes:
        if code not in found:
            errors.reject("categories", 'Property "categories" expects a valid category code. '
                                        f'The category does not exist, "{code}" given.')
    return sorted(set(found.values()))


def _category_ids(codes, batch):
    """{code: id} of the existing categories among ``codes`` (a batch remembers those it has seen:
    categories do not change while a batch of product writes runs)."""
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


def _identifier(data, values, structure, product_uuid, current, errors, batch):
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
    if ident != current and _identifier_taken(ident, product_uuid, batch):  # a product's own is unique already
        errors.add("identifier", "The same identifier is already set on another product.")
    return ident


def _identifier_taken(ident, product_uuid, batch):
    """Whether another product holds ``ident`` (a statement compiled once: this runs per batch line,
    unless the batch looked the identifiers its lines send up beforehand)."""
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


def plan_write(data, product, structure, by="uuid", batch=None):
    """Validate everything; return the new state or raise ValidationFailed (nothing written yet).

    ``batch`` (the running batch of product writes, or None) lends the categories and identifier
    holders it already looked up."""
    errors = _Errors()
    if not isinstance(data, dict):
        raise ValidationFailed([{"property": "product", "message": "The product must be an object."}])
    if _has_nul(data):  # refused before any query: no database text column can hold it
        message = "The product contains a NUL character (\\u0000), which no property accepts."
        raise ValidationFailed([{"property": "product", "message": message}], documented=[message])
    _check_fields(data, errors)
    check_groups_and_parent(data, errors)
    check_quantified_associations(data, errors)
    product_uuid = product.uuid if product is not None else None
    family = _family(data, product, structure, errors)
    category_ids = _categories(data, product, errors, batch)
    associations = merged_associations(data, product, by, errors)
    values = _merge_values(data, product.values if product else {}, structure, errors)
    identifier = _identifier(data, values, structure, product_uuid, product.identifier if product else None,
                             errors, batch)
    incoming = data.get("values", {})
    _check_media(values, incoming, structure, errors)
    _check_unique(values, incoming, structure, product_uuid, errors)
    if errors:
        raise ValidationFailed(list(errors), documented=errors.documented)
    return {"identifier": identifier, "family": family, "category_ids": category_ids, "values": values,
            "associations": associations, "enabled": data.get("enabled", product.enabled if product else True)}
