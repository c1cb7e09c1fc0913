"""Completeness (§8.1): per channel and channel locale, the share of the family's required values filled."""
from pimconnect.db import is_sqlite, write_txn
from pimconnect.models import Channel, Family, Locale, Product, ProductCompleteness
from pimconnect.services import jobs
from pimconnect.services.structure.snapshot import Structure

CHUNK = 500


def _entry(lookup, attribute, channel, locale):
    """The value of ``attribute`` that counts for (channel, locale), or None."""
    return lookup.get((attribute.code, locale if attribute.localizable else None,
                       channel if attribute.scopable else None))


def _is_filled(attribute, data, currencies):
    if data is None or data == "" or data == []:
        return False
    if attribute.type == "pim_catalog_metric":
        return data.get("amount") not in (None, "") and bool(data.get("unit"))
    if attribute.type == "pim_catalog_price_collection":
        filled = {p.get("currency") for p in data if p.get("amount") not in (None, "")}
        return all(currency in filled for currency in currencies)
    return True


def required_attributes(family, channel, locale, structure):
    """Codes required for (channel, locale): the family's requirements, the identifier always, minus
    locale-specific attributes not available in that locale."""
    cache = structure.__dict__.setdefault("_required", {})
    key = (family.code, channel.code, locale)
    if key not in cache:
        cache[key] = _required(family, channel, locale, structure)
    return cache[key]


def _required(family, channel, locale, structure):
    codes = set(family.requirements.get(channel.code, [])) | {structure.identifier}
    required = []
    for code in sorted(codes):
        attribute = structure.attributes.get(code)
        if attribute is None or (attribute.available_locales and locale not in attribute.available_locales):
            continue
        required.append(attribute)
    return required


def completeness_rows(product_id, family_code, values, structure):
    """The ProductCompleteness rows (dicts for ``insert_many``); none without a family."""
    family = structure.families.get(family_code) if family_code else None
    if family is None:
        return []
    rows = []
    lookup = {(code, e.get("locale"), e.get("scope")): e.get("data") for code, entries in values.items()
              for e in entries or []}
    for channel in structure.channels.values():
        for locale in channel.locales:
            if locale not in structure.locales:
                continue
            required = required_attributes(family, channel, locale, structure)
            missing = [a.code for a in required
                       if not _is_filled(a, _entry(lookup, a, channel.code, locale), channel.currencies)]
            total = len(required)
            ratio = 100 if total == 0 else (100 * (total - len(missing))) // total
            rows.append({"product": product_id, "channel": channel.id, "locale": structure.locales[locale],
                         "required": total, "missing_count": len(missing), "ratio": ratio, "missing": missing})
    return rows


def replace_rows(product_ids, rows):
    """Swap the completeness rows of these products (inside the caller's transaction)."""
    from pimconnect.services.products import bulk as product_bulk  # (it imports nothing of ours; kept local like Family)

    ProductCompleteness.delete().where(ProductCompleteness.product.in_(product_ids)).execute()
    product_bulk.insert_rows(ProductCompleteness, rows)


def completeness_for(product):
    """[{"scope", "locale", "data": ratio, "required", "missing": [codes]}], ordered by channel and locale."""
    query = (ProductCompleteness
             .select(ProductCompleteness, Channel.code, Locale.code)
             .join(Channel, on=(ProductCompleteness.channel == Channel.id))
             .switch(ProductCompleteness)
             .join(Locale, on=(ProductCompleteness.locale == Locale.id))
             .where(ProductCompleteness.product == product.uuid)
             .order_by(Channel.code, Locale.code))
    return [{"scope": row.channel.code, "locale": row.locale.code, "data": row.ratio,
             "required": row.required, "missing": list(row.missing or [])} for row in query]


def recompute_chunk(after=None, limit=CHUNK, family_id=None):
    """Recompute the next ``limit`` products with a family (of ``family_id`` if given) after the uuid
    ``after``, inside the caller's write transaction; return (count, last uuid or None when none left).

    The products and the structure are read inside the transaction that writes their rows, so a
    product saved concurrently is never given completeness computed from its older values: on
    SQLite, BEGIN IMMEDIATE keeps every other writer out; on PostgreSQL, ``FOR UPDATE`` makes a
    concurrent save wait for this chunk (or this chunk wait for it, then read its committed values).
    """
    structure = Structure.load()
    query = (Product.select(Product.uuid, Product.values, Family.code).join(Family)
             .order_by(Product.uuid).limit(limit))
    if family_id is not None:
        query = query.where(Product.family == family_id)
    if after is not None:
        query = query.where(Product.uuid > after)
    if not is_sqlite():
        query = query.for_update(of=Product)
    products = list(query)
    if not products:
        return 0, None
    rows = []
    for product in products:
        rows.extend(completeness_rows(product.uuid, product.family.code, product.values or {}, structure))
    replace_rows([p.uuid for p in products], rows)
    return len(products), products[-1].uuid


def recompute_family(family, chunk=CHUNK):
    """Recompute every product of ``family`` (a Family) now, ``chunk`` products per transaction; returns
    the count. Requests queue a job instead (``enqueue_recompute_family``); this runs the same chunks."""
    done, last = 0, None
    while True:
        with write_txn():
            count, last = recompute_chunk(last, chunk, family.id)
        if last is None:
            return done
        done += count


# -- the background job (pimconnect.services.jobs) ----------------------------------------------

ALL_KEY = "completeness:all"


def _job_total(params):
    query = Product.select().where(Product.family.is_null(False))
    if params.get("family_id") is not None:
        query = query.where(Product.family == params["family_id"])
    return query.count()


def _job_step(params, cursor, limit):
    count, last = recompute_chunk(cursor, limit, params.get("family_id"))
    return count, (str(last) if last is not None else None)


# 200 products per chunk: on SQLite a chunk holds the write lock that product saves wait for, and
# measured on 20k products (2 shared cores) 200 hold it ~150-300 ms against ~400-900 ms for 500,
# for a Structure.load (~30 ms) per chunk more.
RECOMPUTE = jobs.Kind(total=_job_total, step=_job_step, chunk=200)


def enqueue_recompute_all(reason):
    """Inside the caller's write transaction: queue a recompute of every product (a channel's locales or
    currencies changed); None when no product has a family. Call ``jobs.kick()`` after the commit."""
    if not Product.select().where(Product.family.is_null(False)).exists():
        return None
    return jobs.enqueue("completeness", f"Recompute completeness: {reason}", {}, dedupe_key=ALL_KEY)


def enqueue_recompute_family(family):
    """Inside the caller's write transaction: queue a recompute of ``family``'s products (its requirements
    may have changed); a pending recompute of every product already covers it."""
    if not Product.select().where(Product.family == family.id).exists():
        return None
    return jobs.pending_with_key(ALL_KEY) or jobs.enqueue(
        "completeness", f"Recompute completeness: family {family.code}", {"family_id": family.id},
        dedupe_key=f"completeness:family:{family.id}")
