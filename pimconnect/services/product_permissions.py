"""EE permissions on product data (rest-api-and-permissions.md §9, decision D8).

Permissions belong to user groups (GroupPermission rows, see ``services.group_permissions``); a
user acts with the union of its groups, the most permissive level winning. Members of the
default group "All" keep every right, as a fresh EE install gives that group everything: in
practice the restricted users are connected apps' API users, which are never in "All" (§7.4).
In CE nothing is restricted.

Category rights are granted per tree (the wizard's choices are trees) and a product's right is
the best right over its categories' trees; an uncategorized product is owned by everybody.
"""
from dataclasses import dataclass, field

from flask import current_app

from pimconnect.models import GroupPermission, UserGroup, UserGroupMember
from pimconnect.services.users import ALL_GROUP

RANK = {None: 0, "view": 1, "edit": 2, "own": 3}


def _best(*levels):
    return max(levels, key=lambda level: RANK[level])


@dataclass
class Axis:
    """Levels on one kind of entity: per code, and for every code (``all``)."""

    all: str | None = None
    codes: dict = field(default_factory=dict)

    def grant(self, level, everything, identifiers):
        if everything:
            self.all = _best(self.all, level)
        for code in identifiers:
            self.codes[code] = _best(self.codes.get(code), level)

    def level(self, code):
        return _best(self.all, self.codes.get(code))

    def can_view(self, code):
        return RANK[self.level(code)] >= RANK["view"]

    def can_edit(self, code):
        return RANK[self.level(code)] >= RANK["edit"]


@dataclass
class Grants:
    """What a restricted user may see and change."""

    trees: Axis = field(default_factory=Axis)
    locales: Axis = field(default_factory=Axis)
    attribute_groups: Axis = field(default_factory=Axis)

    def product_level(self, tree_codes):
        """The user's right on a product classified in categories of ``tree_codes`` (none: own)."""
        tree_codes = list(tree_codes)
        if not tree_codes:
            return "own"
        return _best(*(self.trees.level(code) for code in tree_codes))


AXES = {"category": "trees", "locale": "locales", "attribute_group": "attribute_groups"}


def grants_for(user):
    """The user's Grants, or None when nothing is restricted (CE, or a member of "All")."""
    if current_app.config["PIM_EDITION"] != "ee" or user is None:
        return None
    groups = list(UserGroup.select(UserGroup.id, UserGroup.name).join(UserGroupMember)
                  .where(UserGroupMember.user == user.id))
    if any(group.name == ALL_GROUP for group in groups):
        return None
    grants = Grants()
    rows = GroupPermission.select().where(GroupPermission.group.in_([group.id for group in groups])) if groups else []
    for row in rows:
        axis = getattr(grants, AXES.get(row.kind, ""), None)
        if axis is None:
            continue
        for level, spec in (row.levels or {}).items():
            if level in RANK and isinstance(spec, dict):
                axis.grant(level, bool(spec.get("all")), spec.get("identifiers") or [])
    return grants
