"""Settings writes for locales, currencies, channels and category trees (no request access here).

Every write runs in one ``write_txn()``; refusals raise ``SettingsError`` with a message for the user
(and, for forms, ``errors``: {field: message}).
"""
import re
from collections import defaultdict
from functools import reduce
from operator import or_

from peewee import JOIN, Value, fn

from pimconnect.db import write_txn
from pimconnect.models import (
    Attribute,
    Category,
    Channel,
    ChannelCurrency,
    ChannelLocale,
    Currency,
    Locale,
    MeasurementFamily,
    MeasurementUnit,
    Product,
    ProductCategory,
)
from pimconnect.models.structure import utcnow
from pimconnect.services import jobs
from pimconnect.services.access import group_permissions
from pimconnect.services.catalogs import validity
from pimconnect.services.products.completeness import enqueue_recompute_all

CODE_RE = re.compile(r"\A[A-Za-z0-9_]+\Z")  # \Z: "$" would let a final newline through
BLANK = "This value should not be blank."
MAX_PATH = 1000  # Category.path's column size
ID_SLOT = 21  # room for one more id (at most 20 digits) and its slash in a path
TOO_DEEP = "The category tree would be too deep."

LANGUAGES = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "nl": "Dutch",
    "pt": "Portuguese", "sv": "Swedish", "da": "Danish", "fi": "Finnish", "nb": "Norwegian", "pl": "Polish",
    "cs": "Czech", "ru": "Russian", "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "tr": "Turkish",
}
TERRITORIES = {
    "US": "United States", "GB": "United Kingdom", "CA": "Canada", "AU": "Australia", "FR": "France",
    "BE": "Belgium", "CH": "Switzerland", "DE": "Germany", "AT": "Austria", "ES": "Spain", "MX": "Mexico",
    "IT": "Italy", "NL": "Netherlands", "PT": "Portugal", "BR": "Brazil", "SE": "Sweden", "DK": "Denmark",
    "FI": "Finland", "NO": "Norway", "PL": "Poland", "CZ": "Czechia", "RU": "Russia", "JP": "Japan",
    "CN": "China", "TW": "Taiwan", "KR": "South Korea", "TR": "Turkey",
}


class SettingsError(Exception):
    """A refused settings change; ``errors`` maps form fields to messages."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def locale_label(code):
    """A human name for a locale code: ``en_US`` -> "English (United States)"."""
    language, _, territory = code.partition("_")
    name = LANGUAGES.get(language, language)
    return f"{name} ({TERRITORIES.get(territory, territory)})" if territory else name


# -- Locales and currencies ---------------------------------------------------------------------

def search_locales(enabled_only=False, query=""):
    """Locales by code; ``query`` matches the code or the human name (in SQL, through the name tables)."""
    select = Locale.select().order_by(Locale.code)
    if enabled_only:
        select = select.where(Locale.enabled == True)  # noqa: E712
    query = (query or "").strip()
    if query:
        needle = query.lower()
        terms = [Locale.code.contains(query)]
        terms += [Locale.code.startswith(f"{k}_") for k, v in LANGUAGES.items() if needle in v.lower()]
        terms += [Locale.code.endswith(f"_{k}") for k, v in TERRITORIES.items() if needle in v.lower()]
        select = select.where(reduce(or_, terms))
    return select


def _channels_using(through, field, value):
    query = Channel.select(Channel.code).join(through).where(field == value).order_by(Channel.code)
    return [c.code for c in query]


# What may be enabled or disabled from a list row, and the channel link that keeps it enabled.
TOGGLEABLE = {
    "locale": (Locale, ChannelLocale, ChannelLocale.locale),
    "currency": (Currency, ChannelCurrency, ChannelCurrency.currency),
}


def set_enabled(kind, code, enabled):
    """Enable or disable a locale or currency (``kind``); one used by a channel stays enabled."""
    model, through, field = TOGGLEABLE[kind]
    with write_txn():
        item = model.get_or_none(model.code == code)
        if item is None:
            raise SettingsError(f"The {kind} {code} does not exist.")
        if not enabled:
            channels = _channels_using(through, field, item.id)
            if channels:
                raise SettingsError(f"The {kind} {code} is used by the channel {', '.join(channels)} "
                                    "and cannot be disabled.")
        item.enabled = bool(enabled)
        item.save()
        if not enabled:
            validity.recheck_after(kind, [code])  # §6.3: in the deactivation's transaction
    return item


def measurement_families():
    """Measurement families with their unit count, by code."""
    return (MeasurementFamily.select(MeasurementFamily, fn.COUNT(MeasurementUnit.id).alias("unit_count"))
            .join(MeasurementUnit, JOIN.LEFT_OUTER).group_by(MeasurementFamily.id).order_by(MeasurementFamily.code))


def measurement_units(family):
    return family.units.order_by(MeasurementUnit.sort_order, MeasurementUnit.code)


def enabled_locale_codes():
    return [lo.code for lo in Locale.select(Locale.code).where(Locale.enabled == True)]  # noqa: E712


def clean_labels(labels, locales=None):
    """Keep the non-empty labels of enabled locales."""
    allowed = set(locales if locales is not None else enabled_locale_codes())
    return {k: v.strip()[:255] for k, v in (labels or {}).items() if k in allowed and v and v.strip()}


# -- Channels -----------------------------------------------------------------------------------

def channel_form_options():
    """What the channel form offers: enabled locales and currencies, trees, metric attributes with units."""
    metrics = Attribute.select().where(Attribute.type == "pim_catalog_metric").order_by(Attribute.code)
    families = {f.code: f for f in MeasurementFamily.select().where(
        MeasurementFamily.code.in_([a.metric_family for a in metrics]))}
    return {
        "locales": list(Locale.select().where(Locale.enabled == True)),  # noqa: E712
        "currencies": list(Currency.select().where(Currency.enabled == True).order_by(Currency.code)),  # noqa: E712
        "trees": list(Category.select().where(Category.parent.is_null()).order_by(Category.code)),
        "metrics": [(a, list(measurement_units(families[a.metric_family])) if a.metric_family in families else [])
                    for a in metrics],
    }


def channels_data(channels=None):
    """Channels (all by default, by code) as the form's data dicts, in three queries whatever their number."""
    query = Channel.select(Channel, Category).join(Category, on=(Channel.category_tree == Category.id))
    if channels is not None:
        query = query.where(Channel.id.in_([c.id for c in channels]))
    rows = list(query.order_by(Channel.code))
    ids = [c.id for c in rows]
    locales, currencies = defaultdict(list), defaultdict(list)
    for channel_id, code in (ChannelLocale.select(ChannelLocale.channel, Locale.code).join(Locale)
                             .where(ChannelLocale.channel.in_(ids)).order_by(Locale.code).tuples()):
        locales[channel_id].append(code)
    for channel_id, code in (ChannelCurrency.select(ChannelCurrency.channel, Currency.code).join(Currency)
                             .where(ChannelCurrency.channel.in_(ids)).order_by(Currency.code).tuples()):
        currencies[channel_id].append(code)
    return [{"channel": c, "code": c.code, "labels": dict(c.labels or {}), "category_tree": c.category_tree.code,
             "locales": locales[c.id], "currencies": currencies[c.id],
             "conversion_units": dict(c.conversion_units or {})} for c in rows]


def channel_data(channel):
    """A channel as the form's data dict."""
    data = channels_data([channel])[0]
    del data["channel"]
    return data


def _validate_channel(data, channel):
    errors = {}
    code = data.get("code", "").strip()
    if channel is None:
        if not code:
            errors["code"] = BLANK
        elif not CODE_RE.match(code) or len(code) > 100:
            errors["code"] = "Channel code may contain only letters, numbers and underscores."
        elif Channel.select().where(Channel.code == code).exists():
            errors["code"] = "This value is already used."
    tree = Category.get_or_none(Category.code == data.get("category_tree", ""))
    if tree is None or tree.parent_id is not None:
        errors["category_tree"] = "The category tree must be an existing root category."
    locales = list(Locale.select().where(Locale.code.in_(data.get("locales") or []), Locale.enabled == True))  # noqa: E712
    if not locales or len(locales) != len(set(data.get("locales") or [])):
        errors["locales"] = "Select at least one locale; every locale must exist and be enabled."
    currencies = list(Currency.select().where(Currency.code.in_(data.get("currencies") or []),
                                              Currency.enabled == True))  # noqa: E712
    if not currencies or len(currencies) != len(set(data.get("currencies") or [])):
        errors["currencies"] = "Select at least one currency; every currency must exist and be enabled."
    units = {k: v for k, v in (data.get("conversion_units") or {}).items() if v}
    allowed = {a.code: {u.code for u in us} for a, us in channel_form_options()["metrics"]}
    for attribute, unit in units.items():
        if unit not in allowed.get(attribute, ()):
            errors[f"conversion_units.{attribute}"] = (
                f'The unit "{unit}" is not a unit of the measurement family of the attribute "{attribute}".')
    if errors:
        raise SettingsError("The channel could not be saved. Check the highlighted fields.", errors)
    return code, tree, locales, currencies, units


def save_channel(data, channel=None):
    """Create a channel (``channel`` None) or update one; the code never changes once created."""
    with write_txn():
        code, tree, locales, currencies, units = _validate_channel(data, channel)
        channel, changed = store_channel(channel, code, clean_labels(data.get("labels")), tree, locales,
                                         currencies, units)
        if changed:
            # Queued with the change it follows (never lost, never run on a rolled-back change); the
            # recompute of a whole catalog runs in the job worker, out of the request.
            enqueue_recompute_all(f"channel {channel.code}")
    jobs.kick()
    return channel


def store_channel(channel, code, labels, tree, locales, currencies, units):
    """Write a channel (a new one when ``channel`` is None) with its locales and currencies, inside the
    caller's write transaction. Returns (channel, changed): ``changed`` says the channel's locales or
    currencies changed, so the caller recomputes completeness once committed.

    The channel's locales are enabled: a locale is enabled while a channel uses it (§5.8), and
    completeness is computed on enabled locales only.
    """
    if channel is None:
        channel = Channel.create(code=code, labels=labels, category_tree=tree, conversion_units=units)
        before = (set(), set())
    else:
        old = channel_data(channel)
        before = (set(old["locales"]), set(old["currencies"]))
        channel.labels, channel.category_tree, channel.conversion_units = labels, tree, units
        channel.updated = utcnow()
        channel.save()
    Locale.update(enabled=True).where(Locale.id.in_([lo.id for lo in locales]),
                                      Locale.enabled == False).execute()  # noqa: E712
    ChannelLocale.delete().where(ChannelLocale.channel == channel).execute()
    ChannelLocale.insert_many([{"channel": channel, "locale": lo} for lo in locales]).execute()
    ChannelCurrency.delete().where(ChannelCurrency.channel == channel).execute()
    ChannelCurrency.insert_many([{"channel": channel, "currency": cu} for cu in currencies]).execute()
    if before[0] - {lo.code for lo in locales}:
        # A locale removed from the channel breaks the criteria and mappings that pair them (§4.4, §7.4).
        validity.recheck_after("channel", [channel.code])
    return channel, before != ({lo.code for lo in locales}, {cu.code for cu in currencies})


def delete_channel(channel):
    """Delete a channel, unless it is the last one."""
    with write_txn():
        if Channel.select().count() <= 1:
            raise SettingsError(f"The channel {channel.code} is the last channel and cannot be deleted.")
        channel.delete_instance()
        validity.recheck_after("channel", [channel.code])  # §6.3: in the deletion's transaction


# -- Category trees -----------------------------------------------------------------------------

def category_trees(access):
    """Root categories with their number of classified products ``access`` may see (distinct, across the tree)."""
    counts = (ProductCategory.select(Category.root.alias("tree_id"),
                                     fn.COUNT(fn.DISTINCT(ProductCategory.product)).alias("n"))
              .join(Category).group_by(Category.root))
    visible = access.product_condition()
    if visible is not None:
        counts = counts.switch(ProductCategory).join(Product).where(visible)
    by_tree = {row["tree_id"]: row["n"] for row in counts.dicts()}
    trees = Category.select().where(Category.parent.is_null()).order_by(Category.sort_order, Category.code)
    return [(tree, by_tree.get(tree.id, 0)) for tree in trees]


def _children_counts(ids):
    query = (Category.select(Category.parent.alias("pid"), fn.COUNT(Category.id).alias("n"))
             .where(Category.parent.in_(ids)).group_by(Category.parent))
    return {row["pid"]: row["n"] for row in query.dicts()} if ids else {}


def subtree(node, depth=3):
    """The nested nodes under ``node`` down to ``depth`` levels: [{category, children, child_count}]."""
    rows = list(Category.select().where(Category.path.startswith(node.path), Category.id != node.id,
                                        Category.level <= node.level + depth)
                .order_by(Category.level, Category.sort_order, Category.code))
    counts = _children_counts([node.id] + [r.id for r in rows])
    items = {node.id: {"category": node, "children": [], "child_count": counts.get(node.id, 0)}}
    for row in rows:
        items[row.id] = {"category": row, "children": [], "child_count": counts.get(row.id, 0)}
        items[row.parent_id]["children"].append(items[row.id])
    return items[node.id]["children"]


def _check_code(code):
    if not code:
        raise SettingsError(BLANK, {"code": BLANK})
    if not CODE_RE.match(code) or len(code) > 100:
        message = "Category code may contain only letters, numbers and underscores."
        raise SettingsError(message, {"code": message})
    if Category.select().where(Category.code == code).exists():
        raise SettingsError("This value is already used.", {"code": "This value is already used."})


def _next_position(parent):
    condition = Category.parent.is_null() if parent is None else Category.parent == parent
    last = Category.select(fn.MAX(Category.sort_order)).where(condition).scalar()
    return 0 if last is None else last + 1


def create_category(code, labels, parent=None):
    """Create a tree (no ``parent``) or a child category."""
    code = (code or "").strip()
    with write_txn():
        _check_code(code)
        if parent is not None and len(parent.path) + ID_SLOT > MAX_PATH:
            raise SettingsError(TOO_DEEP, {"code": TOO_DEEP})
        return insert_category(code, clean_labels(labels), parent)


def insert_category(code, labels, parent=None):
    """Insert a category last among its siblings, keeping ``path = /<ancestor ids>/<id>/``; inside the
    caller's write transaction, ``code`` and ``labels`` already checked."""
    category = Category.create(code=code, parent=parent, level=parent.level + 1 if parent else 0,
                               sort_order=_next_position(parent), labels=labels)
    category.root = parent.root_id if parent else category.id
    category.path = f"{parent.path if parent else '/'}{category.id}/"
    category.save()
    group_permissions.category_created(category)
    return category


def update_category_labels(category, labels):
    with write_txn():
        category.labels = clean_labels(labels)
        category.updated = utcnow()
        category.save()
    return category


def move_category(category, parent_code):
    """Move a category and its subtree under ``parent_code`` (same or another tree), in one transaction."""
    with write_txn():
        category = Category.get_by_id(category.id)
        parent = Category.get_or_none(Category.code == (parent_code or "").strip())
        if parent is None:
            raise SettingsError(f'The category "{parent_code}" does not exist.', {"parent": "Unknown category."})
        if category.parent_id is None:
            raise SettingsError("A category tree cannot be moved under another category.")
        if parent.path.startswith(category.path):
            raise SettingsError(f"The category {category.code} cannot be moved under itself or one of its "
                                "descendants.", {"parent": "Choose a category outside this branch."})
        if moved_path_length(category, parent) > MAX_PATH:
            raise SettingsError(TOO_DEEP, {"parent": TOO_DEEP})
        relocate_category(category, parent)
    return Category.get_by_id(category.id)


def moved_path_length(category, parent):
    """The longest ``path`` of the branch of ``category`` once moved under ``parent`` (None: as a tree)."""
    longest = Category.select(fn.MAX(fn.LENGTH(Category.path))).where(
        Category.path.startswith(category.path)).scalar() or len(category.path)
    new_path = f"{parent.path if parent else '/'}{category.id}/"
    return longest - len(category.path) + len(new_path)


def relocate_category(category, parent):
    """Move ``category`` with its branch under ``parent`` (None: it becomes a tree), last among its new
    siblings; inside the caller's write transaction, the move already checked."""
    old_path, new_path = category.path, f"{parent.path if parent else '/'}{category.id}/"
    shift = (parent.level + 1 if parent else 0) - category.level
    (Category.update(path=Value(new_path).concat(fn.SUBSTR(Category.path, len(old_path) + 1)),
                     level=Category.level + shift, root=parent.root_id if parent else category.id)
     .where(Category.path.startswith(old_path)).execute())
    Category.update(parent=parent, sort_order=_next_position(parent), updated=utcnow()).where(
        Category.id == category.id).execute()


def delete_category(category):
    """Delete a category without children or products; a tree used by a channel stays."""
    with write_txn():
        if Category.select().where(Category.parent == category).exists():
            raise SettingsError(f"The category {category.code} has children and cannot be deleted.")
        products = ProductCategory.select().where(ProductCategory.category == category).count()
        if products:
            raise SettingsError(f"The category {category.code} is used by {products} product(s) "
                                "and cannot be deleted.")
        channels = [c.code for c in Channel.select(Channel.code).where(Channel.category_tree == category)]
        if channels:
            raise SettingsError(f"The category tree {category.code} is used by the channel {', '.join(channels)} "
                                "and cannot be deleted.")
        if category.parent_id is None:
            Category.update(root=None).where(Category.id == category.id).execute()
        Category.delete().where(Category.id == category.id).execute()
        validity.recheck_after("category", [category.code])  # §6.3: in the deletion's transaction
