"""The REST API's JSON for families (reference §5.6).

A PATCH merges as the reference's family updater does: ``labels`` locale by locale, ``attributes``
replaced (the identifier always stays), ``attribute_requirements`` replaced for the channels given
and kept for the others (minus attributes that left the family).
"""
from pimconnect.models import Attribute, AttributeRequirement, Channel, FamilyAttribute
from pimconnect.services.structure.rest.attributes import (
    check_storable,
    existing_codes,
    expect_known,
    items,
    merged_labels,
    string_code,
    unknown_code,
)
from pimconnect.services.structure.rest.common import BodyError, array_of_scalars, php_string, scalar
from pimconnect.services.structure.families import family_state, write_family
from pimconnect.services.products.values import php_type

FIELDS = ("code", "attributes", "attribute_as_label", "attribute_as_image", "attribute_requirements", "labels")


def families_json(families):
    """The reference's family documents for ``families``, in three queries whatever their number."""
    ids = [family.id for family in families]
    attributes = {i: [] for i in ids}
    requirements = {i: {} for i in ids}
    if ids:
        query = (FamilyAttribute.select(FamilyAttribute.family, Attribute.code).join(Attribute)
                 .where(FamilyAttribute.family.in_(ids)).order_by(Attribute.code))
        for family_id, code in query.tuples():
            attributes[family_id].append(code)
        query = (AttributeRequirement.select(AttributeRequirement.family, Channel.code, Attribute.code)
                 .join(Channel).switch(AttributeRequirement).join(Attribute)
                 .where(AttributeRequirement.family.in_(ids)).order_by(Channel.code, Attribute.code))
        for family_id, channel, code in query.tuples():
            requirements[family_id].setdefault(channel, []).append(code)
    shown = {f.attribute_as_label_id for f in families} | {f.attribute_as_image_id for f in families}
    shown.discard(None)
    codes = {}
    if shown:
        codes = dict(Attribute.select(Attribute.id, Attribute.code).where(Attribute.id.in_(list(shown))).tuples())
    return [{"code": family.code, "attributes": attributes[family.id],
             "attribute_as_label": codes.get(family.attribute_as_label_id),
             "attribute_as_image": codes.get(family.attribute_as_image_id),
             "attribute_requirements": requirements[family.id], "labels": family.labels or {}}
            for family in families]


def apply_family(family, data):
    """Create (``family`` None; ``data`` holds the code) or update a family from a JSON body."""
    check_storable(data)
    errors = {}
    if family is None:
        state = {"code": "", "labels": {}, "attributes": set(), "attribute_as_label": None,
                 "attribute_as_image": None, "requirements": {}}
        if "code" not in data:
            errors["code"] = "This value should not be blank."
    else:
        state = family_state(family)
    given = {}
    for name, value in data.items():
        expect_known(name, FIELDS)
        if name == "attribute_requirements":
            given = _requirements(value)
        elif name == "attributes":
            _check_attribute_list(value)
        elif name == "labels":
            array_of_scalars(name, value)
        else:
            scalar(name, value)
        _apply(state, name, value, errors, family is None)
    kept = {channel: codes & state["attributes"] for channel, codes in state["requirements"].items()}
    state["requirements"] = {**kept, **given}
    return write_family(family, state, errors)


def _check_attribute_list(value):
    """An array of scalars (the family updater words the second refusal its own way)."""
    if not isinstance(value, (dict, list)):
        array_of_scalars("attributes", value)
    if any(isinstance(code, (dict, list)) for code in items(value)):
        raise BodyError('Property "attributes" expects an array with valid data, one of the attributes is not a scalar.')


def _apply(state, name, value, errors, creating):
    if name == "labels":
        state["labels"] = merged_labels(state["labels"], value)
    elif name == "attributes":
        state["attributes"] = set(_existing("attributes", items(value)))
    elif name == "attribute_as_label":
        state[name] = _existing(name, [value])[0] if value is not None else None
    elif name == "attribute_as_image":
        state[name] = _existing(name, [value])[0] if value not in (None, "") else None
    elif name == "code" and creating:
        state["code"] = string_code(name, value, errors)


def _existing(name, codes):
    """The attribute codes given for ``name``, each an existing attribute."""
    codes = [php_string(code) for code in codes if code is not None]
    known = existing_codes(Attribute, codes)
    for code in codes:
        if code not in known:
            raise unknown_code(name, "code", "The attribute does not exist", code)
    return codes


def _pairs(value):
    return value.items() if isinstance(value, dict) else enumerate(value)


def _requirements(value):
    """{channel: {attribute codes}} of the body, each channel and attribute existing."""
    if not isinstance(value, (dict, list)):
        raise BodyError(f'Property "attribute_requirements" expects an array as data, "{php_type(value)}" given.')
    pairs = [(str(channel), codes) for channel, codes in _pairs(value)]
    for channel, codes in pairs:
        if not isinstance(codes, (dict, list)):
            raise BodyError('Property "attribute_requirements" expects an array with valid data, '
                          f'the channel "{channel}" is not an array.')
        if any(isinstance(code, (dict, list)) for code in items(codes)):
            raise BodyError('Property "attribute_requirements" expects an array with valid data, '
                          f'one of the attributes in the channel "{channel}" is not a scalar.')
    channels = existing_codes(Channel, [channel for channel, _codes in pairs])
    requirements = {}
    for channel, codes in pairs:
        if channel not in channels:
            raise unknown_code("attribute_requirements", "code", "The channel does not exist", channel)
        requirements[channel] = set(_existing("attribute_requirements", items(codes)))
    return requirements
