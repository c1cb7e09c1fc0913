"""Command-line tools: ``flask --app app db-upgrade``, ``seed-demo``, ``audit-purge``, ``pim generate`` …"""
import click
from flask import current_app

from pimconnect import cli_demo_app, cli_jobs, cli_openid, cli_secrets
from pimconnect.db import db


def init_app(app):
    from pimconnect import cli_apps

    cli_apps.init_app(app)

    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Apply the pending database migrations (on SQLite, after a backup next to the database file)."""
        from pimconnect import backup, migrate
        from pimconnect.services.apps import store as app_store

        with db.connection_context():
            copy = backup.before_upgrade(db.obj, migrate.pending(db.obj))
            if copy:
                click.echo(f"Backup of the database before migrating: {copy}")
            applied = migrate.upgrade(db.obj)
            listings = app_store.load_shipped()  # so an install without the demo has the App Store too
        click.echo("\n".join(f"applied: {name}" for name in applied) or "Database is up to date.")
        if listings:
            click.echo(f"App Store: {listings} shipped listings created or updated.")
        cli_openid.ensure_keys()

    @app.cli.command("seed-demo")
    @click.option("--products", default=None, type=int, help="Number of demo products (default 1000).")
    def seed_demo(products):
        """Seed the demo catalog and users if the database is empty (first start)."""
        from pimconnect.services.apps import store as app_store
        from pimconnect.services.demo import seed as demo

        count = products if products is not None else current_app.config["PIM_DEMO_PRODUCTS"]
        with db.connection_context():
            result = demo.seed_if_empty(current_app.config, products=count)
            app_store.load_shipped()
        cli_openid.ensure_keys()
        if result is None:
            click.echo("The database already holds a catalog; nothing seeded.")
            return
        click.echo(f"Seeded the demo catalog with {result.products} products.")
        for username, password in result.generated_passwords.items():
            click.echo(f"\n  Account created: username {username}, password {password}")
        if result.generated_passwords:
            click.echo("  (shown once; set PIM_ADMIN_PASSWORD / PIM_DEMO_USER_PASSWORD to choose them)\n")

    pim = click.Group("pim", help="PIM catalog tools.")
    app.cli.add_command(pim)

    @pim.command("generate")
    @click.option("--products", default=10000, type=int, help="How many products to add.")
    @click.option("--batch", default=1000, type=int, help="Products per transaction.")
    def generate(products, batch):
        """Add a large generated catalog of products to the current database."""
        from pimconnect.services.demo import generator

        with db.connection_context():
            with click.progressbar(length=products, label="Generating products") as bar:
                rate = generator.generate(products, batch=batch, progress=bar.update)
        click.echo(f"Generated {products} products ({rate:,.0f} products/s).")

    @app.cli.command("audit-purge")
    @click.option("--days", default=365, type=click.IntRange(min=0), show_default=True,
                  help="Keep the security events of the last DAYS days.")
    def audit_purge(days):
        """Delete the security audit events older than --days days."""
        from pimconnect.services.access import audit

        with db.connection_context():
            deleted = audit.purge(older_than_days=days)
        click.echo(f"Deleted {deleted} security events older than {days} days.")

    cli_demo_app.init_app(app)
    cli_jobs.init_app(app)
    cli_openid.init_app(app)
    cli_secrets.init_app(app)
