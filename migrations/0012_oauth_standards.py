"""What the Authlib authorization server keeps beyond the reference (issue 15): the OpenID ``nonce`` and
``auth_time`` of an authorize request and of its code (OIDC Core §3.1.2.1, §2), and the family of a
connection's refresh tokens with its absolute expiry (rotation with reuse detection, RFC 9700 §4.14.2)."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('pending_authorization', 'nonce', CharField(max_length=255, null=True)),
        migrator.add_column('pending_authorization', 'auth_time', DateTimeField(null=True)),
        migrator.add_column('auth_code', 'nonce', CharField(max_length=255, null=True)),
        migrator.add_column('auth_code', 'auth_time', DateTimeField(null=True)),
        migrator.add_index('auth_code', ('client_id', 'nonce'), False),
        migrator.add_column('api_token', 'family', CharField(max_length=32, null=True)),
        migrator.add_column('api_token', 'family_expires_at', DateTimeField(null=True)),
        migrator.add_index('api_token', ('family',), False),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index('api_token', 'api_token_family'),
        migrator.drop_column('api_token', 'family_expires_at'),
        migrator.drop_column('api_token', 'family'),
        migrator.drop_index('auth_code', 'auth_code_client_id_nonce'),
        migrator.drop_column('auth_code', 'auth_time'),
        migrator.drop_column('auth_code', 'nonce'),
        migrator.drop_column('pending_authorization', 'auth_time'),
        migrator.drop_column('pending_authorization', 'nonce'),
    )
