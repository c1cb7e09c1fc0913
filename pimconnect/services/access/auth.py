"""Logging in: credential check with a throttle shared by every worker through the database."""
import datetime
import hashlib
import secrets

from pimconnect.db import write_txn
from pimconnect.models import LoginThrottle, User, UserSession
from pimconnect.models.structure import utcnow
from pimconnect.services.access import audit
from pimconnect.services.access.passwords import verify_password

WINDOW_SECONDS = 900
LOGIN_FAILED = "Invalid username or password."
LOCKED = "Too many failed attempts. Try again in a few minutes."
SESSION_MAX_DAYS = 30  # absolute session lifetime (checklist B8); older rows are pruned at the next login


class LoginRefused(Exception):
    pass


def _throttle_keys(username, remote_addr, known_device=False):
    """The user's counter (failures on this username: the documented per-account lock-out) and the
    address's (failures on any name from this client, which stops password spraying). A browser where
    this user logged in before (``known_device``) is exempt from the address's: failures on other names
    from the same address, or from everyone behind one proxy, never lock a returning user out."""
    keys = [f"user:{username.lower()}"]
    if not known_device:
        keys.append(f"ip:{remote_addr or 'unknown'}")
    return keys


def is_locked(keys, now):
    """Whether any of the throttle ``keys`` is locked right now."""
    return (
        LoginThrottle.select()
        .where(LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now)
        .exists()
    )


def record_failure(keys, now, limits, lock_seconds, window_seconds=WINDOW_SECONDS):
    """Count one failure on each key; a key reaching its limit (``limits[key]``) is locked.

    The counters live in the database, so every worker shares them (checklist F7, decision D12).
    """
    with write_txn():
        for key in keys:
            row, _ = LoginThrottle.get_or_create(key=key, defaults={"window_start": now})
            if row.window_start < now - datetime.timedelta(seconds=window_seconds):
                row.failures, row.window_start = 0, now
            row.failures += 1
            if row.failures >= limits[key]:
                row.locked_until = now + datetime.timedelta(seconds=lock_seconds)
            row.save()


def clear_failures(key):
    with write_txn():
        LoginThrottle.delete().where(LoginThrottle.key == key).execute()


def _record_login_failure(keys, now, max_failures, lock_seconds):
    # The IP counter tolerates a few users behind one address.
    limits = {key: max_failures if key.startswith("user:") else max_failures * 4 for key in keys}
    record_failure(keys, now, limits, lock_seconds)


def authenticate(username, password, remote_addr, max_failures=5, lock_seconds=300, known_device=False):
    """Return the user for valid credentials, or raise LoginRefused with a message that reveals nothing."""
    now = utcnow()
    keys = _throttle_keys(username, remote_addr, known_device)
    if is_locked(keys, now):
        audit.record("login.failure", username=username, remote_addr=remote_addr, reason="locked")
        raise LoginRefused(LOCKED)
    user = User.get_or_none((User.username == username) & (User.type == "user"))
    ok, new_hash = verify_password(user.password_hash if user else None, password)
    if not ok or not user.enabled:
        with write_txn():
            _record_login_failure(keys, now, max_failures, lock_seconds)
            # The audit says "disabled" to administrators; the user still reads LOGIN_FAILED.
            audit.record("login.failure", user=user, username=username, remote_addr=remote_addr,
                         reason="disabled" if ok else "bad credentials")
        raise LoginRefused(LOGIN_FAILED)
    with write_txn():
        clear_failures(keys[0])
        fields = {User.last_login: now}
        if new_hash:
            fields[User.password_hash] = new_hash
        User.update(fields).where(User.id == user.id).execute()
        audit.record("login.success", user=user, remote_addr=remote_addr)
    return user


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _oldest_live():
    """The creation time before which a session has outlived SESSION_MAX_DAYS."""
    return utcnow() - datetime.timedelta(days=SESSION_MAX_DAYS)


def start_session(user):
    """Record a new logged-in browser for ``user``; returns the token its cookie keeps."""
    token = secrets.token_urlsafe(32)
    with write_txn():
        UserSession.delete().where(UserSession.user == user.id, UserSession.created < _oldest_live()).execute()
        UserSession.create(token_hash=_token_hash(token), user=user.id)
    return token


def session_user(user_id, version, token):
    """The enabled user whose session this is (id, version and a live session token), or None."""
    if not isinstance(token, str) or not token:
        return None
    user = (User.select().join(UserSession)
            .where(User.id == user_id, UserSession.token_hash == _token_hash(token), UserSession.created > _oldest_live())
            .first())
    if user is None or user.session_version != version or not user.enabled or user.type != "user":
        return None
    return user


def session_count(user):
    """How many browsers are logged in as ``user`` (sessions within their lifetime)."""
    return UserSession.select().where(UserSession.user == user.id, UserSession.created > _oldest_live()).count()


def logout(user, token, remote_addr):
    """Log this browser out: its session ends, the user's other devices stay logged in."""
    with write_txn():
        if isinstance(token, str) and token:
            UserSession.delete().where(UserSession.token_hash == _token_hash(token)).execute()
        audit.record("logout", user=user, remote_addr=remote_addr)


def logout_everywhere(user, remote_addr):
    """End every session of the user, on every device, and record it."""
    with write_txn():
        end_sessions(user)
        audit.record("logout", user=user, remote_addr=remote_addr, everywhere=True)


def end_sessions(user):
    """Invalidate every session of the user (log out everywhere, password or role change, disable)."""
    with write_txn():
        User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
        UserSession.delete().where(UserSession.user == user.id).execute()
