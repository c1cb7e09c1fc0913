"""``flask apps demo-credentials``: hand the Demo App its client id and secret.

The Demo App (``demo_app/``) is a separate application; the PIM keeps only an encrypted copy of
its secret (decision D5), shown in clear once, when it is (re)generated. This command is that
"shown once": it writes ``{"client_id", "client_secret"}`` to a file only the current user can read,
which the Demo App reads at start. ``make run`` calls it on every start, so it leaves a file that
still matches the PIM alone.
"""
import json
import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from pimconnect.db import db

DEMO_APP_ID = "7f3c1d2e-5b6a-4c8d-9e0f-1a2b3c4d5e6f"


def _current_file(path):
    """The (client_id, client_secret) written in ``path`` earlier, or None if it is unreadable."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return data.get("client_id"), data.get("client_secret")


def _write_private(path, payload):
    """Write ``payload`` to ``path`` with mode 0600 from the start (never readable by others, even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    if temporary.exists():
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle, indent=2)
        handle.write("\n")
    os.replace(temporary, path)


def demo_credentials(path, force=False, app_id=DEMO_APP_ID):
    """Write the Demo App's credentials to ``path``; returns "written" or "unchanged".

    The file is left alone when it already holds the secret the PIM has (unless ``force``); a
    missing or stale file (a new database) gets a newly generated secret.
    Raises LookupError when the App Store has no Demo App listing.
    """
    from pimconnect.models import MarketplaceApp
    from pimconnect.services import crypto
    from pimconnect.services.apps import listings as app_listings

    listing = MarketplaceApp.get_or_none((MarketplaceApp.id == app_id) & (MarketplaceApp.kind == "app"))
    if listing is None:
        raise LookupError(f"The App Store has no Demo App listing ({app_id}).")
    if not force and path.exists():
        try:
            stored = app_listings.app_secret(app_id)
        except crypto.InvalidToken:  # encrypted with another key: unusable, regenerate it
            stored = None
        if stored and _current_file(path) == (app_id, stored):
            return "unchanged"
    _listing, secret = app_listings.register({"id": app_id}, secret=app_listings.new_secret())
    _write_private(path, {"client_id": app_id, "client_secret": secret})
    return "written"


def init_app(app):
    from pimconnect.cli_apps import apps_group

    apps = apps_group(app)

    @apps.command("demo-credentials")
    @click.option("--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path),
                  help="Where to write the JSON credentials (created with mode 0600).")
    @click.option("--force", is_flag=True, help="Generate a new secret even if the file is up to date.")
    @with_appcontext  # explicit: the group may be a plain click group made by another module
    def demo_credentials_command(output, force):
        """Write the Demo App's client id and a new secret to --output (only when missing or stale)."""
        try:
            with db.connection_context():
                outcome = demo_credentials(output, force=force)
        except LookupError as error:
            raise click.ClickException(f"{error} Load the App Store listings first.") from None
        if outcome == "unchanged":
            click.echo(f"The Demo App credentials in {output} are up to date.")
        else:
            click.echo(f"Wrote the Demo App credentials to {output} (a new secret; the previous one no longer works).")
