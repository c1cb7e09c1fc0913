"""A plain Python evaluation of selection criteria over products held in memory: the oracle the
engine's SQL is compared with (test_selection_property.py). Written from the references' words
(rest-api-and-permissions.md §6.5, §8.2; catalogs-for-apps.md §4.5), not from the engine's code."""
import datetime
import operator

from pimconnect.services.demo import seed as demo
from pimconnect.services.products.values import to_standard

COMPARE = {"<": operator.lt, "<=": operator.le, "=": operator.eq, "!=": operator.ne, ">=": operator.ge,
           ">": operator.gt}
ON_ALL = {"GREATER THAN ON ALL LOCALES": ">", "GREATER OR EQUALS THAN ON ALL LOCALES": ">=",
          "LOWER THAN ON ALL LOCALES": "<", "LOWER OR EQUALS THAN ON ALL LOCALES": "<="}
MEDIA_NAME_START = 49  # the file name follows "a/b/c/d/<40 hex>_"
ACTIVATED = [code for code, on in demo.LOCALES.items() if on]


def _parents(tree, parent=None, found=None):
    found = {} if found is None else found
    for code, (_en, _fr, _de, children) in tree.items():
        found[code] = parent
        _parents(children, code, found)
    return found


PARENTS = _parents(demo.TREES)


def ancestors_or_self(code):
    while code is not None:
        yield code
        code = PARENTS[code]


def unit_factor(family, unit):
    return [{"operator": "mul", "value": demo.MEASUREMENTS[family][1][unit][1]}]


class Oracle:
    """``matches(product, criterion, semantics)`` for products as dicts: uuid, identifier, enabled,
    family, categories (codes), values (the document), created, updated, ratios {(channel, locale): %}."""

    def matches(self, product, criterion, semantics):
        field = criterion.field
        if field in demo.ATTRIBUTES:
            return self._attribute(product, criterion, semantics)
        return getattr(self, "_" + field)(product, criterion.operator, criterion.value, criterion)

    # --- properties ---------------------------------------------------------------------------
    def _uuid(self, product, op, value, criterion):
        listed = {v.lower() for v in value}
        return (str(product["uuid"]) in listed) == (op == "IN")

    def _identifier(self, product, op, value, criterion):
        return _text(op, product["identifier"], value, "rest")

    def _enabled(self, product, op, value, criterion):
        return (product["enabled"] == value) == (op == "=")

    def _family(self, product, op, value, criterion):
        family = product["family"]
        if op in ("EMPTY", "NOT EMPTY"):
            return (family is None) == (op == "EMPTY")
        inside = family is not None and family in {v.lower() for v in value}
        return inside if op == "IN" else not inside

    def _groups(self, product, op, value, criterion):
        return op in ("EMPTY", "NOT IN")

    def _parent(self, product, op, value, criterion):
        return op == "EMPTY"

    def _quality_score(self, product, op, value, criterion):
        return False

    def _categories(self, product, op, value, criterion):
        mine = product["categories"]
        if op == "UNCLASSIFIED":
            return not mine
        if op.endswith("CHILDREN"):
            inside = any(set(ancestors_or_self(c)) & set(value) for c in mine)
        else:
            inside = bool(mine & set(value))
        if op == "IN OR UNCLASSIFIED":
            return inside or not mine
        return not inside if op.startswith("NOT") else inside

    def _completeness(self, product, op, value, criterion):
        channel = criterion.scope
        ratios = product["ratios"]
        if op in ON_ALL:
            test = COMPARE[ON_ALL[op]]
            return all((channel, loc) in ratios and test(ratios[channel, loc], value) for loc in criterion.locales)
        locales = [criterion.locale] if criterion.locale else [
            loc for loc in demo.CHANNELS[channel][2] if loc in ACTIVATED]
        found = [ratios[channel, loc] for loc in locales if (channel, loc) in ratios]
        if op == "!=":
            return len(found) == len(locales) and any(r != value for r in found)
        return any(COMPARE[op](r, value) for r in found)

    def _created(self, product, op, value, criterion):
        return _moment(op, product["created"], value)

    def _updated(self, product, op, value, criterion):
        return _moment(op, product["updated"], value)

    # --- attribute values ---------------------------------------------------------------------
    def _attribute(self, product, criterion, semantics):
        code, op, value = criterion.field, criterion.operator, criterion.value
        kind, _group, _label, extra = demo.ATTRIBUTES[code]
        locale = criterion.locale if extra.get("localizable") else None
        scope = criterion.scope if extra.get("scopable") else None
        data = next((e["data"] for e in product["values"].get(code, [])
                     if e["locale"] == locale and e["scope"] == scope), None)
        if op == "NOT EMPTY":
            return data is not None
        if op == "EMPTY":
            if semantics == "catalog":
                return data is None
            return data is None and product["family"] is not None and code in demo.FAMILIES[product["family"]][1]
        if data is None:
            return op == "NOT IN" and semantics == "rest"
        return VALUE_TESTS[kind](op, data, value, semantics, extra)


def _moment(op, stored, value):
    """The reference compares whole seconds."""
    stored = stored.replace(microsecond=0)
    if op == "SINCE LAST N DAYS":
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
        return stored >= now - datetime.timedelta(days=value) + datetime.timedelta(seconds=1)
    if op in ("BETWEEN", "NOT BETWEEN"):
        low, high = (datetime.datetime.strptime(v, "%Y-%m-%d %H:%M:%S") for v in value)
        return (low <= stored <= high) == (op == "BETWEEN")
    return COMPARE[op](stored, datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S"))


def _text(op, data, value, semantics, extra=None):
    text = data.lower()
    if op == "STARTS WITH":
        return text.startswith(value.lower())
    if op == "CONTAINS":
        return value.lower() in text
    if op == "DOES NOT CONTAIN":
        return value.lower() not in text
    if op == "=":
        return text == value.lower()
    if op == "!=":
        return text != value.lower()
    inside = text in {v.lower() for v in value}
    return inside if op == "IN" else not inside


def _media(op, data, value, semantics, extra):
    return _text(op, data.lower()[:255][MEDIA_NAME_START:], value, semantics)


def _number(op, data, value, semantics, extra):
    return COMPARE[op](float(data), float(value))


def _metric(op, data, value, semantics, extra):
    family = extra["metric_family"]
    stored = to_standard(data["amount"], unit_factor(family, data["unit"]))
    return COMPARE[op](stored, to_standard(str(value["amount"]).strip(), unit_factor(family, value["unit"])))


def _price(op, data, value, semantics, extra):
    return any(p["currency"] == value["currency"] and COMPARE[op](float(p["amount"]), float(value["amount"]))
               for p in data)


def _options(op, data, value, semantics, extra):
    held = {data.lower()} if isinstance(data, str) else {c.lower() for c in data}
    inside = bool(held & {v.lower() for v in value})
    return inside if op == "IN" else not inside


def _boolean(op, data, value, semantics, extra):
    return (data == value) == (op == "=")


def _date(op, data, value, semantics, extra):
    day = datetime.date.fromisoformat(data[:10])
    if op in ("BETWEEN", "NOT BETWEEN"):
        low, high = (datetime.date.fromisoformat(v) for v in value)
        return (low <= day <= high) == (op == "BETWEEN")
    return COMPARE[op](day, datetime.date.fromisoformat(value))


VALUE_TESTS = {
    "pim_catalog_identifier": _text, "pim_catalog_text": _text, "pim_catalog_textarea": _text,
    "pim_catalog_image": _media, "pim_catalog_file": _media, "pim_catalog_number": _number,
    "pim_catalog_metric": _metric, "pim_catalog_price_collection": _price, "pim_catalog_simpleselect": _options,
    "pim_catalog_multiselect": _options, "pim_catalog_boolean": _boolean, "pim_catalog_date": _date,
}
