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

    @group.command("discard-unreadable")
    @click.confirmation_option(prompt="Delete the OpenID keys and replace the app secrets no key can decrypt?")
    def discard_unreadable():
        """After losing the previous key: delete what no key decrypts (README: "Rotating the encryption key").

        Run it through the app built without the start-up check, which would refuse:
        flask --app 'pimconnect:create_app({"PIM_CHECK_STORED_SECRETS": False})' secrets discard-unreadable
        """
        from pimconnect.services import stored_secrets
        from pimconnect.services.apps import openid

        with db.connection_context():
            count = stored_secrets.discard_unreadable(current_app.config)
            openid.ensure_keys()
        click.echo(f"Discarded {count} unreadable secrets. Give the apps concerned new secrets "
                   "(flask apps register --secret-stdin; Regenerate for custom apps).")
