"""EE permissions per entity (issue 13): category, locale and attribute-group grants of user groups in
tables with foreign keys, instead of one JSON document per group and kind (group_permission).

Conversion: a level granted on "all" becomes a row for every entity; a category tree named in a level
becomes a row for the tree and every category in it; a higher level wins. The group "All", which was
a bypass, gets real grants: Own on every category, Edit on every locale and attribute group.
"""
import json

from peewee import *

LEVELS = {"view": 1, "edit": 2, "own": 3}


def up(migrator, db):
    class UserGroup(Model):
        class Meta:
            database = db
            table_name = 'user_group'

    class Category(Model):
        class Meta:
            database = db
            table_name = 'category'

    class Locale(Model):
        class Meta:
            database = db
            table_name = 'locale'

    class AttributeGroup(Model):
        class Meta:
            database = db
            table_name = 'attribute_group'

    class CategoryPermission(Model):
        group = ForeignKeyField(UserGroup, backref='+', on_delete='CASCADE', index=False)
        category = ForeignKeyField(Category, backref='+', on_delete='CASCADE', index=False)
        level = SmallIntegerField()

        class Meta:
            database = db
            table_name = 'category_permission'
            indexes = ((('group', 'category'), True), (('category', 'group', 'level'), False))

    class LocalePermission(Model):
        group = ForeignKeyField(UserGroup, backref='+', on_delete='CASCADE', index=False)
        locale = ForeignKeyField(Locale, backref='+', on_delete='CASCADE', index=False)
        level = SmallIntegerField()

        class Meta:
            database = db
            table_name = 'locale_permission'
            indexes = ((('group', 'locale'), True), (('locale', 'group'), False))

    class AttributeGroupPermission(Model):
        group = ForeignKeyField(UserGroup, backref='+', on_delete='CASCADE', index=False)
        attribute_group = ForeignKeyField(AttributeGroup, backref='+', on_delete='CASCADE', index=False)
        level = SmallIntegerField()

        class Meta:
            database = db
            table_name = 'attribute_group_permission'
            indexes = ((('group', 'attribute_group'), True), (('attribute_group', 'group'), False))

    db.create_tables([CategoryPermission, LocalePermission, AttributeGroupPermission])

    categories = db.execute_sql('SELECT id, code, path FROM "category"').fetchall()
    locales = dict(db.execute_sql('SELECT code, id FROM "locale"').fetchall())
    groups = dict(db.execute_sql('SELECT code, id FROM "attribute_group"').fetchall())
    paths = {code: path for _id, code, path in categories}

    def category_ids(codes):
        prefixes = [paths[code] for code in codes if paths.get(code)]
        return [cid for cid, _code, path in categories if any((path or '').startswith(p) for p in prefixes)]

    every = {'category': lambda: [c[0] for c in categories], 'locale': lambda: list(locales.values()),
             'attribute_group': lambda: list(groups.values())}
    named = {'category': category_ids, 'locale': lambda codes: [locales[c] for c in codes if c in locales],
             'attribute_group': lambda codes: [groups[c] for c in codes if c in groups]}
    granted = {kind: {} for kind in every}  # kind -> {(group, entity): level}

    def grant(kind, group_id, ids, level):
        for entity in ids:
            key = (group_id, entity)
            granted[kind][key] = max(granted[kind].get(key, 0), level)

    for group_id, kind, levels in db.execute_sql('SELECT group_id, kind, levels FROM "group_permission"').fetchall():
        if kind not in every:
            continue
        levels = json.loads(levels) if isinstance(levels, str) else (levels or {})
        for level, spec in levels.items():
            if level not in LEVELS or not isinstance(spec, dict):
                continue
            if spec.get('all'):
                grant(kind, group_id, every[kind](), LEVELS[level])
            grant(kind, group_id, named[kind]([c for c in spec.get('identifiers') or [] if isinstance(c, str)]),
                  LEVELS[level])
    for (everyone,) in db.execute_sql('SELECT id FROM "user_group" WHERE name = {0}'.format(db.param),
                                      ('All',)).fetchall():
        grant('category', everyone, every['category'](), LEVELS['own'])
        grant('locale', everyone, every['locale'](), LEVELS['edit'])
        grant('attribute_group', everyone, every['attribute_group'](), LEVELS['edit'])

    for model, column, kind in ((CategoryPermission, 'category', 'category'), (LocalePermission, 'locale', 'locale'),
                                (AttributeGroupPermission, 'attribute_group', 'attribute_group')):
        rows = [{'group': g, column: e, 'level': lv} for (g, e), lv in sorted(granted[kind].items())]
        for start in range(0, len(rows), 500):
            model.insert_many(rows[start:start + 500]).execute()
    db.execute_sql('DROP TABLE "group_permission"')


def down(migrator, db):
    class UserGroup(Model):
        class Meta:
            database = db
            table_name = 'user_group'

    class GroupPermission(Model):
        group = ForeignKeyField(UserGroup, on_delete='CASCADE')
        kind = CharField(max_length=20)
        levels = JSONField(default=dict)

        class Meta:
            database = db
            table_name = 'group_permission'
            indexes = ((('group', 'kind'), True),)

    db.create_tables([GroupPermission])
    for name in ('attribute_group_permission', 'locale_permission', 'category_permission'):
        db.execute_sql(f'DROP TABLE IF EXISTS "{name}"')
