"""EE permissions of user groups (rest-api-and-permissions.md §9.1): one row per group and entity.

``level`` is 1 = view, 2 = edit, 3 = own (categories only); a higher level includes the lower ones, and
no row means no right. Rows have foreign keys on both sides, so a product's visibility is a join in SQL
and a deleted category, locale, attribute group or user group takes its rows with it.

PIM Connect decision: a grant on "everything" (the wizard's "All" checkbox, the group "All" of a fresh
install) is stored as one row per entity, not as a flag: every screen and query reads one shape, a
category's Permissions tab shows "All" like any other group, and a new entity gets its rows when it is
created (a new category its parent's, a new tree, locale or attribute group the group "All"'s).
"""
from peewee import ForeignKeyField, SmallIntegerField

from pimconnect.db import BaseModel
from pimconnect.models.access import UserGroup
from pimconnect.models.structure import AttributeGroup, Category, Locale

VIEW, EDIT, OWN = 1, 2, 3


class CategoryPermission(BaseModel):
    group = ForeignKeyField(UserGroup, backref="+", on_delete="CASCADE", index=False)
    category = ForeignKeyField(Category, backref="+", on_delete="CASCADE", index=False)
    level = SmallIntegerField()

    class Meta:
        table_name = "category_permission"
        # (group, category) is the key; (category, group, level) serves the visibility join.
        indexes = ((("group", "category"), True), (("category", "group", "level"), False))


class LocalePermission(BaseModel):
    group = ForeignKeyField(UserGroup, backref="+", on_delete="CASCADE", index=False)
    locale = ForeignKeyField(Locale, backref="+", on_delete="CASCADE", index=False)
    level = SmallIntegerField()

    class Meta:
        table_name = "locale_permission"
        indexes = ((("group", "locale"), True), (("locale", "group"), False))


class AttributeGroupPermission(BaseModel):
    group = ForeignKeyField(UserGroup, backref="+", on_delete="CASCADE", index=False)
    attribute_group = ForeignKeyField(AttributeGroup, backref="+", on_delete="CASCADE", index=False)
    level = SmallIntegerField()

    class Meta:
        table_name = "attribute_group_permission"
        indexes = ((("group", "attribute_group"), True), (("attribute_group", "group"), False))
