"""``flask openid rotate-keys``: a new OpenID signing key (reference §5.3, decision D23)."""
import click

from pimconnect.db import db


def init_app(app):
    group = click.Group("openid", help="OpenID Connect signing keys.")
    app.cli.add_command(group)

    @group.command("rotate-keys")
    def rotate_keys():
        """Sign id_tokens with a new key; the previous key stays in the JWKS for 24 hours."""
        from pimconnect.services.apps import openid

        with db.connection_context():
            key = openid.rotate_keys()
        click.echo(f"New OpenID signing key: {key.kid}")


def ensure_keys():
    """Create the OpenID signing key at install if there is none (db-upgrade, seed-demo)."""
    from pimconnect.services.apps import openid

    with db.connection_context():
        openid.ensure_keys()
