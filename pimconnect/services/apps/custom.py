"""Custom ("test") apps registered in this PIM (reference apps-and-oauth.md §8.3, §3.6).

The PIM makes the client id (UUIDv4) and secret; the secret is stored encrypted (decision D5:
the Akeneo code challenge needs it back) and shown in clear once, at creation and regeneration.
At most ``PIM_MAX_CUSTOM_APPS`` (20) per PIM, counted under a lock so concurrent creations cannot
exceed it. Deleting a connected custom app also disconnects it.
"""
import ipaddress
import re
import uuid
from urllib.parse import urlsplit

from flask import current_app

from pimconnect.db import serialize, write_txn
from pimconnect.models import CustomApp
from pimconnect.services import crypto
from pimconnect.services.apps import listings as app_listings
from pimconnect.services.access import audit
from pimconnect.services.apps import connected as connected_apps
from pimconnect.services.errors import Invalid

NAME_REQUIRED = "The name of the app is required."
NAME_TOO_SHORT = "The name of the app is too short. It must have 3 characters or more."
NAME_TOO_LONG = "The name of the app is too long. It must have 255 characters or less."
URL_INVALID = "The {label} must be a valid URL."
URL_TOO_LONG = "The {label} is too long. It must have 255 characters or less."
URL_NOT_SECURE = "The {label} must use https (http is allowed only on localhost)."
URL_USER_INFO = "The {label} must not contain a user name or password (user@host)."
URL_WILDCARD = "The {label} must not contain a wildcard (*)."
URL_FRAGMENT = "The {label} must not contain a fragment (#…)."
HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?", re.IGNORECASE)
LIMIT_ERROR = "You can create up to {limit} custom apps."
LIMIT_REACHED = "You reached the limit of {limit} custom apps."
NOT_FOUND = "Test app with {client_id} client_id was not found."
LOOPBACK_NAMES = {"localhost"}


def limit():
    return current_app.config["PIM_MAX_CUSTOM_APPS"]


def limit_message():
    return LIMIT_REACHED.format(limit=limit())


def at_limit():
    return CustomApp.select().count() >= limit()


def listing(creator=None):
    """Custom apps by name; only those ``creator`` made when given (the REST API lists the caller's)."""
    query = CustomApp.select().order_by(CustomApp.name, CustomApp.client_id)
    if creator is not None:
        query = query.where(CustomApp.creator == creator.id)
    return list(query)


def get(client_id, creator=None):
    """The custom app, or None; only when ``creator`` made it, when given (the REST API's own apps)."""
    if not client_id or len(client_id) > 36:
        return None
    query = CustomApp.select().where(CustomApp.client_id == client_id)
    if creator is not None:
        query = query.where(CustomApp.creator == creator.id)
    return query.first()


def masked_secret(app):
    """The last 4 characters of the secret left-padded with ``*`` to 34 characters (reference §3.5)."""
    return crypto.decrypt(app.secret_encrypted)[-4:].rjust(34, "*")


def _is_loopback(host):
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_host(host):
    """A DNS name (internationalized ones too) or an IP address: no ``*``, no other odd character."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(HOST_NAME.fullmatch(ascii_host))


def _url_error(value, label, callback=False):
    """The problem of an activate or callback URL, or None.

    Both: http(s), a real host (http only on loopback), no user-info (``https://trusted@evil/``
    shows one host and opens another; checklist A25 for launch links). The callback URL, where
    codes are sent, also refuses fragments and wildcards (checklist A4).
    """
    if len(value) > 255:
        return URL_TOO_LONG.format(label=label)
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return URL_INVALID.format(label=label)
    if parts.scheme not in {"http", "https"} or not host or any(c.isspace() for c in value):
        return URL_INVALID.format(label=label)
    if "@" in parts.netloc:
        return URL_USER_INFO.format(label=label)
    if "*" in (value if callback else parts.netloc):
        return URL_WILDCARD.format(label=label)
    if callback and "#" in value:
        return URL_FRAGMENT.format(label=label)
    if not _is_host(host):
        return URL_INVALID.format(label=label)
    if parts.scheme == "http" and not _is_loopback(host):
        return URL_NOT_SECURE.format(label=label)
    return None


def _clean(data):
    """The name and URLs (strings, stripped) and the field errors, keyed by snake_case property."""
    values = {key: str(data.get(key) or "").strip() if isinstance(data.get(key, ""), (str, type(None))) else None
              for key in ("name", "activate_url", "callback_url")}
    errors = {}
    name = values["name"]
    if name is None or name == "":
        errors["name"] = NAME_REQUIRED
    elif len(name) < 3:
        errors["name"] = NAME_TOO_SHORT
    elif len(name) > 255:
        errors["name"] = NAME_TOO_LONG
    for key, label in (("activate_url", "activate url"), ("callback_url", "callback url")):
        value = values[key]
        problem = (URL_INVALID.format(label=label) if not value
                   else _url_error(value, label, callback=key == "callback_url"))
        if problem:
            errors[key] = problem
    return values, errors


def create(data, creator, actor=audit.NOBODY):
    """Register a custom app; returns (CustomApp, the secret in clear — shown once).

    Raises Invalid with field errors, or ``{"": "You can create up to 20 custom apps."}``.
    """
    values, errors = _clean(data)
    if errors:
        raise Invalid(errors)
    secret = app_listings.new_secret()
    with write_txn():
        serialize("custom-apps-limit")
        if at_limit():
            raise Invalid({"": LIMIT_ERROR.format(limit=limit())})
        app = CustomApp.create(client_id=str(uuid.uuid4()), secret_encrypted=crypto.encrypt(secret),
                               name=values["name"], activate_url=values["activate_url"],
                               callback_url=values["callback_url"], creator=creator)
        audit.record("custom_app.created", actor=actor, client_id=app.client_id)
    return app, secret


def regenerate_secret(app, actor=audit.NOBODY):
    """A new secret for the app, shown once; existing tokens stay valid (decision D25)."""
    secret = app_listings.new_secret()
    with write_txn():
        CustomApp.update(secret_encrypted=crypto.encrypt(secret)).where(
            CustomApp.client_id == app.client_id).execute()
        audit.record("custom_app.secret_regenerated", actor=actor, client_id=app.client_id)
    return secret


def delete(app, actor=audit.NOBODY):
    """Delete the custom app and, when it is connected, disconnect it, in one transaction."""
    with write_txn():
        connected = connected_apps.by_app_id(app.client_id)
        if connected is not None:
            connected_apps.delete(connected, actor=actor)
        CustomApp.delete().where(CustomApp.client_id == app.client_id).execute()
        audit.record("custom_app.deleted", actor=actor, client_id=app.client_id)
