"""API access: OAuth clients, connections, tokens; product associations; API ACLs on existing roles."""
import json

from peewee import *

from pimconnect.models.structure import utcnow

# The API ACLs added with this migration. Before it, "Overall Web API access" was the only API
# permission and allowed every endpoint, so roles holding it keep that reach.
NEW_API_ACLS = [
    "pim_api_product_list", "pim_api_product_edit", "pim_api_product_remove",
    "pim_api_attribute_list", "pim_api_attribute_edit", "pim_api_attribute_option_list",
    "pim_api_attribute_option_edit", "pim_api_attribute_group_list", "pim_api_attribute_group_edit",
    "pim_api_family_list", "pim_api_family_edit", "pim_api_family_variant_list", "pim_api_family_variant_edit",
    "pim_api_category_list", "pim_api_category_edit", "pim_api_channel_list", "pim_api_channel_edit",
    "pim_api_locale_list", "pim_api_currency_list", "pim_api_association_type_list",
    "pim_api_association_type_edit",
]


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = 'user'

    class ApiClient(Model):
        client_id = CharField(unique=True, max_length=100)
        secret_hash = CharField(null=True)
        kind = CharField(max_length=20, default='connection')
        grant_types = JSONField(default=list)
        revoked = BooleanField(default=False)
        created = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'api_client'
    db.create_tables([ApiClient])

    class ApiToken(Model):
        token_hash = CharField(unique=True, max_length=64)
        kind = CharField(max_length=10)
        client = ForeignKeyField(ApiClient, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        scope = TextField(null=True)
        expires_at = DateTimeField(null=True)
        revoked = BooleanField(default=False)
        created = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'api_token'
            indexes = ((('client', 'kind', 'revoked'), False), (('user', 'kind'), False))
    db.create_tables([ApiToken])

    class Connection(Model):
        code = CharField(unique=True, max_length=100)
        label = CharField(max_length=100)
        type = CharField(max_length=20, default='default')
        flow_type = CharField(max_length=30, default='other')
        auditable = BooleanField(default=False)
        client = ForeignKeyField(ApiClient, on_delete='RESTRICT')
        user = ForeignKeyField(User, on_delete='RESTRICT')
        created = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'connection'
    db.create_tables([Connection])


    migrator.migrate(migrator.add_column('product', 'associations', JSONField(null=True)))

    class Role(Model):
        permissions = JSONField(default=list)
        class Meta:
            database = db
            table_name = 'role'

    for role in Role.select():
        codes = list(role.permissions or [])
        if "pim_api_overall_access" in codes:
            added = [c for c in NEW_API_ACLS if c not in codes]
            if added:
                Role.update(permissions=codes + added).where(Role.id == role.id).execute()


def down(migrator, db):
    migrator.migrate(migrator.drop_column('product', 'associations'))
    migrator.migrate(migrator.drop_table('connection'))
    migrator.migrate(migrator.drop_table('api_token'))
    migrator.migrate(migrator.drop_table('api_client'))
