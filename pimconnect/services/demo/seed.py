"""The demo catalog of the user documentation, seeded on first start.

Trees Master catalog, Ecommerce and Print; attribute groups ERP, technical, ecommerce,
marketing and media; locales en_US, fr_FR, de_DE; currencies USD and EUR; channels ecommerce,
mobile and print; users ``admin`` (every permission) and ``julia`` (catalog manager, no apps).
"""
from dataclasses import dataclass

from pimconnect import permissions
from pimconnect.db import write_txn
from pimconnect.models import (
    AssociationType,
    Attribute,
    AttributeGroup,
    AttributeOption,
    AttributeRequirement,
    Category,
    CategoryPermission,
    Channel,
    ChannelCurrency,
    ChannelLocale,
    Currency,
    Family,
    FamilyAttribute,
    Locale,
    MeasurementFamily,
    MeasurementUnit,
    Role,
    User,
    UserGroup,
    UserGroupMember,
    UserRole,
)
from pimconnect.services.access import group_permissions
from pimconnect.services.access.passwords import generate_password, hash_password

LOCALES = {"en_US": True, "fr_FR": True, "de_DE": True, "es_ES": False, "it_IT": False, "nl_NL": False}
CURRENCIES = {"USD": True, "EUR": True, "GBP": False}

MEASUREMENTS = {
    "Weight": ("KILOGRAM", {
        "MILLIGRAM": ("mg", "0.000001"), "GRAM": ("g", "0.001"), "KILOGRAM": ("kg", "1"),
        "POUND": ("lb", "0.45359237"), "OUNCE": ("oz", "0.028349523125"),
    }),
    "Length": ("METER", {
        "MILLIMETER": ("mm", "0.001"), "CENTIMETER": ("cm", "0.01"), "METER": ("m", "1"),
        "INCH": ("in", "0.0254"), "FOOT": ("ft", "0.3048"),
    }),
    "Volume": ("CUBIC_METER", {
        "MILLILITER": ("ml", "0.000001"), "LITER": ("l", "0.001"), "CUBIC_METER": ("m³", "1"),
    }),
}

# code -> (en_US, fr_FR, de_DE, children)
TREES = {
    "master": ("Master catalog", "Catalogue principal", "Hauptkatalog", {
        "master_accessories": ("Accessories", "Accessoires", "Zubehör", {
            "master_hats": ("Hats", "Chapeaux", "Hüte", {}),
            "master_bags": ("Bags", "Sacs", "Taschen", {}),
        }),
        "master_clothing": ("Clothing", "Vêtements", "Kleidung", {
            "master_shirts": ("Shirts", "Chemises", "Hemden", {}),
            "master_jackets": ("Jackets", "Vestes", "Jacken", {}),
        }),
        "master_home": ("Home", "Maison", "Haus", {
            "master_kitchen": ("Kitchen", "Cuisine", "Küche", {}),
        }),
    }),
    "ecommerce": ("Ecommerce", "E-commerce", "E-Commerce", {
        "ecommerce_summer": ("Summer collection", "Collection été", "Sommerkollektion", {
            "ecommerce_summer_hats": ("Summer hats", "Chapeaux d'été", "Sommerhüte", {}),
        }),
        "ecommerce_sale": ("Sale", "Soldes", "Ausverkauf", {}),
    }),
    "print": ("Print", "Impression", "Druck", {
        "print_catalog_2026": ("Catalog 2026", "Catalogue 2026", "Katalog 2026", {
            "print_traditional": ("Traditional craft", "Artisanat", "Handwerk", {}),
        }),
    }),
}

CHANNELS = {
    "ecommerce": ("Ecommerce", "master", ["en_US", "fr_FR", "de_DE"], ["USD", "EUR"]),
    "mobile": ("Mobile", "ecommerce", ["en_US", "fr_FR"], ["USD", "EUR"]),
    "print": ("Print", "print", ["en_US", "de_DE"], ["EUR"]),
}

GROUPS = ["ERP", "technical", "ecommerce", "marketing", "media", "other"]

# code -> (type, group, label, extra properties)
ATTRIBUTES = {
    "sku": ("pim_catalog_identifier", "other", "SKU", {"unique": True, "useable_as_grid_filter": True, "max_characters": 255}),
    "erp_name": ("pim_catalog_text", "ERP", "ERP name", {"max_characters": 255}),
    "ean": ("pim_catalog_text", "ERP", "EAN", {"unique": True, "validation_rule": "regexp", "validation_regexp": "^[0-9]{13}$"}),
    "cost_price": ("pim_catalog_price_collection", "ERP", "Cost price", {"decimals_allowed": True, "number_min": "0"}),
    "stock_quantity": ("pim_catalog_number", "ERP", "Stock quantity", {"decimals_allowed": False, "negative_allowed": False}),
    "weight": ("pim_catalog_metric", "technical", "Weight", {"metric_family": "Weight", "default_metric_unit": "GRAM", "decimals_allowed": True, "negative_allowed": False}),
    "width": ("pim_catalog_metric", "technical", "Width", {"metric_family": "Length", "default_metric_unit": "CENTIMETER", "decimals_allowed": True, "negative_allowed": False}),
    "capacity": ("pim_catalog_metric", "technical", "Capacity", {"metric_family": "Volume", "default_metric_unit": "LITER", "decimals_allowed": True, "negative_allowed": False}),
    "material": ("pim_catalog_simpleselect", "technical", "Material", {"useable_as_grid_filter": True}),
    "waterproof": ("pim_catalog_boolean", "technical", "Waterproof", {"useable_as_grid_filter": True}),
    "release_date": ("pim_catalog_date", "technical", "Release date", {"date_min": "2000-01-01"}),
    "name": ("pim_catalog_text", "ecommerce", "Name", {"localizable": True, "max_characters": 255, "useable_as_grid_filter": True}),
    "description": ("pim_catalog_textarea", "ecommerce", "Description", {"localizable": True, "scopable": True, "wysiwyg_enabled": False}),
    "price": ("pim_catalog_price_collection", "ecommerce", "Price", {"decimals_allowed": True, "number_min": "0"}),
    "color": ("pim_catalog_simpleselect", "marketing", "Color", {"useable_as_grid_filter": True}),
    "seasons": ("pim_catalog_multiselect", "marketing", "Seasons", {"useable_as_grid_filter": True}),
    "short_tagline": ("pim_catalog_text", "marketing", "Tagline", {"localizable": True, "max_characters": 80}),
    "french_label": ("pim_catalog_text", "marketing", "French label", {"localizable": True, "available_locales": ["fr_FR"]}),
    "picture": ("pim_catalog_image", "media", "Picture", {"allowed_extensions": ["jpg", "jpeg", "png", "gif"], "max_file_size": "10"}),
    "notice": ("pim_catalog_file", "media", "Notice", {"allowed_extensions": ["pdf", "txt"], "max_file_size": "10"}),
}

OPTIONS = {
    "material": ["straw", "felt", "wool", "cotton", "leather", "steel", "wood"],
    "color": ["black", "white", "red", "blue", "green", "beige", "brown"],
    "seasons": ["spring", "summer", "autumn", "winter"],
}

# code -> (label, attributes, requirements per channel)
FAMILIES = {
    "hats": ("Hats", ["sku", "erp_name", "ean", "cost_price", "weight", "material", "name", "description",
                      "price", "color", "seasons", "picture", "waterproof", "french_label"],
             {"ecommerce": ["name", "description", "price", "color", "picture"],
              "mobile": ["name", "price"], "print": ["name", "description", "weight"]}),
    "clothing": ("Clothing", ["sku", "erp_name", "ean", "cost_price", "weight", "width", "material", "name",
                              "description", "price", "color", "seasons", "short_tagline", "picture", "release_date"],
                 {"ecommerce": ["name", "description", "price", "color", "seasons"],
                  "mobile": ["name", "price", "short_tagline"], "print": ["name", "description"]}),
    "bags": ("Bags", ["sku", "erp_name", "cost_price", "weight", "width", "capacity", "material", "name",
                      "description", "price", "color", "waterproof", "picture", "notice"],
             {"ecommerce": ["name", "description", "price", "capacity"], "mobile": ["name", "price"],
              "print": ["name", "weight"]}),
    "kitchenware": ("Kitchenware", ["sku", "erp_name", "stock_quantity", "weight", "capacity", "material", "name",
                                    "description", "price", "release_date", "notice"],
                    {"ecommerce": ["name", "description", "price"], "mobile": ["name"],
                     "print": ["name", "description", "capacity"]}),
}

ROLES = {
    "ROLE_ADMINISTRATOR": ("Administrator", permissions.ALL_CODES),
    "ROLE_CATALOG_MANAGER": ("Catalog manager", permissions.CATALOG_MANAGER_CODES + permissions.API_ACLS),
    "ROLE_USER": ("User", ["pim_enrich_product_index", "pim_enrich_product_edit_attributes"]),
}


@dataclass
class SeedResult:
    products: int
    generated_passwords: dict


def _labels(en, fr=None, de=None):
    labels = {"en_US": en}
    if fr:
        labels["fr_FR"] = fr
    if de:
        labels["de_DE"] = de
    return labels


def _create_tree(nodes, parent, root):
    for position, (code, (en, fr, de, children)) in enumerate(nodes.items()):
        category = Category.create(code=code, parent=parent, root=root, level=(parent.level + 1) if parent else 0,
                                   sort_order=position, labels=_labels(en, fr, de))
        category.root = root or category
        category.path = (parent.path if parent else "/") + f"{category.id}/"
        category.save()
        _create_tree(children, category, category.root)


def seed_structure():
    """Create the catalog structure (locales to families). Call inside a write transaction."""
    locales = {code: Locale.create(code=code, enabled=on) for code, on in LOCALES.items()}
    currencies = {code: Currency.create(code=code, enabled=on) for code, on in CURRENCIES.items()}
    for code, (standard, units) in MEASUREMENTS.items():
        family = MeasurementFamily.create(code=code, labels=_labels(code), standard_unit=standard)
        for position, (unit, (symbol, factor)) in enumerate(units.items()):
            MeasurementUnit.create(family=family, code=unit, symbol=symbol, sort_order=position,
                                   labels=_labels(unit.replace("_", " ").title()),
                                   convert_from_standard=[{"operator": "mul", "value": factor}])
    _create_tree(TREES, None, None)
    for code, (label, tree, channel_locales, channel_currencies) in CHANNELS.items():
        channel = Channel.create(code=code, labels=_labels(label), category_tree=Category.get(code=tree))
        for locale in channel_locales:
            ChannelLocale.create(channel=channel, locale=locales[locale])
        for currency in channel_currencies:
            ChannelCurrency.create(channel=channel, currency=currencies[currency])
    groups = {code: AttributeGroup.create(code=code, sort_order=i, labels=_labels(code.capitalize() if code != "ERP" else "ERP"))
              for i, code in enumerate(GROUPS)}
    attributes = {}
    for position, (code, (type_, group, label, extra)) in enumerate(ATTRIBUTES.items()):
        attributes[code] = Attribute.create(code=code, type=type_, group=groups[group], labels=_labels(label),
                                            sort_order=position, **extra)
    for attribute, codes in OPTIONS.items():
        for position, code in enumerate(codes):
            AttributeOption.create(attribute=attributes[attribute], code=code, sort_order=position,
                                   labels=_labels(code.capitalize()))
    channels = {c.code: c for c in Channel.select()}
    for code, (label, codes, requirements) in FAMILIES.items():
        family = Family.create(code=code, labels=_labels(label), attribute_as_label=attributes["name"],
                               attribute_as_image=attributes.get("picture") if "picture" in codes else None)
        for attribute in codes:
            FamilyAttribute.create(family=family, attribute=attributes[attribute])
        for channel, required in requirements.items():
            for attribute in ["sku"] + required:
                AttributeRequirement.create(family=family, channel=channels[channel], attribute=attributes[attribute])
    for code, label in (("X_SELL", "Cross sell"), ("UPSELL", "Upsell"), ("SUBSTITUTION", "Substitution")):
        AssociationType.create(code=code, labels=_labels(label))


def seed_users(admin_password=None, julia_password=None):
    """Create the roles, groups and the two demo users; return {username: password} for generated ones."""
    roles = {code: Role.create(code=code, label=label, permissions=list(codes))
             for code, (label, codes) in ROLES.items()}
    groups = {name: UserGroup.create(name=name) for name in ("All", "IT support", "Manager", "Redactor")}
    generated = {}
    if not admin_password:
        admin_password = generated["admin"] = generate_password()
    if not julia_password:
        julia_password = generated["julia"] = generate_password()
    people = [
        ("admin", "admin@example.com", "John", "Doe", admin_password, "ROLE_ADMINISTRATOR", "IT support"),
        ("julia", "julia@example.com", "Julia", "Stark", julia_password, "ROLE_CATALOG_MANAGER", "Manager"),
    ]
    for username, email, first, last, password, role, group in people:
        user = User.create(username=username, email=email, first_name=first, last_name=last,
                           password_hash=hash_password(password))
        UserRole.create(user=user, role=roles[role])
        UserGroupMember.create(user=user, group=groups[group])
        UserGroupMember.create(user=user, group=groups["All"])
    if CategoryPermission.table_exists():  # (an older schema being seeded: migration 0015 grants it)
        group_permissions.grant_everything(groups["All"].id)  # a fresh install: "All" holds every right
    return generated


def seed_if_empty(config, products=1000):
    """Seed the demo catalog on first start; None when the database already holds one."""
    if User.select().exists() or Locale.select().exists():
        return None
    with write_txn():
        seed_structure()
        generated = seed_users(config.get("PIM_ADMIN_PASSWORD"), config.get("PIM_DEMO_USER_PASSWORD"))
    from pimconnect.services.demo import generator

    count = generator.demo_products(products)
    return SeedResult(products=count, generated_passwords=generated)
