"""``flask apps …``: the App Store catalogue from the command line.

Self-hosters register the apps they use (``flask apps register app.json``); the listings shipped
with PIM Connect are loaded on install and upgrade (``flask apps load-shipped``). A generated client
secret is printed once and only stored encrypted (decision D5).
"""
import json
import sys

import click
from flask.cli import AppGroup, with_appcontext

from pimconnect.db import db, write_txn

KINDS = ("app", "connector")
EDITIONS = ("ce", "ee")
REQUIRED = ("id", "name", "author", "editions")
REQUIRED_FOR_APPS = ("activate_url", "callback_url")


def validate_listing(data):
    """The problems of an operator's listing (an empty list when it can be registered)."""
    from pimconnect.services.apps import listings as app_listings
    from pimconnect.services.apps import store as app_store

    if not isinstance(data, dict):
        return ["A listing must be a JSON object."]
    kind = data.get("kind", "app")
    required = REQUIRED + (REQUIRED_FOR_APPS if kind == "app" else ())
    problems = [f"{name} is required." for name in required if not data.get(name)]
    if kind not in KINDS:
        problems.append("kind must be app or connector.")
    if data.get("id") and not app_listings.UUID_PATTERN.fullmatch(str(data["id"])):
        problems.append("id must be a UUID (it is also the app's OAuth client_id).")
    editions = data.get("editions")
    if editions and (not isinstance(editions, list) or not set(editions) <= set(EDITIONS)):
        problems.append("editions must be a list of ce and/or ee.")
    versions = data.get("versions", [])
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        problems.append('versions must be a list of "major.minor" strings (empty: every version).')
    for name in ("activate_url", "callback_url", "url"):
        if data.get(name) and not app_store.is_web_url(data[name]):
            problems.append(f"{name} must be an http(s) URL.")
    for name in ("categories", "screenshots"):
        if not isinstance(data.get(name, []), list):
            problems.append(f"{name} must be a list.")
    if "secret" in data or "client_secret" in data:
        problems.append("Do not put the secret in the file: use --secret-stdin.")
    return problems


def apps_group(app):
    """The ``flask apps`` command group, created by whichever module registers first."""
    apps = app.cli.commands.get("apps")
    if apps is None:
        apps = AppGroup("apps", help="App Store and connected apps tools.")
        app.cli.add_command(apps)
    return apps


def init_app(app):
    apps = apps_group(app)

    @apps.command("register")
    @click.argument("file", type=click.File("r", encoding="utf-8"))
    @click.option("--secret-stdin", is_flag=True, help="Read the app's client secret from standard input.")
    @with_appcontext
    def register(file, secret_stdin):
        """Add or update the listing in FILE (JSON); a new app gets a client secret, printed once.

        \b
        FILE holds one JSON object, for example:
          {"id": "<UUID, also the OAuth client_id>", "kind": "app", "name": "Our ERP app",
           "author": "Us", "logo": "https://…/logo.svg", "description": "…", "categories": ["ERP"],
           "url": "https://…" (More info; leave it out for the built-in page with
           "documentation", "screenshots" and "contact"), "certified": false,
           "activate_url": "https://…/activate", "callback_url": "https://…/callback",
           "editions": ["ce", "ee"], "versions": ["7.0"] (empty: every version)}
        A connector ("kind": "connector") needs no activate or callback URL. Never put the
        secret in the file: pipe it to --secret-stdin to keep one the app already has.
        """
        from pimconnect.models import MarketplaceApp
        from pimconnect.services.apps import listings as app_listings

        try:
            data = json.load(file)
        except ValueError as error:
            raise click.ClickException(f"{file.name} is not valid JSON: {error}") from None
        problems = validate_listing(data)
        if problems:
            raise click.ClickException("The listing cannot be registered:\n  " + "\n  ".join(problems))
        secret = None
        if secret_stdin:
            secret = sys.stdin.readline().strip()
            if not secret:
                raise click.ClickException("No secret on standard input.")
            if data.get("kind", "app") != "app":
                raise click.ClickException("A connector has no client secret.")
        with db.connection_context():
            with write_txn():
                listing, clear = app_listings.register(data, secret=secret, source="operator")
                # An operator's listing is theirs even if it had been shipped: load-shipped leaves it alone.
                MarketplaceApp.update(source="operator").where(MarketplaceApp.id == listing.id).execute()
        click.echo(f"Registered {listing.kind} {listing.name} ({listing.id}).")
        if clear and not secret_stdin:
            click.echo(f"Client secret (shown once, stored encrypted): {clear}")

    @apps.command("list")
    @with_appcontext
    def list_listings():
        """List the App Store listings; "hidden" ones do not suit this PIM's edition or version."""
        from pimconnect.models import MarketplaceApp
        from pimconnect.services.apps import listings as app_listings

        with db.connection_context():
            rows = list(MarketplaceApp.select().order_by(MarketplaceApp.kind, MarketplaceApp.name))
            for row in rows:
                shown = "listed" if app_listings.is_compatible(row) else "hidden"
                click.echo(f"{row.id}  {row.kind:<9}  {shown:<6}  {row.source:<8}  "
                           f"{','.join(row.editions or []):<5}  {row.name}")
        if not rows:
            click.echo("No listings. Run `flask apps load-shipped` or `flask apps register FILE.json`.")

    @apps.command("load-shipped")
    @with_appcontext
    def load_shipped():
        """Register or update the listings shipped with PIM Connect (operator listings are kept)."""
        from pimconnect.services.apps import store as app_store

        with db.connection_context():
            changed = app_store.load_shipped()
        click.echo(f"Shipped App Store listings: {changed} created or updated.")
