"""argon2id password hashing with rehash on login (security checklist F12/B9)."""
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP minimum for argon2id is m=19 MiB, t=2, p=1; we use 19 MiB and t=2 to keep logins ~35 ms.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# A precomputed hash checked when the user does not exist, so timing reveals nothing.
_DUMMY = _hasher.hash("not-a-real-password")


def use_fast_parameters_for_tests():
    """Cheaper argon2id parameters (same algorithm and format) for the test suite only.

    Hundreds of tests each hash a few passwords and secrets; at the production cost that is most
    of the suite's time. Called by tests/conftest.py, never by the application.
    """
    global _hasher, _DUMMY
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _DUMMY = _hasher.hash("not-a-real-password")


def hash_password(password):
    return _hasher.hash(password)


def verify_password(stored_hash, password):
    """(ok, new_hash_or_None): new_hash is set when the parameters changed and it must be rehashed."""
    try:
        _hasher.verify(stored_hash or _DUMMY, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if stored_hash is None:
        return False, None
    return True, (_hasher.hash(password) if _hasher.check_needs_rehash(stored_hash) else None)


def generate_password(length=20):
    return secrets.token_urlsafe(length)[:length]


def password_problem(password):
    """A message if the password is too weak for the policy, else None (ASVS 6.2: length only)."""
    if len(password) < 8:
        return "The password must contain at least 8 characters."
    if len(password) > 128:
        return "The password must contain at most 128 characters."
    return None
