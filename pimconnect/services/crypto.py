"""Encryption at rest for the secrets the protocol needs back in clear (decision D5).

App client secrets (Akeneo's code challenge is computed from the secret) and OpenID private keys
are stored as Fernet tokens (AES-128-CBC + HMAC-SHA256). The key is ``PIM_ENCRYPTION_KEY`` (a
Fernet key) when set, otherwise one derived from ``SECRET_KEY`` with HKDF, so a self-hoster has one
secret to keep. To change it, the previous keys are listed as fallbacks that still decrypt
(``PIM_ENCRYPTION_KEY_FALLBACKS``, or ``SECRET_KEY_FALLBACKS`` for former SECRET_KEYs) until
``flask secrets reencrypt`` has rewritten every stored value with the current key
(``pimconnect.services.stored_secrets``).
"""
import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

__all__ = ["encrypt", "decrypt", "keyring", "InvalidToken"]


def _derived_key(secret_key):
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"pim-connect",
                   info=b"secrets-at-rest").derive(secret_key.encode())
    return base64.urlsafe_b64encode(derived)


def keyring(config):
    """The current key, which encrypts, then the fallbacks, which only decrypt (MultiFernet).

    Raises ValueError when a configured key is not a Fernet key.
    """
    current = config.get("PIM_ENCRYPTION_KEY") or _derived_key(config["SECRET_KEY"])
    fallbacks = list(config.get("PIM_ENCRYPTION_KEY_FALLBACKS") or [])
    fallbacks += [_derived_key(old) for old in config.get("SECRET_KEY_FALLBACKS") or []]
    return MultiFernet([Fernet(key) for key in (current, *fallbacks)])


def encrypt(text):
    """The Fernet token (ASCII) of ``text``, with the current key."""
    return keyring(current_app.config).encrypt(text.encode()).decode()


def decrypt(token):
    """``text`` back from its token; raises InvalidToken if no configured key made it or it was altered."""
    return keyring(current_app.config).decrypt(token.encode()).decode()
