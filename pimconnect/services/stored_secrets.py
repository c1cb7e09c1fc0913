"""Every value stored encrypted (decision D5): the start-up check that the keys read them all, and re-encryption.

A changed SECRET_KEY or PIM_ENCRYPTION_KEY used to surface only at the next code exchange, as a 500
(InvalidToken). The check runs when the app is built, so the server, the workers and every
``flask`` command refuse to start instead, naming the cause. It decrypts every stored value: they
are a few dozen at most (one per app with a registered secret, custom app and OpenID key), so the
whole check costs a millisecond or two, and it is exact where sampling one value is not (after a
rotation without re-encryption, old and new values sit side by side).
"""
from cryptography.fernet import InvalidToken

from pimconnect.config import ConfigError
from pimconnect.db import db, write_txn
from pimconnect.models import CustomApp, MarketplaceApp, OpenIdKey
from pimconnect.services import crypto

# Every column holding a Fernet token (grep `crypto.encrypt` when adding one).
ENCRYPTED_COLUMNS = (
    MarketplaceApp.secret_encrypted,  # App Store listings' client secrets
    CustomApp.secret_encrypted,  # custom apps' client secrets
    OpenIdKey.private_key_encrypted,  # OpenID signing keys
)

REFUSAL = (
    "{count} of the {total} values stored encrypted ({where}) cannot be decrypted: the encryption "
    "key changed since they were stored. It is PIM_ENCRYPTION_KEY when set, otherwise a key derived "
    "from SECRET_KEY. Set the previous key again, or keep the new one and list the previous one as a "
    "fallback (PIM_ENCRYPTION_KEY_FALLBACKS for a former PIM_ENCRYPTION_KEY, SECRET_KEY_FALLBACKS for "
    "a former SECRET_KEY), then run `flask --app app secrets reencrypt` (README: \"Rotating the "
    "encryption key\")."
)


def _stored(column):
    """(primary key, token) of every row of ``column``'s table that holds a token."""
    model = column.model
    key = model._meta.primary_key
    return list(model.select(key, column).where(column.is_null(False)).tuples())


def _is_readable(keyring, token):
    try:
        keyring.decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def verify_keys(app):
    """Refuse to start (ConfigError) when a configured key is malformed or a stored value is unreadable."""
    try:
        keyring = crypto.keyring(app.config)
    except ValueError as error:
        raise ConfigError(f"PIM_ENCRYPTION_KEY or PIM_ENCRYPTION_KEY_FALLBACKS: {error}") from None
    tables = {column.model._meta.table_name for column in ENCRYPTED_COLUMNS}
    with db.connection_context():
        if not tables <= set(db.get_tables()):  # not migrated yet: nothing stored
            return
        unreadable, total = {}, 0
        for column in ENCRYPTED_COLUMNS:
            tokens = [token for _key, token in _stored(column)]
            total += len(tokens)
            bad = sum(not _is_readable(keyring, token) for token in tokens)
            if bad:
                unreadable[column.model._meta.table_name] = bad
    # A server built before forking (gunicorn --preload) must hand its workers no open connection.
    # (An empty database keeps it: that is the tests' case, which migrate on it next.)
    db.obj.close_all()
    if unreadable:
        where = ", ".join(f"{table}: {count}" for table, count in unreadable.items())
        raise ConfigError(REFUSAL.format(count=sum(unreadable.values()), total=total, where=where))


def reencrypt_all(config):
    """Rewrite every stored value with the current key, in one transaction; returns how many.

    Raises InvalidToken (and changes nothing) if a value is readable by none of the keys. Each
    update is conditional on the token read, so a secret regenerated meanwhile (already under the
    current key) is not overwritten with its older value.
    """
    keyring = crypto.keyring(config)
    count = 0
    with write_txn():
        for column in ENCRYPTED_COLUMNS:
            model = column.model
            key = model._meta.primary_key
            for row_key, token in _stored(column):
                fresh = keyring.rotate(token.encode()).decode()
                count += model.update({column: fresh}).where((key == row_key) & (column == token)).execute()
    return count


def discard_unreadable(config):
    """After a key is lost: drop what no configured key reads, in one transaction; returns how many.

    An unreadable OpenID key is deleted (``ensure_keys`` makes a new one afterwards); an
    unreadable client secret is replaced by a random one nobody knows, so the app must be given
    a new secret (``flask apps register --secret-stdin``, or Regenerate for a custom app).
    """
    from pimconnect.services.apps import listings as app_listings

    keyring = crypto.keyring(config)
    count = 0
    with write_txn():
        for column in ENCRYPTED_COLUMNS:
            model = column.model
            key = model._meta.primary_key
            lost = [row_key for row_key, token in _stored(column) if not _is_readable(keyring, token)]
            for row_key in lost:
                if model is OpenIdKey:
                    model.delete().where(key == row_key).execute()
                else:
                    fresh = keyring.encrypt(app_listings.new_secret().encode()).decode()
                    model.update({column: fresh}).where(key == row_key).execute()
            count += len(lost)
    return count
