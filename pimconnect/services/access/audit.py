"""The security audit log (checklist B20): one database row and one log line per security event.

Events so far: ``login.success``, ``login.failure`` (reason ``bad credentials``, ``locked`` or
``disabled``), ``logout``, ``user.created``, ``user.updated``, ``user.enabled``, ``user.disabled``,
``role.created``, ``role.deleted``, ``role.permissions_changed``, ``group.created``,
``group.deleted``. Later areas add theirs (``app.connected``, ``token.revoked`` …) by calling
``record`` with a new code: nothing to register.

``user`` on a record is who acted (the person logging in, the administrator saving a role); what
was acted on goes in the detail (``target_user_id``, ``role``, ``group`` …). Detail is never a
secret: ``record`` refuses keys such as ``password`` or ``token`` so that a slip fails in tests
instead of landing in the table.
"""
import datetime
import json
import logging
from dataclasses import dataclass

from pimconnect.db import write_txn
from pimconnect.models import SecurityEvent
from pimconnect.models.structure import utcnow

logger = logging.getLogger("pimconnect.audit")

# Exact detail keys that would hold a secret. Say "password changed" with changed=["password"].
SECRET_KEYS = frozenset({
    "password", "password_repeat", "password_hash", "new_password", "secret", "client_secret",
    "token", "access_token", "refresh_token", "authorization_code", "code_verifier",
})
USERNAME_MAX = 255  # a failed login may carry any text: keep the copy bounded
REMOTE_ADDR_MAX = 64


@dataclass(frozen=True)
class Actor:
    """Who is acting and from where, handed by a view to a service that records events."""

    user: object = None
    remote_addr: str | None = None


NOBODY = Actor()  # the command line, the demo seeding, tests calling services directly


def record(event, *, user=None, username=None, remote_addr=None, actor=None, **detail):
    """Write one audit row (inside the caller's transaction, if any) and log one line.

    ``user`` is a User, a user id or None; ``username`` defaults to the user's. ``actor`` may
    stand for both ``user`` and ``remote_addr``. Returns the SecurityEvent.
    """
    refused = SECRET_KEYS.intersection(detail)
    if refused:
        raise ValueError(f"Audit detail may not hold secrets: {sorted(refused)}")
    if actor is not None:
        user = actor.user if user is None else user
        remote_addr = actor.remote_addr if remote_addr is None else remote_addr
    user_id = getattr(user, "id", user)
    if username is None:
        username = getattr(user, "username", "") or ""
    row = SecurityEvent(event=event, user=user_id, username=str(username)[:USERNAME_MAX],
                        remote_addr=str(remote_addr or "")[:REMOTE_ADDR_MAX], detail=detail)
    with write_txn():
        row.save(force_insert=True)
    logger.info("%s", log_line(row))
    return row


def _encode(value):
    # JSON escaping with ensure_ascii turns \n, \r, every control character and the Unicode
    # line separators into escapes, so no field can start a forged second log line.
    return json.dumps(value, ensure_ascii=True, sort_keys=True, default=str)


def log_line(row):
    """The one-line text form of an event: ``key=<JSON value>`` pairs."""
    fields = {
        "event": row.event,
        "created": row.created.isoformat() + "Z",
        "user_id": row.user_id,
        "username": row.username,
        "remote_addr": row.remote_addr,
        "detail": row.detail,
    }
    return " ".join(f"{key}={_encode(value)}" for key, value in fields.items())


def events(event=None, user=None, limit=100):
    """The latest events, newest first, optionally of one code or one user."""
    query = SecurityEvent.select()
    if event is not None:
        query = query.where(SecurityEvent.event == event)
    if user is not None:
        query = query.where(SecurityEvent.user == getattr(user, "id", user))
    return list(query.order_by(SecurityEvent.created.desc(), SecurityEvent.id.desc()).limit(limit))


def purge(older_than_days=365):
    """Delete the events older than ``older_than_days`` days; returns how many were deleted."""
    if older_than_days < 0:
        raise ValueError("older_than_days must not be negative")
    cutoff = utcnow() - datetime.timedelta(days=older_than_days)
    with write_txn():
        return SecurityEvent.delete().where(SecurityEvent.created < cutoff).execute()
