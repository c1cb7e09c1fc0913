"""Demo products and large generated catalogs.

Generated products are built directly in their stored (normalized) form and written with bulk
inserts, their index and completeness rows computed by the same pure helpers as ``save_product``.
"""
import datetime
import hashlib
import random
import struct
import time
import uuid
import zlib
from operator import itemgetter

from peewee import AutoField, BooleanField, CharField, DoubleField, ForeignKeyField, IntegerField, Node, UUIDField

from pimconnect.db import db, write_txn
from pimconnect.models import (
    Category,
    MediaFile,
    Product,
    ProductCategory,
    ProductCompleteness,
    ProductValue,
)
from pimconnect.models.structure import utcnow
from pimconnect.services.products.completeness import completeness_rows
from pimconnect.services.products.writes import save_product
from pimconnect.services.products import representation
from pimconnect.services.products.values import index_rows
from pimconnect.services.structure.snapshot import Structure

GEN_PREFIX = "gen-"
DEMO_PREFIX = "demo-"
CHUNK = 200  # rows per INSERT statement
PLAIN_FIELDS = (AutoField, BooleanField, CharField, DoubleField, IntegerField)

# family -> (en, fr, de) nouns, and the categories its products go to
NOUNS = {
    "hats": [("hat", "chapeau", "Hut"), ("cap", "casquette", "Mütze"), ("beanie", "bonnet", "Strickmütze")],
    "clothing": [("shirt", "chemise", "Hemd"), ("jacket", "veste", "Jacke"), ("sweater", "pull", "Pullover")],
    "bags": [("backpack", "sac à dos", "Rucksack"), ("tote bag", "cabas", "Tragetasche"), ("wallet", "portefeuille", "Geldbörse")],
    "kitchenware": [("teapot", "théière", "Teekanne"), ("pan", "poêle", "Pfanne"), ("bowl", "bol", "Schüssel")],
}
ADJECTIVES = [("Classic", "classique", "Klassischer"), ("Summer", "d'été", "Sommer-"), ("Urban", "urbain", "Urbaner"),
              ("Vintage", "vintage", "Vintage-"), ("Light", "léger", "Leichter"), ("Premium", "premium", "Premium-")]
CATEGORIES = {
    "hats": ["master_hats", "ecommerce_summer_hats", "print_traditional"],
    "clothing": ["master_shirts", "master_jackets", "ecommerce_sale"],
    "bags": ["master_bags", "ecommerce_sale"],
    "kitchenware": ["master_kitchen", "print_catalog_2026"],
}
PICTURE_COLORS = {"red": (200, 40, 40), "blue": (40, 80, 200), "straw": (222, 196, 120), "black": (20, 20, 20)}


def tiny_png(rgb, size=8):
    """A valid ``size``×``size`` single-colour PNG, built without any imaging library."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _media(filename, content, mime):
    """Create (once) a MediaFile with the reference's hashed-path code; returns the code."""
    digest = hashlib.sha1(content + filename.encode()).hexdigest()
    code = f"{digest[0]}/{digest[1]}/{digest[2]}/{digest[3]}/{digest}_{filename}"
    if not MediaFile.select().where(MediaFile.code == code).exists():
        MediaFile.create(code=code, original_filename=filename, mime_type=mime, size=len(content),
                         extension=filename.rsplit(".", 1)[-1], content=content)
    return code


def demo_media():
    """The demo pictures and notice: {"pictures": [codes], "notices": [codes]}."""
    with write_txn():
        pictures = [_media(f"{name}.png", tiny_png(rgb), "image/png") for name, rgb in PICTURE_COLORS.items()]
        notice = _media("notice.txt", b"Care instructions: keep dry, store flat.\n", "text/plain")
    return {"pictures": pictures, "notices": [notice]}


class Builder:
    """Builds random but valid, already-normalized products from a seeded generator."""

    def __init__(self, structure, media, seed):
        self.structure = structure
        self.media = media
        self.rng = random.Random(seed)
        codes = [c for cats in CATEGORIES.values() for c in cats]
        self.categories = dict(Category.select(Category.code, Category.id).where(Category.code.in_(codes)).tuples())
        self.families = sorted(f for f in NOUNS if f in structure.families)
        self._options, self._contexts_cache = {}, {}
        self.family_attributes = {f: [structure.attributes[c] for c in sorted(structure.families[f].attributes)
                                      if c != structure.identifier] for f in self.families}

    def options(self, code):
        if code not in self._options:
            self._options[code] = sorted(self.structure.attributes[code].options.values())
        return self._options[code]

    def _value(self, attribute, n):
        rng, kind = self.rng, attribute.type
        if attribute.code == "ean":
            return f"{2000000000000 + n:013d}"
        if kind in ("pim_catalog_text", "pim_catalog_textarea"):
            return f"{attribute.code.replace('_', ' ').capitalize()} {rng.randint(100, 9999)}"
        if kind == "pim_catalog_number":
            return rng.randint(0, 500)
        if kind == "pim_catalog_metric":
            units = sorted(self.structure.units.get(attribute.metric_family, {}))
            return {"amount": f"{rng.randint(1, 2000)}.0000", "unit": rng.choice(units)}
        if kind == "pim_catalog_price_collection":
            currencies = sorted(self.structure.currencies)
            if rng.random() < 0.15:  # sometimes a currency is missing: incomplete on that channel
                currencies = currencies[:1]
            return [{"amount": f"{rng.randint(5, 300)}.{rng.choice(['00', '50', '99'])}", "currency": c}
                    for c in currencies]
        if kind == "pim_catalog_boolean":
            return rng.random() < 0.5
        if kind == "pim_catalog_date":
            day = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randint(0, 4000))
            return f"{day.isoformat()}T00:00:00+00:00"
        if kind == "pim_catalog_simpleselect":
            return rng.choice(self.options(attribute.code))
        if kind == "pim_catalog_multiselect":
            return sorted(rng.sample(self.options(attribute.code), rng.randint(1, 2)))
        if kind == "pim_catalog_image":
            return rng.choice(self.media["pictures"])
        if kind == "pim_catalog_file":
            return rng.choice(self.media["notices"])
        return None

    def _contexts(self, attribute):
        """The (locale, scope) keys a product may hold for an attribute."""
        if attribute.code not in self._contexts_cache:
            self._contexts_cache[attribute.code] = self._compute_contexts(attribute)
        return self._contexts_cache[attribute.code]

    def _compute_contexts(self, attribute):
        channels = sorted(self.structure.channels.values(), key=lambda c: c.code)
        locales = sorted(self.structure.locales)
        if attribute.available_locales:
            locales = [code for code in locales if code in attribute.available_locales]
        if attribute.scopable and attribute.localizable:
            return [(loc, ch.code) for ch in channels for loc in ch.locales if loc in locales]
        if attribute.scopable:
            return [(None, ch.code) for ch in channels]
        if attribute.localizable:
            return [(loc, None) for loc in locales]
        return [(None, None)]

    def _name(self, family, locale, adjective, noun):
        words = dict(zip(("en_US", "fr_FR", "de_DE"), zip(adjective, noun)))
        adj, base = words.get(locale, words["en_US"])
        if locale == "fr_FR":
            return f"{base.capitalize()} {adj}"
        if locale == "de_DE":
            return f"{adj}{base}" if adj.endswith("-") else f"{adj} {base}"
        return f"{adj} {base}"

    def product(self, identifier, n):
        """(family code, values, category ids, enabled) for the n-th generated product."""
        rng = self.rng
        family = self.families[n % len(self.families)]
        adjective, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS[family])
        fill = rng.choice((0.55, 0.8, 0.95, 1.0))  # varied completeness
        values = {self.structure.identifier: [{"locale": None, "scope": None, "data": identifier}]}
        for attribute in self.family_attributes[family]:
            code, entries = attribute.code, []
            for locale, scope in self._contexts(attribute):
                if rng.random() > fill:
                    continue
                data = self._name(family, locale, adjective, noun) if code == "name" else self._value(attribute, n)
                if code == "description":
                    data = f"{self._name(family, locale, adjective, noun)} ({scope}): {DESCRIPTIONS[locale]}"
                entries.append({"locale": locale, "scope": scope, "data": data})
            if entries:
                values[code] = entries
        cats = [self.categories[c] for c in rng.sample(CATEGORIES[family], rng.randint(1, 2)) if c in self.categories]
        return family, values, sorted(set(cats)), rng.random() > 0.05


DESCRIPTIONS = {
    "en_US": "carefully made from durable materials, comfortable for everyday use.",
    "fr_FR": "fabriqué avec soin dans des matériaux durables, confortable au quotidien.",
    "de_DE": "sorgfältig aus langlebigen Materialien gefertigt, bequem für jeden Tag.",
}


def time_ordered_uuid(milliseconds, rng):
    """A UUIDv7 (RFC 9562): time-ordered, so bulk inserts append to the indexes instead of splitting pages."""
    value = (milliseconds & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rng.getrandbits(12) << 64
    value |= 0b10 << 62 | rng.getrandbits(62)
    return uuid.UUID(int=value)


def _param(value):
    """A field's database value as a plain parameter (SQLite's JSONField wraps it in ``json(?)``)."""
    if isinstance(value, Node):
        return value.arguments[0]
    return value


def _converter(field):
    """None when the driver takes the Python value as it is, else the field's conversion."""
    target = field.rel_field if isinstance(field, ForeignKeyField) else field
    if type(target) in PLAIN_FIELDS:
        return None
    if type(target) is UUIDField:  # the generator passes hex strings, which is what db_value returns
        return None
    return lambda value: None if value is None else _param(field.db_value(value))


def _insert(model, rows):
    """Bulk insert: Peewee renders the one-row INSERT, the driver's executemany repeats it.

    Rendering every row through Peewee's query builder costs ~80% of the generation time.
    """
    if not rows:
        return
    fields = [model._meta.fields[name] for name in rows[0]]
    names = [field.name for field in fields]
    sql, first = model.insert_many([tuple(rows[0][n] for n in names)], fields=fields).sql()
    if len(first) != len(fields):  # a field rendered as more than one parameter: take the slow path
        for start in range(0, len(rows), CHUNK):
            model.insert_many(rows[start:start + CHUNK]).execute()
        return
    for name, convert in ((f.name, _converter(f)) for f in fields):
        if convert is not None:
            for row in rows:
                row[name] = convert(row[name])
    params = list(map(itemgetter(*names), rows)) if len(names) > 1 else [(row[names[0]],) for row in rows]
    db.obj.cursor().executemany(sql, params)


def _write_batch(builder, identifiers, start_n):
    """Build and bulk-insert one batch of products in one write transaction."""
    structure, now = builder.structure, utcnow()
    stamp = int(time.time() * 1000)
    api_rules = representation.rules(structure)
    products, categories, values, completeness = [], [], [], []
    for offset, identifier in enumerate(identifiers):
        family, doc, category_ids, enabled = builder.product(identifier, start_n + offset)
        product_id = time_ordered_uuid(stamp + offset, builder.rng).hex
        products.append({"uuid": product_id, "identifier": identifier, "enabled": enabled,
                         "family": structure.families[family].id, "values": doc,
                         "api_values": representation.render(doc, api_rules), "created": now,
                         "updated": now, "version": 1})
        categories.extend({"product": product_id, "category": c} for c in category_ids)
        values.extend(index_rows(product_id, doc, structure))
        completeness.extend(completeness_rows(product_id, family, doc, structure))
    with write_txn():
        _insert(Product, products)
        _insert(ProductCategory, categories)
        _insert(ProductValue, values)
        _insert(ProductCompleteness, completeness)


def _next_number(prefix):
    """1 + the highest ``<prefix><n>`` identifier (zero-padded, so the text maximum is the numeric one)."""
    pattern = f"{prefix}%"
    last = (Product.select(Product.identifier).where(Product.identifier ** pattern)
            .order_by(Product.identifier.desc()).limit(1).scalar())
    digits = (last or "")[len(prefix):]
    return int(digits) + 1 if digits.isdigit() else 1


def _bulk(count, prefix, seed, batch=1000, progress=None, media=None):
    structure = Structure.load()
    builder = Builder(structure, media or demo_media(), seed)
    first = _next_number(prefix)
    offset = {"demo-": 0, "gen-": 500_000_000}.get(prefix, 0)  # keeps unique EANs apart between the two series
    done = 0
    while done < count:
        size = min(batch, count - done)
        numbers = range(first + done, first + done + size)
        _write_batch(builder, [f"{prefix}{n:08d}" for n in numbers], offset + first + done)
        done += size
        if progress:
            progress(size)
    return done


def generate(count, batch=1000, progress=None):
    """Add ``count`` generated products (``gen-00000001``…) with bulk inserts; returns products per second."""
    started = time.perf_counter()
    first = _next_number(GEN_PREFIX)
    _bulk(count, GEN_PREFIX, seed=first, batch=batch, progress=progress)
    elapsed = time.perf_counter() - started
    refresh_statistics()
    return count / elapsed if elapsed > 0 else float(count)


def refresh_statistics():
    """Refresh the query planner's statistics after a bulk load.

    Straight after loading 100k products PostgreSQL has no statistics and sorts every match for
    a filtered grid page (481 ms instead of 6 ms, measured by bench/products.py); autovacuum would
    fix it only later.
    """
    from pimconnect.db import db, is_sqlite

    db.execute_sql("PRAGMA optimize" if is_sqlite() else "ANALYZE")


def _v(data, locale=None, scope=None):
    return {"locale": locale, "scope": scope, "data": data}


def hat_document(media):
    """The documentation's Hat: in the Ecommerce tree only.

    Its ecommerce/fr_FR completeness is 83% because the only missing required value is the
    ``description`` for (fr_FR, ecommerce): filling it raises ecommerce fr_FR to 100%.
    """
    return {
        "identifier": "hat", "family": "hats", "categories": ["ecommerce_summer_hats"],
        "values": {
            "name": [_v("Hat", "en_US"), _v("Chapeau", "fr_FR"), _v("Hut", "de_DE")],
            "description": [
                _v("A light straw hat for sunny days.", "en_US", "ecommerce"),
                _v("Ein leichter Strohhut für sonnige Tage.", "de_DE", "ecommerce"),
                _v("A light straw hat for sunny days.", "en_US", "mobile"),
                _v("A light straw hat, woven by hand.", "en_US", "print"),
            ],
            "price": [_v([{"amount": "29.90", "currency": "USD"}, {"amount": "27.50", "currency": "EUR"}])],
            "color": [_v("beige")], "material": [_v("straw")], "seasons": [_v(["spring", "summer"])],
            "weight": [_v({"amount": "120", "unit": "GRAM"})], "picture": [_v(media["pictures"][2])],
            "erp_name": [_v("HAT-STRAW-01")], "ean": [_v("4006381333931")], "waterproof": [_v(False)],
        },
    }


def braided_hat_document(media):
    """The documentation's Braided hat: in the Print tree only (Traditional craft)."""
    return {
        "identifier": "braided_hat", "family": "hats", "categories": ["print_traditional"],
        "values": {
            "name": [_v("Braided hat", "en_US"), _v("Chapeau tressé", "fr_FR"), _v("Geflochtener Hut", "de_DE")],
            "description": [
                _v("A hat braided by hand from natural fibres.", "en_US", "print"),
                _v("Ein handgeflochtener Hut aus Naturfasern.", "de_DE", "print"),
                _v("A hat braided by hand from natural fibres.", "en_US", "ecommerce"),
                _v("Un chapeau tressé à la main en fibres naturelles.", "fr_FR", "ecommerce"),
            ],
            "price": [_v([{"amount": "49.00", "currency": "USD"}, {"amount": "45.00", "currency": "EUR"}])],
            "color": [_v("brown")], "material": [_v("straw")], "seasons": [_v(["summer"])],
            "weight": [_v({"amount": "180", "unit": "GRAM"})], "picture": [_v(media["pictures"][3])],
            "french_label": [_v("Chapeau tressé artisanal", "fr_FR")], "erp_name": [_v("HAT-BRAID-02")],
        },
    }


def demo_products(count=1000):
    """Create the demo products (Hat, Braided hat, then generated ``demo-…`` ones up to ``count``);
    returns how many products exist. Deterministic: the same seed gives the same catalog."""
    if count <= 0:
        return Product.select().count()
    media = demo_media()
    made = 0
    for document in (hat_document(media), braided_hat_document(media))[:count]:
        if not Product.select().where(Product.identifier == document["identifier"]).exists():
            save_product(document)
        made += 1
    if count > made:
        _bulk(count - made, DEMO_PREFIX, seed=1234, media=media)
    return Product.select().count()
