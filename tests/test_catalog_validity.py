"""Invalid catalogs (catalogs-for-apps.md §4.4, §5.1, §6): the problems of a catalog, its automatic
disabling in the transaction of the structure change that breaks it, the notification of the users
with Manage apps, the check before product reads, and enabling again once fixed."""
import uuid
from html import unescape

import pytest

from pimconnect.db import db, write_txn
from pimconnect.models import (
    Attribute,
    Channel,
    AttributeOption,
    Catalog,
    Category,
    Currency,
    Family,
    FamilyAttribute,
    Locale,
    Notification,
    Role,
    User,
    UserRole,
)
from pimconnect.permissions import MANAGE_APPS
from pimconnect.services import notifications
from pimconnect.services.catalogs import validity
from pimconnect.services.structure import families as family_service
from pimconnect.services.structure import settings as structure_settings
from tests.factories import make_product

STATUS = {"field": "enabled", "operator": "=", "value": True}
OPTION_DELETED = "At least one selected option does not exists."
ATTRIBUTE_DELETED = "This attribute has been deleted."
FAMILY_DELETED = "At least one selected family does not exist."
LOCALE_OFF_CHANNEL = ("This locale is disabled for this channel. Please check your channel settings or remove this "
                      "criterion.")


def completeness(scope, locale):
    return {"field": "completeness", "operator": ">", "value": 50, "scope": scope, "locale": locale}


def make_catalog(name, criteria=None, filters=None, enabled=True, mapping=None, schema=None):
    """A catalog of a new app user, stored as given (enabled or not)."""
    with db.connection_context(), write_txn():
        owner = User.create(username=f"app_{uuid.uuid4().hex[:8]}", email=f"{uuid.uuid4().hex[:8]}@apps.example",
                            password_hash="x", type="app")
        return Catalog.create(id=str(uuid.uuid4()), name=name, owner=owner, enabled=enabled,
                              product_selection_criteria=criteria if criteria is not None else [STATUS],
                              product_value_filters=filters or {}, product_mapping=mapping or {},
                              product_mapping_schema=schema)


def stored(catalog):
    with db.connection_context():
        return Catalog.get_by_id(catalog.id)


def catalog_notifications(catalog):
    with db.connection_context():
        return list(Notification.select().where(Notification.link.startswith(f"/connect/apps/v1/catalogs/{catalog.id}"))
                    .order_by(Notification.user))


def manage_apps_users():
    """The users with Manage apps: admin, and one more made here so that "every user" means two."""
    with db.connection_context(), write_txn():
        role = Role.create(code="ROLE_APPS_ONLY", label="Apps", permissions=[MANAGE_APPS])
        user = User.create(username="apps_manager", email="apps@example.com", password_hash="x")
        UserRole.create(user=user, role=role)
    with db.connection_context():
        return sorted(user.id for user in notifications.holders_of(MANAGE_APPS))


def enable_unused(model, code):
    with db.connection_context(), write_txn():
        model.update(enabled=True).where(model.code == code).execute()


# Each structure change: (name, the criteria and filters that use it, the change through the web UI or
# the REST API, the error the broken catalog gets).
CHANGES = [
    ("attribute", [STATUS, {"field": "waterproof", "operator": "=", "value": True, "scope": None, "locale": None}], {},
     lambda admin, api: admin.post("/settings/attributes/waterproof/delete"),
     {"path": "[product_selection_criteria][1][field]", "message": "Invalid field value"}),
    ("option", [{"field": "color", "operator": "IN", "value": ["blue"], "scope": None, "locale": None}], {},
     lambda admin, api: admin.post("/settings/attributes/color/options/blue/delete"),
     {"path": "[product_selection_criteria][0][value]", "message": OPTION_DELETED}),
    ("family", [STATUS, {"field": "family", "operator": "IN", "value": ["bags"]}], {},
     lambda admin, api: admin.post("/settings/families/bags/delete"),
     {"path": "[product_selection_criteria][1][value]", "message": FAMILY_DELETED}),
    ("category", [{"field": "categories", "operator": "IN CHILDREN", "value": ["master_home", "master_kitchen"]}], {},
     lambda admin, api: admin.post("/settings/categories/master_kitchen/delete"),
     {"path": "[product_selection_criteria][0][value]",
      "message": "The following categories do not exist anymore: master_kitchen. Please remove them from the "
                 "criterion value."}),
    ("channel", [STATUS], {"channels": ["ecommerce", "print"]},
     lambda admin, api: admin.post("/settings/channels/print/delete"),
     {"path": "[product_value_filters][channels]",
      "message": 'The channel "print" has been deactivated. Please check your channel settings or remove this '
                 "filter."}),
    ("channel-locale-web", [completeness("mobile", "fr_FR")], {},
     lambda admin, api: admin.post("/settings/channels/mobile", {
         "labels[en_US]": "Mobile", "category_tree": "ecommerce", "locales": ["en_US"], "currencies": ["USD", "EUR"]}),
     {"path": "[product_selection_criteria][0][locale]", "message": LOCALE_OFF_CHANNEL}),
    ("channel-locale-api",
     [{"field": "description", "operator": "NOT EMPTY", "value": "", "scope": "mobile", "locale": "fr_FR"}], {},
     lambda admin, api: api.patch("/api/rest/v1/channels/mobile", json={"locales": ["en_US"]}),
     {"path": "[product_selection_criteria][0][locale]", "message": LOCALE_OFF_CHANNEL}),
    ("locale", [STATUS], {"locales": ["en_US", "es_ES"]},
     lambda admin, api: admin.post("/settings/locales/es_ES", {"action": "disable"}),
     {"path": "[product_value_filters][locales]",
      "message": 'The locale "es_ES" has been deactivated. Please check your locale settings or remove this filter.'}),
    ("currency", [STATUS], {"currencies": ["GBP"]},
     lambda admin, api: admin.post("/settings/currencies/GBP", {"action": "disable"}),
     {"path": "[product_value_filters][currencies]",
      "message": 'The currency "GBP" has been deactivated. Please check your currencies settings or remove this '
                 "filter."}),
]


@pytest.mark.parametrize("name, criteria, filters, change, expected", CHANGES, ids=[c[0] for c in CHANGES])
def test_a_structure_change_disables_the_catalogs_it_breaks(admin, api, name, criteria, filters, change, expected):
    """The enabled catalog using what changed is disabled with its errors stored and its configuration
    kept; each Manage-apps user gets one error notification linking to it; an enabled catalog not
    using it stays enabled; an already disabled one is not notified again."""
    enable_unused(Locale, "es_ES")
    enable_unused(Currency, "GBP")
    users = manage_apps_users()
    broken = make_catalog("Broken", criteria, filters)
    untouched = make_catalog("Untouched", [STATUS, completeness("ecommerce", "en_US")], {"channels": ["ecommerce"]})
    already = make_catalog("Already off", criteria, filters, enabled=False)

    response = change(admin, api)
    assert response.status_code in (204, 303), response.get_data(as_text=True)

    after = stored(broken)
    assert not after.enabled and expected in after.errors
    assert after.product_selection_criteria == criteria and after.product_value_filters == filters
    sent = catalog_notifications(broken)
    assert sorted(n.user_id for n in sent) == users
    assert {(n.level, n.subject, n.message) for n in sent} == {
        ("error", "Broken", 'The catalog "Broken" has been disabled because its configuration is no longer valid.')}
    assert stored(untouched).enabled and catalog_notifications(untouched) == []
    assert not stored(already).enabled and stored(already).errors == []
    assert {n.link for n in sent} == {f"/connect/apps/v1/catalogs/{broken.id}"
                                      + ("?tab=filters" if "filters" in expected["path"] else "")}
    opened = admin.client.get(sent[0].link)  # the notification's button: the editor shows the error at once
    page = unescape(opened.get_data(as_text=True))
    # A deleted attribute's row says so in the editor's words alone (§8.4), not the API's too.
    shown = ATTRIBUTE_DELETED if expected["message"] == "Invalid field value" else expected["message"]
    assert opened.status_code == 200 and shown in page
    assert page.count(shown) == 1 and (shown == expected["message"] or expected["message"] not in page)
    assert catalog_notifications(already) == []


SCHEMA = {"$schema": "https://api.akeneo.com/mapping/product/0.0.13/schema", "type": "object",
          "properties": {"uuid": {"type": "string"}, "body": {"type": "string"}}, "required": ["uuid"]}


def body_from(source, scope, locale):
    return {"uuid": {"source": "uuid", "scope": None, "locale": None},
            "body": {"source": source, "scope": scope, "locale": locale}}


@pytest.mark.parametrize("mapping, change, expected", [
    (body_from("description", "print", "en_US"), lambda admin: admin.post("/settings/channels/print/delete"),
     {"path": "[product_mapping][body][scope]",
      "message": "This channel has been deleted. Please check your channel settings or update this value."}),
    (body_from("erp_name", None, None), lambda admin: admin.post("/settings/attributes/erp_name/delete"),
     {"path": "[product_mapping][body][source]", "message": "This attribute has been deleted."}),
], ids=["channel", "attribute"])
def test_a_structure_change_that_breaks_the_mapping_disables_the_catalog(admin, mapping, change, expected):
    """The product mapping (§7.4) is checked too: a source's channel or attribute deleted disables the catalog."""
    broken = make_catalog("Mapped", [STATUS], mapping=mapping, schema=SCHEMA)
    assert validity.problems(broken) == []
    assert change(admin).status_code == 303
    after = stored(broken)
    assert not after.enabled and after.errors == [expected] and after.product_mapping == mapping
    [sent] = catalog_notifications(broken)
    assert sent.link == f"/connect/apps/v1/catalogs/{broken.id}?tab=mapping"
    assert expected["message"] in unescape(admin.client.get(sent.link).get_data(as_text=True))


def test_an_attribute_products_use_is_not_deleted(admin):
    """Deleting an attribute some product has a value for, the identifier, or a family's label is
    refused with a message, and the catalogs using it stay enabled."""
    catalog = make_catalog("Waterproof", [{"field": "waterproof", "operator": "=", "value": True, "scope": None,
                                           "locale": None}])
    make_product("hat-1", values={"waterproof": [{"locale": None, "scope": None, "data": True}]})
    refused = admin.post("/settings/attributes/waterproof/delete")
    assert refused.status_code == 422
    page = unescape(refused.get_data(as_text=True))
    assert 'The attribute "waterproof" is used by products and cannot be deleted.' in page
    assert "The identifier attribute cannot be deleted." in admin.post("/settings/attributes/sku/delete").get_data(
        as_text=True)
    assert "is the label or image of the family" in admin.post("/settings/attributes/name/delete").get_data(
        as_text=True)
    with db.connection_context():
        assert Attribute.select().where(Attribute.code.in_(["waterproof", "sku", "name"])).count() == 3
    assert stored(catalog).enabled


def test_deleting_an_attribute_drops_its_links(admin):
    """A deleted attribute leaves its families, requirements and channels' conversion units."""
    assert admin.post("/settings/channels/print", {
        "labels[en_US]": "Print", "category_tree": "print", "locales": ["en_US", "de_DE"], "currencies": ["EUR"],
        "conversion_units[capacity]": "LITER", "conversion_units[weight]": "GRAM"}).status_code == 303
    response = admin.post("/settings/attributes/capacity/delete")
    assert response.status_code == 303
    with db.connection_context():
        assert not Attribute.select().where(Attribute.code == "capacity").exists()
        assert structure_settings.channel_data(Channel.get(code="print"))["conversion_units"] == {"weight": "GRAM"}
        links = FamilyAttribute.select().join(Family).where(Family.code == "bags")
        assert "capacity" not in [link.attribute.code for link in links]


def test_a_failing_change_rolls_back_the_disabling_too(admin, monkeypatch):
    """When the structure change's transaction fails after the recheck, neither the deletion nor the
    disabling nor the notifications are kept."""
    broken = make_catalog("Broken", [{"field": "family", "operator": "IN", "value": ["bags"]},
                                     {"field": "categories", "operator": "IN", "value": ["master_kitchen"]}])

    def failing(*args, **kwargs):
        raise RuntimeError("notification store down")

    monkeypatch.setattr(notifications, "notify", failing)
    with db.connection_context():
        with pytest.raises(RuntimeError):
            family_service.delete_family(Family.get(code="bags"))
        assert Family.select().where(Family.code == "bags").exists()
    assert stored(broken).enabled and stored(broken).errors == []
    with db.connection_context():
        with pytest.raises(RuntimeError):
            structure_settings.delete_category(Category.get(code="master_kitchen"))
        assert Category.select().where(Category.code == "master_kitchen").exists()
    assert stored(broken).enabled and catalog_notifications(broken) == []


def test_a_change_that_breaks_nothing_disables_nothing(admin):
    """Deleting an option no catalog uses, or one a catalog uses beside others that stay, keeps them on."""
    other = make_catalog("Other option", [{"field": "color", "operator": "IN", "value": ["red"], "scope": None,
                                           "locale": None}])
    assert admin.post("/settings/attributes/color/options/blue/delete").status_code == 303
    assert stored(other).enabled and catalog_notifications(other) == []


def test_problems_reports_every_criterion_and_filter_with_its_path(ctx):
    """``problems`` words the engine's problems with the catalog messages and the editor's paths."""
    catalog = make_catalog("Many", [
        {"field": "weight", "operator": "<", "value": {"amount": 2, "unit": "LIGHTYEAR"}, "scope": None,
         "locale": None},
        {"field": "family", "operator": "IN", "value": ["nope"]},
        {"field": "gone", "operator": "=", "value": "x", "scope": None, "locale": None},
    ], {"channels": ["web"], "locales": ["es_ES"], "currencies": ["GBP", "EUR"], "other": []})
    assert validity.problems(catalog) == [
        {"path": "[product_selection_criteria][0][value][unit]",
         "message": 'The unit of the field "weight" does not exist.'},
        {"path": "[product_selection_criteria][1][value]", "message": FAMILY_DELETED},
        {"path": "[product_selection_criteria][2][field]", "message": "Invalid field value"},
        {"path": "[product_value_filters][other]", "message": "This field was not expected."},
        {"path": "[product_value_filters][channels]",
         "message": 'The channel "web" has been deactivated. Please check your channel settings or remove this '
                    "filter."},
        {"path": "[product_value_filters][locales]",
         "message": 'The locale "es_ES" has been deactivated. Please check your locale settings or remove this '
                    "filter."},
        {"path": "[product_value_filters][currencies]",
         "message": 'The currency "GBP" has been deactivated. Please check your currencies settings or remove this '
                    "filter."},
    ]
    assert [validity.tab_of(p["path"]) for p in validity.problems(catalog)][:1] == ["selection"]
    assert validity.tab_of("[product_value_filters][channels]") == "filters"
    assert validity.tab_of("[product_mapping][name][source]") == "mapping"


def test_extra_checkers_join_the_validation(ctx):
    """A checker (the product mapping's) adds its problems after the criteria's and filters'."""
    catalog = make_catalog("Mapped", [STATUS])
    mapping_error = {"path": "[product_mapping][name][source]", "message": "The source is required."}
    assert validity.problems(catalog) == []
    assert validity.problems(catalog, checkers=[lambda catalog, structure: [mapping_error]]) == [mapping_error]


def test_ensure_valid_disables_an_invalid_enabled_catalog_once(ctx):
    """Before a product read: valid → usable; invalid → disabled, errors stored, notified once."""
    valid = make_catalog("Valid", [STATUS])
    invalid = make_catalog("Invalid", [{"field": "family", "operator": "IN", "value": ["nope"]}])
    assert validity.ensure_valid(valid) is True
    assert validity.ensure_valid(invalid) is False and not invalid.enabled
    assert not stored(invalid).enabled and stored(invalid).errors[0]["message"] == FAMILY_DELETED
    assert len(catalog_notifications(invalid)) == 1  # admin
    stale = Catalog.get_by_id(invalid.id)
    stale.enabled = True  # a second reader that loaded it before the disabling
    assert validity.ensure_valid(stale) is False
    assert len(catalog_notifications(invalid)) == 1
    assert validity.ensure_valid(stored(invalid)) is False


def test_enabling_validates_and_clears_the_stored_errors(ctx):
    """An invalid catalog cannot be enabled; once fixed, enabling clears the errors kept from the disabling."""
    catalog = make_catalog("Fix me", [{"field": "color", "operator": "IN", "value": ["mauve"], "scope": None,
                                       "locale": None}])
    assert validity.ensure_valid(catalog) is False
    assert not validity.can_enable(catalog)
    assert validity.enable(catalog) == [{"path": "[product_selection_criteria][0][value]", "message": OPTION_DELETED}]
    assert not stored(catalog).enabled
    with write_txn():
        AttributeOption.create(attribute=Attribute.get(code="color"), code="mauve", sort_order=99)
    assert validity.can_enable(catalog) and validity.enable(catalog) == []
    assert stored(catalog).enabled and stored(catalog).errors == []
    validity.disable(catalog)
    assert not stored(catalog).enabled


@pytest.mark.parametrize("endpoint", ["product-uuids", "products", "product-identifiers", "mapped-products"])
def test_a_product_call_on_an_enabled_invalid_catalog_disables_it(seeded_app, client, conn, endpoint):
    """The product endpoints check the catalog first: invalid → disabled, errors stored, notified, and
    the disabled payload of §6.2."""
    from tests.test_api_catalogs import URL, connected_app

    app_api = connected_app(seeded_app, client)
    catalog_id = app_api.post(URL, json={"name": "Store"}).get_json()["id"]
    with write_txn():
        Catalog.update(enabled=True,
                       product_selection_criteria=[{"field": "family", "operator": "IN", "value": ["nope"]}],
                       product_mapping_schema={**SCHEMA, "properties": {"uuid": {"type": "string"}}},
                       product_mapping={"uuid": {"source": "uuid", "scope": None, "locale": None}}
                       ).where(Catalog.id == catalog_id).execute()
    answer = app_api.get(f"{URL}/{catalog_id}/{endpoint}")
    assert answer.status_code == 200 and answer.get_json() == {"error": (
        f"No products to synchronize. The catalog {catalog_id} has been disabled on the PIM side. Note that you "
        "can get catalogs status with the GET /api/rest/v1/catalogs endpoint.")}
    catalog = Catalog.get_by_id(catalog_id)
    assert not catalog.enabled and catalog.errors == [
        {"path": "[product_selection_criteria][0][value]", "message": FAMILY_DELETED}]
    assert len(catalog_notifications(catalog)) == 1
