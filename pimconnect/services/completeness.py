"""Completeness (§8.1): per channel and channel locale, the share of the family's required values filled."""
from pimconnect.db import write_txn
from pimconnect.models import Channel, Locale, Product, ProductCompleteness
from pimconnect.services.values import Structure

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
    from pimconnect.services import product_bulk  # (it imports nothing of ours; kept local like Family)

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


def recompute_all(chunk=CHUNK):
    """Recompute every family's products (a channel's locales or currencies changed); returns the count."""
    from pimconnect.models import Family

    structure = Structure.load()
    return sum(recompute_family(family, chunk, structure) for family in Family.select())


def recompute_family(family, chunk=CHUNK, structure=None):
    """Recompute every product of ``family`` (a Family), ``chunk`` products per transaction; returns the count."""
    structure = structure or Structure.load()
    done, last = 0, None
    while True:
        query = (Product.select(Product.uuid, Product.values).where(Product.family == family.id)
                 .order_by(Product.uuid).limit(chunk))
        if last is not None:
            query = query.where(Product.uuid > last)
        products = list(query)
        if not products:
            return done
        with write_txn():
            rows = []
            for product in products:
                rows.extend(completeness_rows(product.uuid, family.code, product.values or {}, structure))
            replace_rows([p.uuid for p in products], rows)
        done += len(products)
        last = products[-1].uuid
