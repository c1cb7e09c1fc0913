"""A read-only snapshot of the catalog structure (attributes with their options, channels, enabled
locales and currencies, measurement units, families with their requirements), loaded with a handful
of queries: what product writes, completeness and the value rules check documents against."""
import json
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
from pimconnect.services.products import bulk
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
        """Every product write loads one (a batch, one for all its lines): each query's SQL is written once
        (none takes a parameter) and its rows read as tuples, not models (an attribute row has some thirty
        columns)."""
        attributes = {row[1]: _attribute_info(*row) for row in _rows("attributes", Attribute.select,
                                                                        *ATTRIBUTE_COLUMNS)}
        by_id = {a.id: a for a in attributes.values()}
        for attribute_id, code in _rows("options", AttributeOption.select, AttributeOption.attribute,
                                        AttributeOption.code):
            by_id[attribute_id].options[code.lower()] = code
        channels = {code: ChannelInfo(id_, code, [], []) for id_, code in _rows("channels", Channel.select,
                                                                                 Channel.id, Channel.code)}
        channel_codes = {c.id: c.code for c in channels.values()}
        for channel_id, code in bulk.fetchall("structure_channel_locales", lambda: ChannelLocale.select(
                ChannelLocale.channel, Locale.code).join(Locale).order_by(Locale.code)):
            channels[channel_codes[channel_id]].locales.append(code)
        for channel_id, code in bulk.fetchall("structure_channel_currencies", lambda: ChannelCurrency.select(
                ChannelCurrency.channel, Currency.code).join(Currency).order_by(Currency.code)):
            channels[channel_codes[channel_id]].currencies.append(code)
        locales = dict(bulk.fetchall("structure_locales",
                                     lambda: Locale.select(Locale.code, Locale.id).where(Locale.enabled)))
        currencies = {c for (c,) in bulk.fetchall("structure_currencies",
                                                  lambda: Currency.select(Currency.code).where(Currency.enabled))}
        units = {}
        for family_code, unit, operations in bulk.fetchall("structure_units", lambda: MeasurementUnit.select(
                MeasurementFamily.code, MeasurementUnit.code, MeasurementUnit.convert_from_standard)
                .join(MeasurementFamily)):
            units.setdefault(family_code, {})[unit] = _json(operations) or []
        return cls(attributes, channels, locales, currencies, units, _families(by_id, channel_codes))

    def family_attribute_codes(self, family_code):
        family = self.families.get(family_code)
        return family.attributes if family else set()


ATTRIBUTE_COLUMNS = (Attribute.id, Attribute.code, Attribute.type, Attribute.localizable, Attribute.scopable,
                     Attribute.unique, Attribute.available_locales, Attribute.max_characters, Attribute.validation_rule,
                     Attribute.validation_regexp, Attribute.number_min, Attribute.number_max,
                     Attribute.decimals_allowed, Attribute.negative_allowed, Attribute.metric_family,
                     Attribute.date_min, Attribute.date_max, Attribute.allowed_extensions)


def _rows(name, select, *columns):
    """The rows of ``select(*columns)`` (a whole table's), its SQL written once."""
    return bulk.fetchall("structure_" + name, lambda: select(*columns))


def _json(value):
    """A JSON column as the driver gives it (SQLite: its text) decoded."""
    return json.loads(value) if isinstance(value, str) else value


def _flag(value):
    """A boolean column as the driver gives it (SQLite: 0/1), None kept."""
    return None if value is None else bool(value)


def _attribute_info(id_, code, type_, localizable, scopable, unique, available_locales, max_characters,
                    validation_rule, validation_regexp, number_min, number_max, decimals_allowed, negative_allowed,
                    metric_family, date_min, date_max, allowed_extensions):
    return AttributeInfo(
        id=id_, code=code, type=type_, localizable=bool(localizable), scopable=bool(scopable), unique=bool(unique),
        available_locales=list(_json(available_locales) or []), max_characters=max_characters,
        validation_rule=validation_rule, validation_regexp=validation_regexp, number_min=number_min,
        number_max=number_max, decimals_allowed=_flag(decimals_allowed), negative_allowed=_flag(negative_allowed),
        metric_family=metric_family, date_min=date_min, date_max=date_max,
        allowed_extensions=[e.lower() for e in (_json(allowed_extensions) or [])],
    )


def _families(attributes_by_id, channel_codes):
    families = {code: FamilyInfo(id_, code, set(), {}) for id_, code in _rows("families", Family.select,
                                                                               Family.id, Family.code)}
    by_id = {f.id: f for f in families.values()}
    for family_id, attribute_id in _rows("family_attributes", FamilyAttribute.select, FamilyAttribute.family,
                                         FamilyAttribute.attribute):
        by_id[family_id].attributes.add(attributes_by_id[attribute_id].code)
    for family_id, channel_id, attribute_id in _rows("requirements", AttributeRequirement.select,
                                                     AttributeRequirement.family, AttributeRequirement.channel,
                                                     AttributeRequirement.attribute):
        required = by_id[family_id].requirements.setdefault(channel_codes[channel_id], [])
        required.append(attributes_by_id[attribute_id].code)
    for family in families.values():
        for codes in family.requirements.values():
            codes.sort()
    return families
