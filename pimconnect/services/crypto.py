"""Encryption at rest for the secrets the protocol needs back in clear (decision D5).

App client secrets (Akeneo's code challenge is computed from the secret) and OpenID private keys
are stored as Fernet tokens (AES-128-CBC + HMAC-SHA256). The key is ``PIM_ENCRYPTION_KEY`` (a
Fernet key) when set, otherwise one derived from ``SECRET_KEY`` with HKDF, so a self-hoster has one
secret to keep; changing it makes the stored secrets unreadable (apps must be re-registered).
"""
import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

__all__ = ["encrypt", "decrypt", "InvalidToken"]


def _fernet():
    config = current_app.config
    key = config.get("PIM_ENCRYPTION_KEY")
    if not key:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"pim-connect",
                       info=b"secrets-at-rest").derive(config["SECRET_KEY"].encode())
        key = base64.urlsafe_b64encode(derived)
    return Fernet(key)


def encrypt(text):
    """The Fernet token (ASCII) of ``text``."""
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token):
    """``text`` back from its token; raises InvalidToken if the key changed or the token was altered."""
    return _fernet().decrypt(token.encode()).decode()
