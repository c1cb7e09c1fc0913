"""Families: their attributes, label/image attributes and per-channel requirements (no request access).

A family is checked and written in one place (``write_family``) from a *state*: ``code``, ``labels``,
``attributes`` (codes), ``attribute_as_label`` / ``attribute_as_image`` (codes or None) and
``requirements`` ({channel code: attribute codes}). The settings form and the REST API build that
state their own way and share the rules; the identifier always belongs to the family and is
required on every channel.
"""
from peewee import IntegrityError, fn

from pimconnect.db import write_txn
from pimconnect.models import Attribute, AttributeGroup, AttributeRequirement, Channel, Family, FamilyAttribute, Product
from pimconnect.models.structure import utcnow
from pimconnect.services import jobs
from pimconnect.services.catalogs import validity
from pimconnect.services.errors import Invalid
from pimconnect.services.products.completeness import enqueue_recompute_family
from pimconnect.services.structure.attribute_types import IDENTIFIER
from pimconnect.services.structure.checks import check_code, check_labels, enabled_locales, parse_labels

LABEL_TYPES = (IDENTIFIER, "pim_catalog_text")
IMAGE_TYPES = ("pim_catalog_image",)


def search_families(q="", page=1, per_page=50):
    """Families whose code or label contains ``q``, with ``attribute_count``; (rows, has_next)."""
    count = (FamilyAttribute.select(fn.COUNT(FamilyAttribute.id))
             .where(FamilyAttribute.family == Family.id))
    query = Family.select(Family, count.alias("attribute_count"))
    if q:
        query = query.where(Family.code.contains(q) | fn.LOWER(Family.labels.cast("text")).contains(q.lower()))
    rows = list(query.order_by(Family.code).paginate(page, per_page + 1))
    return rows[:per_page], len(rows) > per_page


def identifier_attribute():
    return Attribute.get_or_none(Attribute.type == IDENTIFIER)


def family_attributes(family):
    """The family's attributes, in group then attribute order (the identifier when new)."""
    if family is None:
        identifier = identifier_attribute()
        return [identifier] if identifier else []
    return list(Attribute.select(Attribute, AttributeGroup).join(AttributeGroup)
                .switch(Attribute).join(FamilyAttribute)
                .where(FamilyAttribute.family == family)
                .order_by(AttributeGroup.sort_order, Attribute.sort_order, Attribute.code))


def candidate_attributes(family):
    """Attributes that can be added: those not in the family yet."""
    query = Attribute.select(Attribute, AttributeGroup).join(AttributeGroup)
    if family is not None:
        query = query.where(Attribute.id.not_in(
            FamilyAttribute.select(FamilyAttribute.attribute).where(FamilyAttribute.family == family)))
    return list(query.where(Attribute.type != IDENTIFIER)
                .order_by(AttributeGroup.sort_order, Attribute.sort_order, Attribute.code))


def required_pairs(family):
    """{(channel code, attribute code)} the family requires."""
    if family is None:
        identifier = identifier_attribute()
        return {(c.code, identifier.code) for c in Channel.select()} if identifier else set()
    rows = (AttributeRequirement.select(Channel.code, Attribute.code.alias("attribute_code"))
            .join(Channel).switch(AttributeRequirement).join(Attribute)
            .where(AttributeRequirement.family == family).tuples())
    return set(rows)


def family_state(family):
    """The stored state of ``family``."""
    requirements = {}
    for channel, code in required_pairs(family):
        requirements.setdefault(channel, set()).add(code)
    label, image = family.attribute_as_label_id, family.attribute_as_image_id
    codes = dict(Attribute.select(Attribute.id, Attribute.code).where(Attribute.id.in_([label, image])).tuples())
    return {"code": family.code, "labels": dict(family.labels or {}),
            "attributes": {a.code for a in family_attributes(family)},
            "attribute_as_label": codes.get(label), "attribute_as_image": codes.get(image),
            "requirements": requirements}


def save_family(family, form):
    """Create (``family`` None) or update a family from the settings form; recompute completeness after."""
    errors = {}
    labels = parse_labels(form, errors, enabled_locales())
    codes = {c for c in form.getlist("attributes") + form.getlist("add_attributes") if c}
    identifier = identifier_attribute()
    in_family = codes | ({identifier.code} if identifier else set())
    requirements = {channel.code: {c for c in form.getlist(f"required-{channel.code}") if c in in_family}
                    for channel in Channel.select()}
    state = {"code": (form.get("code") or "").strip(), "labels": labels, "attributes": codes,
             "attribute_as_label": (form.get("attribute_as_label") or "").strip() or None,
             "attribute_as_image": (form.get("attribute_as_image") or "").strip() or None,
             "requirements": requirements}
    return write_family(family, state, errors)


def write_family(family, state, errors=None):
    """Create (``family`` None) or update a family from ``state`` in one transaction, which also queues
    the recompute of its products' completeness (their requirements may have changed)."""
    errors = dict(errors or {})
    code = family.code if family else state["code"]
    if family is None:
        check_code(code, errors, Family.select().where(Family.code == code), "family")
    check_labels(state["labels"], errors)
    attributes = _chosen_attributes(state["attributes"], errors)
    label_attribute = _pick(state["attribute_as_label"], errors, attributes, "attribute_as_label", LABEL_TYPES)
    image_attribute = _pick(state["attribute_as_image"], errors, attributes, "attribute_as_image", IMAGE_TYPES)
    requirements = _requirements(state["requirements"], attributes, errors)
    if errors:
        raise Invalid(errors)
    try:
        with write_txn():
            family = _write(family, code, state["labels"], label_attribute, image_attribute, attributes, requirements)
            enqueue_recompute_family(family)
    except IntegrityError:
        raise Invalid({"code": f'The family "{code}" could not be saved: its code is already used.'}) from None
    jobs.kick()
    return family


def _chosen_attributes(codes, errors):
    """{code: Attribute} of ``codes``, always with the identifier."""
    codes = set(codes)
    identifier = identifier_attribute()
    if identifier:
        codes.add(identifier.code)
    found = {a.code: a for a in Attribute.select().where(Attribute.code.in_(list(codes)))} if codes else {}
    unknown = sorted(codes - set(found))
    if unknown:
        errors.setdefault("attributes", f"Unknown attributes: {', '.join(unknown)}.")
    return found


def _pick(code, errors, attributes, name, types):
    """The label (required) or image attribute: one of the family's, of the right type."""
    what = "label" if name == "attribute_as_label" else "image"
    if not code:
        if what == "label":
            errors.setdefault(name, "Choose the attribute used as label.")
        return None
    attribute = attributes.get(code)
    if attribute is None or attribute.type not in types:
        kinds = "an identifier or text" if what == "label" else "an image"
        errors.setdefault(name, f"The attribute used as {what} must be {kinds} attribute of the family.")
        return None
    return attribute


def _requirements(requirements, attributes, errors):
    """[(channel, attribute)]: the required attributes of each channel, plus the identifier everywhere.
    A channel left out requires only the identifier; a required attribute must be in the family."""
    channels = {c.code: c for c in Channel.select().order_by(Channel.code)}
    for code in sorted(set(requirements) - set(channels)):
        errors.setdefault("attribute_requirements", f'The channel "{code}" does not exist.')
    identifiers = {code for code, a in attributes.items() if a.type == IDENTIFIER}
    pairs = []
    for channel in channels.values():
        codes = set(requirements.get(channel.code, ())) | identifiers
        for code in sorted(codes - set(attributes)):
            errors.setdefault("attribute_requirements", f'The attribute "{code}" cannot be an attribute required '
                                                        f'for the channel "{channel.code}" as it does not belong to '
                                                        "this family")
        pairs += [(channel, attributes[code]) for code in sorted(codes & set(attributes))]
    return pairs


def _write(family, code, labels, label_attribute, image_attribute, attributes, requirements):
    if family is None:
        family = Family.create(code=code, labels=labels, attribute_as_label=label_attribute,
                               attribute_as_image=image_attribute)
    else:
        family.labels, family.updated = labels, utcnow()
        family.attribute_as_label, family.attribute_as_image = label_attribute, image_attribute
        family.save()
    ids = [a.id for a in attributes.values()]
    FamilyAttribute.delete().where((FamilyAttribute.family == family) & FamilyAttribute.attribute.not_in(ids)).execute()
    present = {row.attribute_id for row in FamilyAttribute.select(FamilyAttribute.attribute)
               .where(FamilyAttribute.family == family)}
    missing = [{"family": family.id, "attribute": i} for i in ids if i not in present]
    if missing:
        FamilyAttribute.insert_many(missing).execute()
    AttributeRequirement.delete().where(AttributeRequirement.family == family).execute()
    if requirements:
        AttributeRequirement.insert_many(
            [{"family": family.id, "channel": c.id, "attribute": a.id} for c, a in requirements]).execute()
    return family


def delete_family(family):
    """Delete a family that no product uses."""
    if Product.select().where(Product.family == family).exists():
        raise Invalid({"family": f'The family "{family.code}" is used by products and cannot be deleted.'})
    try:
        with write_txn():
            family.delete_instance()
            validity.recheck_after("family", [family.code])  # §6.3: in the deletion's transaction
    except IntegrityError:
        raise Invalid({"family": f'The family "{family.code}" is used by products and cannot be deleted.'}) from None
