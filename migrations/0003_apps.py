"""Apps: the App Store catalogue, custom and connected apps, OAuth codes, OpenID consents and keys,
EE group permissions."""
from peewee import *

from pimconnect.models.structure import utcnow


def up(migrator, db):
    def table(name):
        class Stub(Model):
            class Meta:
                database = db
                table_name = name
        return Stub

    User, Role, UserGroup = table('user'), table('role'), table('user_group')
    ApiClient, ApiToken, Connection = table('api_client'), table('api_token'), table('connection')

    class MarketplaceApp(Model):
        id = CharField(max_length=36, primary_key=True)
        kind = CharField(max_length=20, default='app')
        name = CharField(max_length=255)
        logo = CharField(max_length=255, null=True)
        author = CharField(max_length=255)
        partner = CharField(max_length=255, null=True)
        description = TextField(default='')
        url = CharField(max_length=255, null=True)
        documentation = TextField(default='')
        screenshots = JSONField(default=list)
        contact = CharField(max_length=255, null=True)
        categories = JSONField(default=list)
        certified = BooleanField(default=False)
        activate_url = CharField(max_length=255, null=True)
        callback_url = CharField(max_length=255, null=True)
        editions = JSONField(default=list)
        versions = JSONField(default=list)
        secret_encrypted = TextField(null=True)
        source = CharField(max_length=20, default='shipped')
        published = DateTimeField(default=utcnow)
        updated = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'marketplace_app'

    class CustomApp(Model):
        client_id = CharField(max_length=36, primary_key=True)
        secret_encrypted = TextField()
        name = CharField(max_length=255)
        activate_url = CharField(max_length=255)
        callback_url = CharField(max_length=255)
        creator = ForeignKeyField(User, null=True, on_delete='SET NULL')
        created = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'custom_app'

    class ConnectedApp(Model):
        id = CharField(max_length=36, primary_key=True)
        name = CharField(max_length=255)
        logo = CharField(max_length=255, null=True)
        author = CharField(max_length=255, null=True)
        partner = CharField(max_length=255, null=True)
        categories = JSONField(default=list)
        certified = BooleanField(default=False)
        is_custom_app = BooleanField(default=False)
        connection = ForeignKeyField(Connection, on_delete='RESTRICT')
        user_group = ForeignKeyField(UserGroup, on_delete='RESTRICT')
        role = ForeignKeyField(Role, on_delete='RESTRICT')
        scopes = JSONField(default=list)
        has_outdated_scopes = BooleanField(default=False)
        created = DateTimeField(default=utcnow)
        updated = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'connected_app'

    class PendingAuthorization(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        client_id = CharField(max_length=36)
        authorization_scope = JSONField(default=list)
        authentication_scope = JSONField(default=list)
        redirect_uri = CharField(max_length=255, null=True)
        state = TextField(null=True)
        code_challenge = CharField(max_length=128, null=True)
        code_challenge_method = CharField(max_length=10, null=True)
        created = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'pending_authorization'
            indexes = ((('user', 'client_id'), True),)

    class AuthCode(Model):
        code_hash = CharField(max_length=64, unique=True)
        client = ForeignKeyField(ApiClient, on_delete='CASCADE')
        user = ForeignKeyField(User, on_delete='CASCADE')
        redirect_uri = CharField(max_length=255, null=True)
        code_challenge = CharField(max_length=128, null=True)
        code_challenge_method = CharField(max_length=10, null=True)
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        created = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'auth_code'

    class AuthCodeToken(Model):
        code = ForeignKeyField(AuthCode, on_delete='CASCADE')
        token = ForeignKeyField(ApiToken, on_delete='CASCADE')
        class Meta:
            database = db
            table_name = 'auth_code_token'

    class CodeIdentifier(Model):
        client = ForeignKeyField(ApiClient, on_delete='CASCADE')
        identifier_hash = CharField(max_length=64)
        created = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'code_identifier'
            indexes = ((('client', 'identifier_hash'), True),)

    class UserConsent(Model):
        user = ForeignKeyField(User, on_delete='CASCADE')
        app_id = CharField(max_length=36)
        scopes = JSONField(default=list)
        uuid = CharField(max_length=36, unique=True)
        consent_date = DateTimeField(default=utcnow)
        class Meta:
            database = db
            table_name = 'user_consent'
            indexes = ((('user', 'app_id'), True),)

    class OpenIdKey(Model):
        kid = CharField(max_length=64, unique=True)
        certificate_pem = TextField()
        private_key_encrypted = TextField()
        created = DateTimeField(default=utcnow)
        retired_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'open_id_key'

    class GroupPermission(Model):
        group = ForeignKeyField(UserGroup, on_delete='CASCADE')
        kind = CharField(max_length=20)
        levels = JSONField(default=dict)
        class Meta:
            database = db
            table_name = 'group_permission'
            indexes = ((('group', 'kind'), True),)

    db.create_tables([MarketplaceApp, CustomApp, ConnectedApp, PendingAuthorization, AuthCode, AuthCodeToken,
                      CodeIdentifier, UserConsent, OpenIdKey, GroupPermission])


def down(migrator, db):
    for name in ('group_permission', 'open_id_key', 'user_consent', 'code_identifier', 'auth_code_token',
                 'auth_code', 'pending_authorization', 'connected_app', 'custom_app', 'marketplace_app'):
        db.execute_sql(f'DROP TABLE IF EXISTS "{name}"')
