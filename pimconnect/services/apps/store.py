"""The App Store page (reference §8.2) and the catalogue shipped with PIM Connect.

``load_shipped`` brings ``pimconnect/data/app_store.json`` into the local catalogue through
``app_listings.register`` (the one write path for listings): it is idempotent, keeps the secrets
already generated and never overwrites a listing an operator registered. ``store_page`` is what
the App Store screen shows: the sections, the cards and their Connect / Connected / Pending...
state. Nothing here reads the request: the view passes the search text in.
"""
import datetime
import json
import pathlib
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import current_app

from pimconnect.db import write_txn
from pimconnect.models import ApiClient, ApiToken, AuthCode, ConnectedApp, CustomApp, MarketplaceApp
from pimconnect.services.apps import listings as app_listings

SHIPPED_FILE = pathlib.Path(__file__).resolve().parents[2] / "data" / "app_store.json"
DEMO_APP_URL = "{demo_app_url}"
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")  # safe after mailto:
CUSTOM_APP_LOGO = "/static/apps/custom-app.svg"
# Reference §8.2: a description longer than 150 characters is cut to 139 + "…" with "read more".
DESCRIPTION_MAX = 150
DESCRIPTION_CUT = 139


def is_web_url(value):
    """Whether ``value`` is an absolute http(s) URL (what a link or a redirect to an app may use)."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_link(value):
    """An http(s) URL or a path on this server (``/static/…``), never ``javascript:`` or ``//host``."""
    return is_web_url(value) or (isinstance(value, str) and value.startswith("/") and not value.startswith("//"))


def with_pim_url(activate_url, pim_url):
    """The activate URL with ``pim_url`` appended after ``&`` if it has a query, else after ``?``.

    Reference §2.1 step 2 (App::withPimUrlSource): ``…/activate?pim_url=http%3A%2F%2Fhttpd``.
    """
    parts = urlsplit(activate_url)
    extra = urlencode({"pim_url": pim_url})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


# -- the shipped catalogue -------------------------------------------------------------------

def shipped_listings(path=SHIPPED_FILE):
    """The listings of the shipped file, ``{demo_app_url}`` replaced by PIM_DEMO_APP_URL."""
    demo_url = current_app.config["PIM_DEMO_APP_URL"].rstrip("/")
    with open(path, encoding="utf-8") as handle:
        listings = json.load(handle)["listings"]
    for listing in listings:
        for name, value in listing.items():
            if isinstance(value, str):
                listing[name] = value.replace(DEMO_APP_URL, demo_url)
    return listings


def _is_unchanged(row, data):
    return all(getattr(row, name) == data[name] for name in app_listings.LISTING_FIELDS if name in data)


def load_shipped(path=SHIPPED_FILE):
    """Register or update the shipped listings; returns how many were created or changed.

    A listing an operator registered under the same id is left alone, and an unchanged one is not
    written again, so running this on every upgrade is cheap and changes nothing the second time.
    """
    changed = 0
    for data in shipped_listings(path):
        row = MarketplaceApp.get_or_none(MarketplaceApp.id == data["id"])
        if row is not None and (row.source != "shipped" or _is_unchanged(row, data)):
            continue
        with write_txn():
            listing, _secret = app_listings.register(data, source="shipped")  # the clear secret is not needed
            if data.get("published"):
                published = datetime.datetime.fromisoformat(data["published"])
                MarketplaceApp.update(published=published).where(MarketplaceApp.id == listing.id).execute()
        changed += 1
    return changed


# -- the App Store page ------------------------------------------------------------------------

@dataclass
class Card:
    """One card of the App Store: a listing or a custom app as the user sees it."""

    id: str
    kind: str  # app | connector | custom
    name: str
    logo: str
    author: str
    partner: str | None = None
    category: str | None = None  # the first category only (reference §8.2)
    description: str = ""
    is_cut: bool = False  # the description was cut: show "read more"
    certified: bool = False
    example: bool = False  # an example listing: Example badge, Connect disabled, built-in More info only
    external_url: str | None = None  # More info: this URL, else the built-in page
    state: str | None = None  # connect | connected | pending | example; None for connectors

    @property
    def is_custom_app(self):
        return self.kind == "custom"


@dataclass
class StorePage:
    """The App Store's content: the sections after the search filter, and the counts."""

    total: int  # apps and connectors compatible with this PIM (the helper line)
    search: str = ""
    custom_apps: list = field(default_factory=list)
    apps: list = field(default_factory=list)
    connectors: list = field(default_factory=list)

    @property
    def result_count(self):
        return len(self.custom_apps) + len(self.apps) + len(self.connectors)


def cut_description(text):
    """(the card's description, whether it was cut)."""
    text = text or ""
    if len(text) > DESCRIPTION_MAX:
        return text[:DESCRIPTION_CUT] + "…", True
    return text, False


def connection_states():
    """{app id: "connected" | "pending"} for the connected apps.

    Pending: connected, and its OAuth client has an authorization code but no token yet (the app
    has not exchanged its first code, reference ``isPending``).
    """
    connected = [row.id for row in ConnectedApp.select(ConnectedApp.id)]
    if not connected:
        return {}
    clients = ApiClient.select(ApiClient.client_id).where(ApiClient.client_id.in_(connected))
    with_code = {row.client_id for row in clients.join(AuthCode).distinct()}
    with_token = {row.client_id for row in
                  ApiClient.select(ApiClient.client_id).where(ApiClient.client_id.in_(connected))
                  .join(ApiToken).distinct()}
    pending = with_code - with_token
    return {app_id: "pending" if app_id in pending else "connected" for app_id in connected}


def listing_card(row, states):
    description, is_cut = cut_description(row.description)
    return Card(id=row.id, kind=row.kind, name=row.name, logo=row.logo if is_link(row.logo) else CUSTOM_APP_LOGO,
                author=row.author, partner=row.partner, category=(row.categories or [None])[0],
                description=description, is_cut=is_cut, certified=row.certified, example=row.example,
                external_url=row.url if is_web_url(row.url) and not row.example else None,
                state=states.get(row.id, "example" if row.example else "connect") if row.kind == "app" else None)


def custom_app_card(row, states):
    author = row.creator.full_name if row.creator_id else "Removed user"
    return Card(id=row.client_id, kind="custom", name=row.name, logo=CUSTOM_APP_LOGO, author=author,
                state=states.get(row.client_id, "connect"))


def _matches(needle, name):
    return needle in name.casefold()


def store_page(search=""):
    """The App Store for this PIM, filtered by ``search`` (case-insensitive substring of the name).

    The filter runs in Python on purpose: compatibility (edition and version lists in JSON
    columns) is already decided per row in ``app_listings.compatible_listings``, and a store
    holds tens of listings, not thousands.
    """
    search = (search or "").strip()[:255]
    needle = search.casefold()
    states = connection_states()
    listings = app_listings.compatible_listings()
    page = StorePage(total=len(listings), search=search)
    for row in listings:
        if _matches(needle, row.name):
            target = page.apps if row.kind == "app" else page.connectors
            target.append(listing_card(row, states))
    customs = CustomApp.select(CustomApp).order_by(CustomApp.created, CustomApp.name)
    page.custom_apps = [custom_app_card(row, states) for row in customs if _matches(needle, row.name)]
    return page


def listing_detail(app_id):
    """(the compatible listing with this id, its card) for the built-in More info page, or None."""
    if not isinstance(app_id, str) or not app_listings.UUID_PATTERN.fullmatch(app_id):
        return None
    row = MarketplaceApp.get_or_none(MarketplaceApp.id == app_id)
    if row is None or not app_listings.is_compatible(row):
        return None
    return row, listing_card(row, connection_states())


def contact_link(contact, example=False):
    """The href of a seller's contact: its web address, or ``mailto:`` for an email address.

    None for an example listing: its seller does not exist, and a link must lead somewhere.
    """
    if example:
        return None
    if is_web_url(contact):
        return contact
    if isinstance(contact, str) and EMAIL.fullmatch(contact):
        return f"mailto:{contact}"
    return None
