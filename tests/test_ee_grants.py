"""EE grants per entity (issue 13, migration 0015): the JSON rows converted, "All" holding every right, a new
category inheriting its parent's rights, a new tree or attribute group granted to "All", the union of groups."""
import json

from pimconnect import migrate
from pimconnect.db import close_pools, db, write_txn
from pimconnect.models import (
    AttributeGroup,
    AttributeGroupPermission,
    Category,
    CategoryPermission,
    Locale,
    LocalePermission,
    User,
    UserGroup,
    UserGroupMember,
)
from pimconnect.services.access import group_permissions
from pimconnect.services.access.access import Access
from pimconnect.services.structure import attribute_groups, settings
from tests.test_migrations_upgrade import demo_app_at


def _levels(**given):
    return {level: {"all": codes == "all", "identifiers": [] if codes == "all" else list(codes)}
            for level, codes in given.items()}


def test_0015_converts_the_json_rows_and_gives_all_every_right(database_url):
    app = demo_app_at(database_url, "0014_catalog_acls")
    try:
        with app.app_context(), db.connection_context():
            param = db.obj.param
            with write_txn():
                db.obj.execute_sql(f'INSERT INTO "user_group" (name, type) VALUES ({param}, {param})', ("app_g", "app"))
                group = db.obj.execute_sql('SELECT id FROM "user_group" WHERE name = \'app_g\'').fetchone()[0]
                for kind, levels in (("category", _levels(own=["print"], view=["print", "ecommerce"])),
                                     ("locale", _levels(edit=["en_US"], view="all")),
                                     ("attribute_group", _levels(view=["ERP"]))):
                    db.obj.execute_sql(f'INSERT INTO "group_permission" (group_id, kind, levels) '
                                       f'VALUES ({param}, {param}, {param})', (group, kind, json.dumps(levels)))
            assert "0015_permission_tables" in migrate.upgrade(db.obj)
            assert "group_permission" not in db.obj.get_tables()
            categories = dict(CategoryPermission.select(Category.code, CategoryPermission.level).join(Category)
                              .where(CategoryPermission.group == group).tuples())
            in_print = [c.code for c in Category.select().where(Category.path.startswith(
                Category.get(Category.code == "print").path))]
            in_ecommerce = [c.code for c in Category.select().where(Category.path.startswith(
                Category.get(Category.code == "ecommerce").path))]
            assert categories == {**{code: 1 for code in in_ecommerce}, **{code: 3 for code in in_print}}
            locales = dict(LocalePermission.select(Locale.code, LocalePermission.level).join(Locale)
                           .where(LocalePermission.group == group).tuples())
            assert locales["en_US"] == 2 and locales["fr_FR"] == 1 and len(locales) == Locale.select().count()
            assert [g for (g,) in AttributeGroupPermission.select(AttributeGroup.code).join(AttributeGroup)
                    .where(AttributeGroupPermission.group == group).tuples()] == ["ERP"]
            admin = User.get(User.username == "admin")
            assert Access.of(admin, (), enforce_grants=True).grants is None  # "All": everything, the fast path
            everyone = UserGroup.get(UserGroup.name == "All")
            assert CategoryPermission.select().where(CategoryPermission.group == everyone,
                                                     CategoryPermission.level == 3).count() == Category.select().count()
    finally:
        close_pools()


def test_a_fresh_install_gives_all_every_right_and_members_are_unrestricted(ctx):
    everyone = UserGroup.get(UserGroup.name == "All")
    loaded = group_permissions.load(everyone.id)
    assert loaded["category"]["own"]["all"] and loaded["locale"]["edit"]["all"]
    assert loaded["attribute_group"]["edit"]["all"]
    assert Access.of(User.get(User.username == "julia"), (), enforce_grants=True).grants is None


def test_new_entities_get_their_rights(ctx):
    with write_txn():
        group = UserGroup.create(name="shop_group", type="app")
    group_permissions.save(group.id, {"category": _levels(edit=["ecommerce"], view=["ecommerce"])})
    child = settings.create_category("ecommerce_winter", {"en_US": "Winter"},
                                     parent=Category.get(Category.code == "ecommerce_summer"))
    levels = group_permissions.levels_on("category", child.id)
    everyone = UserGroup.get(UserGroup.name == "All").id
    assert levels == {group.id: "edit", everyone: "own"}  # the parent's rights
    tree = settings.create_category("outlet", {"en_US": "Outlet"})
    assert group_permissions.levels_on("category", tree.id) == {everyone: "own"}
    created = attribute_groups.write_group(None, {"code": "seo", "labels": {}})
    assert group_permissions.levels_on("attribute_group", created.id) == {everyone: "edit"}


def test_a_user_acts_with_the_union_of_its_groups(ctx):
    with write_txn():
        user = User.create(username="two_groups", email="t@example.com", password_hash="x", type="app")
        first, second = (UserGroup.create(name=f"union_{n}", type="app") for n in (1, 2))
        for group in (first, second):
            UserGroupMember.create(user=user, group=group)
    group_permissions.save(first.id, {"category": _levels(view=["print"]), "locale": _levels(view=["fr_FR"])})
    group_permissions.save(second.id, {"category": _levels(own=["master"], edit=["master"], view=["master"]),
                                       "locale": _levels(edit=["fr_FR"], view=["fr_FR"])})
    access = Access.of(user, (), enforce_grants=True)
    assert access.product_level(["print_traditional", "master_shirts"]) == "own"
    assert access.product_level(["print_traditional"]) == "view"
    assert access.product_level(["ecommerce_sale"]) is None
    assert access.can_edit_locale("fr_FR") and not access.can_view_locale("en_US")
