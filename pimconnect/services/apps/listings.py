"""The local App Store catalogue and custom apps: looking an app up by its client id, its secret,
and registering listings (decision D5: no outside store, secrets encrypted at rest).

``find_app`` is what activate, authorize, the wizard and the token endpoint share: custom apps
are looked up first, then the catalogue's apps compatible with this PIM's edition and version
(reference §8.3 "The custom-app lookup happens before the App Store lookup", §3.7).
"""
import re
import secrets
import uuid
from dataclasses import dataclass, field

from flask import current_app

from pimconnect.db import write_txn
from pimconnect.models import CustomApp, MarketplaceApp
from pimconnect.models.structure import utcnow
from pimconnect.services import crypto

UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


@dataclass
class AppInfo:
    """What the PIM knows of an app, from the catalogue or a custom app."""

    id: str
    name: str
    activate_url: str | None
    callback_url: str | None
    logo: str | None = None
    author: str | None = None
    partner: str | None = None
    description: str = ""
    url: str | None = None
    categories: list = field(default_factory=list)
    certified: bool = False
    is_custom_app: bool = False


def new_secret():
    """A client secret like the reference's: base64url of a SHA-256 hex digest of random bytes, ≤100."""
    return secrets.token_urlsafe(64)[:86]


def edition():
    return current_app.config["PIM_EDITION"]


def version():
    """This PIM's ``major.minor`` version, what listings declare compatibility with."""
    return ".".join(current_app.config["PIM_VERSION"].split(".")[:2])


def is_compatible(listing):
    """Whether a catalogue listing supports this PIM's edition and version (empty versions: all)."""
    return edition() in (listing.editions or []) and (not listing.versions or version() in listing.versions)


def compatible_listings():
    """Catalogue listings (apps and connectors) this PIM shows: certified first, then newest first."""
    rows = MarketplaceApp.select().order_by(MarketplaceApp.certified.desc(), MarketplaceApp.published.desc(),
                                            MarketplaceApp.name)
    return [row for row in rows if is_compatible(row)]


def _from_listing(row):
    return AppInfo(id=row.id, name=row.name, activate_url=row.activate_url, callback_url=row.callback_url,
                   logo=row.logo, author=row.author, partner=row.partner, description=row.description,
                   url=row.url, categories=list(row.categories or []), certified=row.certified)


def _from_custom(row):
    author = row.creator.full_name if row.creator_id else "Removed user"
    return AppInfo(id=row.client_id, name=row.name, activate_url=row.activate_url, callback_url=row.callback_url,
                   author=author, is_custom_app=True)


def find_app(client_id):
    """The connectable app with this client id (custom first, then compatible catalogue apps), or None."""
    if not client_id or not isinstance(client_id, str) or len(client_id) > 36:
        return None
    return find_apps([client_id]).get(client_id)


def find_apps(client_ids):
    """``{client id: AppInfo}`` of the connectable apps among ``client_ids``, in two queries."""
    ids = [i for i in client_ids if isinstance(i, str) and 0 < len(i) <= 36]
    if not ids:
        return {}
    # An example listing is not connectable: its activate and callback hosts do not exist.
    found = {row.id: _from_listing(row) for row in MarketplaceApp.select().where(
        MarketplaceApp.id.in_(ids), MarketplaceApp.kind == "app", MarketplaceApp.example == False)  # noqa: E712
        if is_compatible(row)}
    found.update({row.client_id: _from_custom(row) for row in CustomApp.select().where(CustomApp.client_id.in_(ids))})
    return found


def app_secret(client_id):
    """The app's client secret in clear (for checking a code challenge), or None."""
    custom = CustomApp.get_or_none(CustomApp.client_id == client_id)
    if custom is not None:
        return crypto.decrypt(custom.secret_encrypted)
    listing = MarketplaceApp.get_or_none(MarketplaceApp.id == client_id)
    if listing is None or not listing.secret_encrypted:
        return None
    return crypto.decrypt(listing.secret_encrypted)


LISTING_FIELDS = ("kind", "name", "logo", "author", "partner", "description", "url", "documentation",
                  "screenshots", "contact", "categories", "certified", "example", "activate_url", "callback_url",
                  "editions", "versions")


def register(data, secret=None, source="operator"):
    """Create or update the catalogue listing ``data`` (a dict with ``id`` and LISTING_FIELDS).

    An app listing keeps its stored secret unless ``secret`` is given; a new app listing without
    one gets a random secret. Returns (listing, the secret in clear when it was set now, else None).
    """
    app_id = str(data.get("id") or uuid.uuid4())
    if not UUID_PATTERN.fullmatch(app_id):
        raise ValueError(f"The app id must be a UUID: {app_id!r}")
    values = {name: data[name] for name in LISTING_FIELDS if name in data}
    with write_txn():
        listing = MarketplaceApp.get_or_none(MarketplaceApp.id == app_id)
        if listing is None:
            listing = MarketplaceApp(id=app_id, source=source, **values)
            created = True
        else:
            for name, value in values.items():
                setattr(listing, name, value)
            listing.updated = utcnow()
            created = False
        if listing.kind == "app" and (secret or not listing.secret_encrypted):
            secret = secret or new_secret()
            listing.secret_encrypted = crypto.encrypt(secret)
        else:
            secret = None
        listing.save(force_insert=created)
    return listing, secret
