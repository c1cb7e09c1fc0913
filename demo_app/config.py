"""The Demo App's settings: environment first, then ``instance/credentials.json`` for the client secret."""
import json
import os
import secrets
from pathlib import Path

# The Demo App's listing id in PIM Connect's App Store, which is also its OAuth client id.
DEFAULT_CLIENT_ID = "7f3c1d2e-5b6a-4c8d-9e0f-1a2b3c4d5e6f"

# What the Demo App asks for (issue 4, "The Demo App"): read the catalog, manage its catalogs, and
# know who connected it (OpenID profile and email).
SCOPES = ("read_products read_catalog_structure read_attribute_options read_categories read_channel_settings "
          "read_channel_localization read_catalogs write_catalogs delete_catalogs openid profile email")


def from_environment(instance, env=os.environ):
    """Settings from DEMO_APP_* variables; the secret may instead come from the credentials file."""
    return {
        "DEMO_APP_CLIENT_ID": env.get("DEMO_APP_CLIENT_ID", DEFAULT_CLIENT_ID),
        "DEMO_APP_CLIENT_SECRET": env.get("DEMO_APP_CLIENT_SECRET"),
        "DEMO_APP_CREDENTIALS_FILE": env.get("DEMO_APP_CREDENTIALS_FILE", str(instance / "credentials.json")),
        # The PIM this app accepts pim_url from; empty accepts any http(s) PIM (a multi-tenant app).
        "DEMO_APP_PIM_URL": env.get("DEMO_APP_PIM_URL", "http://127.0.0.1:8080").rstrip("/"),
        "DEMO_APP_DATABASE": env.get("DEMO_APP_DATABASE", str(instance / "demo_app.sqlite3")),
        "DEMO_APP_HTTP_TIMEOUT": float(env.get("DEMO_APP_HTTP_TIMEOUT", "15")),
        "SECRET_KEY": env.get("DEMO_APP_SECRET_KEY"),
        # The PIM usually runs on the same host (another port) and cookies ignore ports: a name of
        # its own keeps the Demo App's session from overwriting the PIM's.
        "SESSION_COOKIE_NAME": "demo_app_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


def ensure_secret_key(config, instance):
    """Use DEMO_APP_SECRET_KEY, or a random key generated once in ``instance/secret_key`` (mode 0600)."""
    if config.get("SECRET_KEY"):
        return
    path = Path(instance) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    config["SECRET_KEY"] = path.read_text().strip()


def credentials(config):
    """(client_id, client_secret or None): the environment wins, then the file ``flask apps demo-credentials`` wrote."""
    client_id, secret = config["DEMO_APP_CLIENT_ID"], config.get("DEMO_APP_CLIENT_SECRET")
    if secret:
        return client_id, secret
    path = Path(config["DEMO_APP_CREDENTIALS_FILE"])
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return client_id, None
    if not isinstance(data, dict) or not isinstance(data.get("client_secret"), str):
        return client_id, None
    return str(data.get("client_id") or client_id), data["client_secret"]
