"""Values stored encrypted: the start-up check of the keys, fallbacks and re-encryption (in process)."""
import pytest
from cryptography.fernet import Fernet

from pimconnect import create_app, migrate
from pimconnect.config import ConfigError
from pimconnect.db import close_pools, db, write_txn
from pimconnect.models import CustomApp, MarketplaceApp, OpenIdKey
from pimconnect.services import crypto, stored_secrets
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.apps import openid
from tests.conftest import make_test_config

APP_ID = "6f1f4f4e-0000-4000-8000-000000000001"
OLD, NEW, LOST = (Fernet.generate_key().decode() for _ in range(3))


@pytest.fixture
def start(database_url):
    """create_app on this test's database with the given encryption settings."""
    apps = []  # kept until the pools are closed: a collected app would drop an open connection

    def build(**keys):
        apps.append(create_app(make_test_config(database_url, **keys)))
        return apps[-1]

    yield build
    close_pools()


def _install(app):
    """Migrate and store an OpenID key and an app secret; returns the app secret in clear."""
    with app.app_context(), db.connection_context():
        migrate.upgrade(db.obj)
        openid.ensure_keys()
        _listing, secret = app_listings.register({"id": APP_ID, "name": "Mine", "author": "Me"})
    return secret


def _tokens():
    columns = stored_secrets.ENCRYPTED_COLUMNS
    return sorted(token for column in columns for _key, token in stored_secrets._stored(column))


def test_a_new_pim_encryption_key_needs_the_old_one_as_fallback_until_reencrypted(start):
    """Key NEW alone is refused; NEW with OLD as fallback re-encrypts; then NEW alone reads every secret."""
    secret = _install(start(PIM_ENCRYPTION_KEY=OLD))
    with pytest.raises(ConfigError, match="open_id_key: 1.*PIM_ENCRYPTION_KEY_FALLBACKS"):
        start(PIM_ENCRYPTION_KEY=NEW)
    both = start(PIM_ENCRYPTION_KEY=NEW, PIM_ENCRYPTION_KEY_FALLBACKS=[OLD])
    result = both.test_cli_runner().invoke(args=["secrets", "reencrypt"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 2 stored secrets" in result.output
    alone = start(PIM_ENCRYPTION_KEY=NEW)
    with alone.app_context(), db.connection_context():
        assert app_listings.app_secret(APP_ID) == secret
        assert openid.jwks()["keys"] and openid._signing_key(openid.current_key())
        with pytest.raises(crypto.InvalidToken):  # the old key no longer reads anything
            Fernet(OLD).decrypt(_tokens()[0].encode())


def test_reencrypt_changes_nothing_when_one_value_is_unreadable(start):
    """A value no configured key reads stops the re-encryption before anything is committed."""
    app = start(PIM_ENCRYPTION_KEY=OLD)
    _install(app)
    with app.app_context(), db.connection_context():
        with write_txn():
            CustomApp.create(client_id="c0ffee00-0000-4000-8000-000000000002", name="Lost",
                             secret_encrypted=Fernet(LOST).encrypt(b"s").decode(),
                             activate_url="https://lost.example/a", callback_url="https://lost.example/c")
        before = _tokens()
        config = dict(app.config, PIM_ENCRYPTION_KEY=NEW, PIM_ENCRYPTION_KEY_FALLBACKS=[OLD])
        with pytest.raises(crypto.InvalidToken):
            stored_secrets.reencrypt_all(config)
        assert _tokens() == before
        assert MarketplaceApp.select().where(MarketplaceApp.secret_encrypted.is_null(False)).count() == 1
        assert OpenIdKey.select().count() == 1


def test_a_malformed_key_is_refused_at_start(start):
    """A fallback that is not a Fernet key is named at start rather than failing at the first code exchange."""
    with pytest.raises(ConfigError, match="PIM_ENCRYPTION_KEY_FALLBACKS: Fernet key must be"):
        start(PIM_ENCRYPTION_KEY=NEW, PIM_ENCRYPTION_KEY_FALLBACKS=["not-a-key"])


def test_after_a_lost_key_discard_unreadable_lets_the_pim_start(start):
    """Built without the check, discard-unreadable replaces what no key reads and keeps what it reads."""
    secret = _install(start(PIM_ENCRYPTION_KEY=OLD))
    rescue = start(PIM_ENCRYPTION_KEY=NEW, PIM_CHECK_STORED_SECRETS=False)
    with rescue.app_context(), db.connection_context(), write_txn():
        readable = Fernet(NEW).encrypt(b"kept").decode()
        CustomApp.create(client_id="c0ffee00-0000-4000-8000-000000000003", name="Kept", secret_encrypted=readable,
                         activate_url="https://kept.example/a", callback_url="https://kept.example/c")
    result = rescue.test_cli_runner().invoke(args=["secrets", "discard-unreadable", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Discarded 2 unreadable secrets" in result.output
    alone = start(PIM_ENCRYPTION_KEY=NEW)
    with alone.app_context(), db.connection_context():
        assert app_listings.app_secret(APP_ID) not in (None, secret)
        assert app_listings.app_secret("c0ffee00-0000-4000-8000-000000000003") == "kept"
        assert OpenIdKey.select().count() == 1 and openid._signing_key(openid.current_key())
