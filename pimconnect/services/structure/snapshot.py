"""A read-only snapshot of the catalog structure (attributes with their options, channels, enabled
locales and currencies, measurement units, families with their requirements), loaded with a handful
of queries: what product writes, completeness and the value rules check documents against."""
from dataclasses import dataclass, field

from pimconnect.models import (
    Attribute,
    AttributeOption,
    AttributeRequirement,
    Channel,
    ChannelCurrency,
    ChannelLocale,
    Currency,
    Family,
    FamilyAttribute,
    Locale,
    MeasurementFamily,
    MeasurementUnit,
)
from pimconnect.services.structure.attribute_types import IDENTIFIER


@dataclass
class AttributeInfo:
    id: int
    code: str
    type: str
    localizable: bool
    scopable: bool
    unique: bool
    available_locales: list
    max_characters: int | None = None
    validation_rule: str | None = None
    validation_regexp: str | None = None
    number_min: str | None = None
    number_max: str | None = None
    decimals_allowed: bool | None = None
    negative_allowed: bool | None = None
    metric_family: str | None = None
    date_min: str | None = None
    date_max: str | None = None
    allowed_extensions: list = field(default_factory=list)
    options: dict = field(default_factory=dict)  # lower-cased code -> code


@dataclass
class ChannelInfo:
    id: int
    code: str
    locales: list
    currencies: list


@dataclass
class FamilyInfo:
    id: int
    code: str
    attributes: set
    requirements: dict  # channel code -> [attribute codes]


class Structure:
    """A read-only snapshot of the catalog structure, loaded with a handful of queries."""

    def __init__(self, attributes, channels, locales, currencies, units, families):
        self.attributes = attributes  # code -> AttributeInfo
        self.channels = channels  # code -> ChannelInfo
        self.locales = locales  # enabled locale code -> id
        self.currencies = currencies  # enabled currency codes
        self.units = units  # measurement family code -> {unit code: operations}
        self.families = families  # code -> FamilyInfo
        self.identifier = next((a.code for a in attributes.values() if a.type == IDENTIFIER), "sku")
        self.attributes_by_id = {a.id: a for a in attributes.values()}

    @classmethod
    def load(cls):
        attributes = {a.code: _attribute_info(a) for a in Attribute.select()}
        by_id = {a.id: a for a in attributes.values()}
        for option in AttributeOption.select(AttributeOption.attribute, AttributeOption.code):
            by_id[option.attribute_id].options[option.code.lower()] = option.code
        channels = {c.code: ChannelInfo(c.id, c.code, [], []) for c in Channel.select()}
        channel_codes = {c.id: c.code for c in channels.values()}
        for row in ChannelLocale.select(ChannelLocale.channel, Locale.code).join(Locale).order_by(Locale.code).tuples():
            channels[channel_codes[row[0]]].locales.append(row[1])
        query = ChannelCurrency.select(ChannelCurrency.channel, Currency.code).join(Currency).order_by(Currency.code)
        for row in query.tuples():
            channels[channel_codes[row[0]]].currencies.append(row[1])
        locales = dict(Locale.select(Locale.code, Locale.id).where(Locale.enabled).tuples())
        currencies = {c for (c,) in Currency.select(Currency.code).where(Currency.enabled).tuples()}
        units = {}
        query = MeasurementUnit.select(MeasurementFamily.code, MeasurementUnit.code,
                                       MeasurementUnit.convert_from_standard).join(MeasurementFamily)
        for family_code, unit, operations in query.tuples():
            units.setdefault(family_code, {})[unit] = operations or []
        return cls(attributes, channels, locales, currencies, units, _families(by_id, channel_codes))

    def family_attribute_codes(self, family_code):
        family = self.families.get(family_code)
        return family.attributes if family else set()


def _attribute_info(a):
    return AttributeInfo(
        id=a.id, code=a.code, type=a.type, localizable=a.localizable, scopable=a.scopable, unique=a.unique,
        available_locales=list(a.available_locales or []), max_characters=a.max_characters,
        validation_rule=a.validation_rule, validation_regexp=a.validation_regexp, number_min=a.number_min,
        number_max=a.number_max, decimals_allowed=a.decimals_allowed, negative_allowed=a.negative_allowed,
        metric_family=a.metric_family, date_min=a.date_min, date_max=a.date_max,
        allowed_extensions=[e.lower() for e in (a.allowed_extensions or [])],
    )


def _families(attributes_by_id, channel_codes):
    families = {f.code: FamilyInfo(f.id, f.code, set(), {}) for f in Family.select(Family.id, Family.code)}
    by_id = {f.id: f for f in families.values()}
    for family_id, attribute_id in FamilyAttribute.select(FamilyAttribute.family, FamilyAttribute.attribute).tuples():
        by_id[family_id].attributes.add(attributes_by_id[attribute_id].code)
    query = AttributeRequirement.select(AttributeRequirement.family, AttributeRequirement.channel,
                                        AttributeRequirement.attribute)
    for family_id, channel_id, attribute_id in query.tuples():
        required = by_id[family_id].requirements.setdefault(channel_codes[channel_id], [])
        required.append(attributes_by_id[attribute_id].code)
    for family in families.values():
        for codes in family.requirements.values():
            codes.sort()
    return families
