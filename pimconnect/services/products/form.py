"""The product page's form: which fields to show for a locale/channel, and the values patch a POST makes.

The page edits one (locale, channel) at a time, like the reference's product edit form: a
localizable value is shown for the chosen locale, a scopable one for the chosen channel, and the
other values always. A save sends only the shown entries, so the other locales/channels stay
untouched (values merge per (attribute, locale, scope), reference §6.4).
"""
from dataclasses import dataclass, field

from pimconnect.models import (
    Attribute,
    AttributeGroup,
    AttributeOption,
    Category,
    ChannelCurrency,
    Currency,
    FamilyAttribute,
    MeasurementFamily,
    MeasurementUnit,
    ProductCategory,
)
from pimconnect.services.products.media import Upload, display_name

# Types whose value is a media-file code: changed by an upload or the Remove box, not by a text field.
MEDIA_TYPES = {"pim_catalog_image", "pim_catalog_file"}
IDENTIFIER_TYPE = "pim_catalog_identifier"


@dataclass
class Field:
    """One editable value of the product page."""

    attribute: Attribute
    locale: str | None
    scope: str | None
    data: object = None
    options: list = field(default_factory=list)  # [(code, label)] for selects
    units: list = field(default_factory=list)  # [(code, label)] for metrics
    currencies: list = field(default_factory=list)  # channel currency codes for prices
    errors: list = field(default_factory=list)
    read_only: bool = False  # EE: a view-only attribute group or locale, or a product the reader does not own

    @property
    def name(self):
        return f"v__{self.attribute.code}"

    @property
    def type(self):
        return self.attribute.type.removeprefix("pim_catalog_")

    @property
    def is_media(self):
        return self.attribute.type in MEDIA_TYPES

    @property
    def file_name(self):
        """The file name shown for a media value (the part of its code after the digest)."""
        return display_name(self.data) if isinstance(self.data, str) else ""

    @property
    def accept(self):
        """The file input's ``accept`` hint: the allowed extensions, or the image types for images."""
        extensions = self.attribute.allowed_extensions or []
        if extensions:
            return ",".join(f".{e.lower()}" for e in extensions)
        return "image/png,image/jpeg,image/gif,image/webp" if self.type == "image" else ""

    def label(self, ui_locale):
        return (self.attribute.labels or {}).get(ui_locale) or f"[{self.attribute.code}]"

    def price(self, currency):
        """The amount currently stored for ``currency`` (prices are [{amount, currency}])."""
        for entry in self.data or []:
            if isinstance(entry, dict) and entry.get("currency") == currency:
                return "" if entry.get("amount") is None else entry["amount"]
        return ""


def _attributes_for(product, family):
    """The family's attributes plus any attribute the product already holds a value for."""
    ids = set()
    if family is not None:
        ids = {fa.attribute_id for fa in FamilyAttribute.select(FamilyAttribute.attribute).where(FamilyAttribute.family == family)}
    held = list((product.values or {}).keys()) if product is not None else []
    shown = Attribute.id.in_(ids) | Attribute.code.in_(held)
    query = (Attribute.select(Attribute, AttributeGroup).join(AttributeGroup)
             .where(shown & (Attribute.type != IDENTIFIER_TYPE))
             .order_by(AttributeGroup.sort_order, Attribute.sort_order))
    return list(query)


def _entry(values, attribute, locale, scope):
    for entry in values.get(attribute.code, []):
        if entry.get("locale") == locale and entry.get("scope") == scope:
            return entry.get("data")
    return None


def _choices(attributes, ui_locale, scope):
    """Options per select attribute, units per metric family, and the channel's currencies (few queries)."""
    select_ids = [a.id for a in attributes if a.type in {"pim_catalog_simpleselect", "pim_catalog_multiselect"}]
    options = {}
    for option in AttributeOption.select().where(AttributeOption.attribute.in_(select_ids)).order_by(AttributeOption.sort_order):
        options.setdefault(option.attribute_id, []).append((option.code, (option.labels or {}).get(ui_locale) or f"[{option.code}]"))
    families = {a.metric_family for a in attributes if a.metric_family}
    units = {}
    query = (MeasurementUnit.select(MeasurementUnit, MeasurementFamily).join(MeasurementFamily)
             .where(MeasurementFamily.code.in_(families)).order_by(MeasurementUnit.sort_order))
    for unit in query:
        units.setdefault(unit.family.code, []).append((unit.code, (unit.labels or {}).get(ui_locale) or unit.code))
    currencies = [c.code for c in Currency.select().join(ChannelCurrency).where(ChannelCurrency.channel == scope.id).order_by(Currency.code)]
    return options, units, currencies


def field_groups(product, family, locale, channel, ui_locale, access=None, editable=True):
    """[(group label, [Field])] for the chosen locale code and Channel, in attribute-group order.

    With the reader's ``access`` (EE), the groups it may not view are left out and the fields it may
    not edit (view-only group or locale, or not ``editable`` at all: a product it does not own) are
    read-only."""
    attributes = [a for a in _attributes_for(product, family)
                  if not (a.localizable and a.available_locales and locale not in a.available_locales)]
    if access is not None:
        attributes = [a for a in attributes if access.can_view_attribute_group(a.group.code)]
    options, units, currencies = _choices(attributes, ui_locale, channel)
    values = (product.values or {}) if product is not None else {}
    groups = []
    for attribute in attributes:
        loc = locale if attribute.localizable else None
        scope = channel.code if attribute.scopable else None
        item = Field(attribute, loc, scope, _entry(values, attribute, loc, scope),
                     options=options.get(attribute.id, []), units=units.get(attribute.metric_family, []),
                     currencies=currencies)
        if access is not None:
            item.read_only = not (editable and access.can_edit_attribute_group(attribute.group.code)
                                  and (loc is None or access.can_edit_locale(loc)))
        label = (attribute.group.labels or {}).get(ui_locale) or f"[{attribute.group.code}]"
        if not groups or groups[-1][0] != label:
            groups.append((label, []))
        groups[-1][1].append(item)
    return groups


def _number(raw, decimals_allowed):
    """An amount as the API wants it: int when decimals are not allowed, else a string; None when blank."""
    raw = (raw or "").strip()
    if raw == "":
        return None
    if not decimals_allowed:
        try:
            return int(raw)
        except ValueError:
            return raw  # the write service answers with its validation message
    return raw


def _data_from_form(item, form):
    attribute, name = item.attribute, item.name
    kind = attribute.type
    if kind == "pim_catalog_multiselect":
        return form.getlist(name) or None
    if kind == "pim_catalog_boolean":
        return {"1": True, "0": False}.get(form.get(name, ""))
    if kind == "pim_catalog_number":
        return _number(form.get(name), attribute.decimals_allowed)
    if kind == "pim_catalog_metric":
        amount = _number(form.get(f"{name}__amount"), attribute.decimals_allowed)
        return None if amount is None else {"amount": amount, "unit": form.get(f"{name}__unit", "")}
    if kind == "pim_catalog_price_collection":
        # Only the channel's currencies are shown: keep the amounts stored for the others.
        kept = [p for p in item.data or [] if isinstance(p, dict) and p.get("currency") not in item.currencies]
        prices = [{"amount": _number(form.get(f"{name}__{cur}"), attribute.decimals_allowed), "currency": cur}
                  for cur in item.currencies]
        prices = kept + [p for p in prices if p["amount"] is not None]
        return prices or None
    value = form.get(name, "")
    return value if value.strip() else None


def values_patch(groups, form):
    """The ``values`` patch for the shown fields only; a media value changes only when "Remove" is ticked
    (a new upload replaces it later, see ``media_uploads``)."""
    patch = {}
    for _, items in groups:
        for item in items:
            if item.read_only:
                continue  # shown, never sent: a view-only value stays as it is
            if item.is_media:
                if form.get(f"{item.name}__remove") == "1":
                    patch[item.attribute.code] = [{"locale": item.locale, "scope": item.scope, "data": None}]
                continue
            data = _data_from_form(item, form)
            patch[item.attribute.code] = [{"locale": item.locale, "scope": item.scope, "data": data}]
    return patch


def media_uploads(groups, files):
    """[(Field, Upload)] for each shown image/file field the user chose a file for."""
    uploads = []
    for _, items in groups:
        for item in items:
            chosen = files.get(item.name) if item.is_media and not item.read_only else None
            if chosen is not None and chosen.filename:
                uploads.append((item, Upload(chosen.filename, chosen.mimetype or "", chosen.read())))
    return uploads


def attach_errors(groups, errors):
    """Put each validation error next to its field; return the errors that match no field."""
    by_key = {(i.attribute.code, i.locale, i.scope): i for _, items in groups for i in items}
    by_code = {i.attribute.code: i for _, items in groups for i in items}
    general = []
    for error in errors:
        code = error.get("attribute") or error.get("property")
        target = by_key.get((code, error.get("locale"), error.get("scope"))) or by_code.get(code)
        if target is not None:
            target.errors.append(error.get("message", ""))
        else:
            general.append(error)
    return general


def category_trees(product, ui_locale, access=None):
    """[(node, level, checked)] for every tree, depth-first; ``checked`` when the product is classified there.
    With the reader's ``access`` (EE), only the categories it may view (and the trees holding one)."""
    checked = set()
    if product is not None:
        checked = {pc.category_id for pc in ProductCategory.select(ProductCategory.category).where(ProductCategory.product == product)}
    nodes = list(Category.select().order_by(Category.level, Category.sort_order))
    if access is not None and access.restricted:
        hidden = set(access.hidden_categories([node.code for node in nodes]))
        nodes = [node for node in nodes if node.code not in hidden]
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)
    trees = []
    for root in children.get(None, []):
        flat = []
        _walk(root, children, checked, ui_locale, flat)
        trees.append(flat)
    return trees


def _walk(node, children, checked, ui_locale, out):
    label = (node.labels or {}).get(ui_locale) or f"[{node.code}]"
    out.append({"code": node.code, "label": label, "level": node.level, "checked": node.id in checked})
    for child in children.get(node.id, []):
        _walk(child, children, checked, ui_locale, out)


def as_int(raw):
    """An integer form field (e.g. the version), or None."""
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def product_patch(groups, form, with_categories):
    """The save_product document a product-page POST makes.

    Categories are sent (and so replaced) only when the user may classify and the form showed the
    tree: ``categories_shown`` tells an empty selection from an absent one.
    """
    data = {
        "identifier": form.get("identifier", "").strip(),
        "enabled": form.get("enabled") == "1",
        "family": form.get("family") or None,
        "values": values_patch(groups, form),
    }
    if with_categories and form.get("categories_shown") == "1":
        data["categories"] = form.getlist("categories")
    return data


def show_submitted(groups, data):
    """After a failed save, show what the user typed rather than what is stored.

    Media fields keep showing the stored file: nothing was uploaded or removed.
    """
    for _, items in groups:
        for item in items:
            if item.is_media:
                continue
            entries = data["values"].get(item.attribute.code)
            if entries:
                item.data = entries[0]["data"]
