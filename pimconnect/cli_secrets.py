"""``flask secrets reencrypt``: rewrite every value stored encrypted with the current key (README:
"Rotating the encryption key")."""
import click
from flask import current_app
from flask.cli import AppGroup

from pimconnect.db import db


def init_app(app):
    group = AppGroup("secrets", help="Secrets stored encrypted (app client secrets, OpenID signing keys).")
    app.cli.add_command(group)

    @group.command("reencrypt")
    def reencrypt():
        """Re-encrypt every stored secret with the current key, in one transaction.

        Run it after changing PIM_ENCRYPTION_KEY (or SECRET_KEY) with the previous key listed in
        PIM_ENCRYPTION_KEY_FALLBACKS (or SECRET_KEY_FALLBACKS); then the fallback can go.
        """
        from pimconnect.services import stored_secrets

        with db.connection_context():
            count = stored_secrets.reencrypt_all(current_app.config)
        click.echo(f"Re-encrypted {count} stored secrets with the current key; "
                   "the previous keys can be removed from the fallbacks.")
