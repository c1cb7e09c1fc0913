"""EE permissions of a user: union of its groups' levels, "All" unrestricted, CE unrestricted."""
from pimconnect.db import write_txn
from pimconnect.models import User, UserGroup, UserGroupMember
from pimconnect.services.access import group_permissions
from pimconnect.services.access import product_permissions
from pimconnect.services.access.access import Access


def _app_user(levels_by_kind, groups=1):
    with write_txn():
        user = User.create(username="app_user", email="a@example.com", password_hash="x", type="app")
        for number in range(groups):
            group = UserGroup.create(name=f"app_group_{number}", type="app")
            UserGroupMember.create(user=user, group=group)
            for kind, levels in levels_by_kind.items():
                group_permissions.save(group.id, {kind: levels})
    return user


def test_members_of_all_and_ce_are_unrestricted(seeded_app, conn):
    with seeded_app.app_context():
        admin = User.get(User.username == "admin")
        assert product_permissions.grants_for(admin) is None
        user = _app_user({})
        assert product_permissions.grants_for(user) is not None
        seeded_app.config["PIM_EDITION"] = "ce"
        assert product_permissions.grants_for(user) is None


def test_levels_union_and_product_level(seeded_app, conn):
    with seeded_app.app_context():
        category = group_permissions.normalise("category", {"edit": {"all": False, "identifiers": ["master"]}},
                                               {"master", "sales"})
        locales = group_permissions.normalise("locale", {"view": {"all": True, "identifiers": []},
                                                         "edit": {"all": False, "identifiers": ["en_US"]}},
                                              {"en_US", "fr_FR"})
        user = _app_user({"category": category, "locale": locales})
        grants = product_permissions.grants_for(user)
        access = Access.of(user, (), enforce_grants=True)
        assert access.product_level(["master"]) == "edit"
        assert access.product_level(["sales"]) is None
        assert access.product_level(["sales", "master"]) == "edit"
        assert access.product_level([]) == "own"
    assert grants.locales.can_edit("en_US") and grants.locales.can_view("fr_FR") and not grants.locales.can_edit("fr_FR")
    assert not grants.attribute_groups.can_view("marketing")
