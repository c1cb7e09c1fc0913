"""Configuration: defaults, then PIM_* environment variables, then the test overrides."""
import os
import secrets
from pathlib import Path
from urllib.parse import unquote

DEV_ENVS = {"development", "test"}


class ConfigError(RuntimeError):
    """The configuration cannot start a safe server."""


def _bool(value):
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def _list(value):
    """A comma-separated variable as a list of its non-empty items."""
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def from_environment(instance_path, env=os.environ):
    """Build the settings dict from the environment; nothing here touches the app."""
    mode = env.get("PIM_ENV", "production")
    config = {
        "PIM_ENV": mode,
        "PIM_URL": env.get("PIM_URL", "http://127.0.0.1:8080").rstrip("/"),
        "PIM_EDITION": env.get("PIM_EDITION", "ee").lower(),
        "PIM_VERSION": env.get("PIM_VERSION", "7.0.0"),
        "DATABASE_URL": env.get("DATABASE_URL")
        or "sqlite:///" + str(Path(instance_path) / "pimconnect.sqlite3"),
        "SECRET_KEY": env.get("SECRET_KEY"),
        "PIM_ENCRYPTION_KEY": env.get("PIM_ENCRYPTION_KEY"),
        # Former keys that still decrypt until `flask secrets reencrypt` (Flask also checks session
        # cookies against SECRET_KEY_FALLBACKS, so logged-in users stay logged in meanwhile).
        "PIM_ENCRYPTION_KEY_FALLBACKS": _list(env.get("PIM_ENCRYPTION_KEY_FALLBACKS")),
        "SECRET_KEY_FALLBACKS": _list(env.get("SECRET_KEY_FALLBACKS")),
        "PIM_ADMIN_PASSWORD": env.get("PIM_ADMIN_PASSWORD"),
        "PIM_DEMO_USER_PASSWORD": env.get("PIM_DEMO_USER_PASSWORD"),
        "PIM_DB_BUSY_TIMEOUT_MS": int(env.get("PIM_DB_BUSY_TIMEOUT_MS", "10000")),
        "PIM_DB_POOL_SIZE": int(env.get("PIM_DB_POOL_SIZE", "20")),
        "PIM_GC_FREEZE": env.get("PIM_GC_FREEZE", "1") != "0",
        "PIM_MAX_CONNECTIONS": int(env.get("PIM_MAX_CONNECTIONS", "50")),
        "PIM_MAX_CUSTOM_APPS": int(env.get("PIM_MAX_CUSTOM_APPS", "20")),
        "PIM_AUTH_CODE_SECONDS": int(env.get("PIM_AUTH_CODE_SECONDS", "30")),
        # A connection's refresh tokens rotate; none outlives this, counted from the password grant.
        "PIM_REFRESH_TOKEN_MAX_SECONDS": int(env.get("PIM_REFRESH_TOKEN_MAX_SECONDS", str(30 * 24 * 3600))),
        "PIM_DEMO_APP_URL": env.get("PIM_DEMO_APP_URL", "http://127.0.0.1:8081").rstrip("/"),
        "PIM_LOGIN_MAX_FAILURES": int(env.get("PIM_LOGIN_MAX_FAILURES", "5")),
        "PIM_LOGIN_LOCK_SECONDS": int(env.get("PIM_LOGIN_LOCK_SECONDS", "300")),
        # How many reverse proxies in front of the server add X-Forwarded-For / -Proto (0: trust none, so a
        # client cannot fake its address; behind one proxy left at 0 every client shares the proxy's).
        "PIM_PROXY_COUNT": int(env.get("PIM_PROXY_COUNT", "0")),
        "PIM_SEED_DEMO": _bool(env.get("PIM_SEED_DEMO", "0")),
        "PIM_DEMO_PRODUCTS": int(env.get("PIM_DEMO_PRODUCTS", "1000")),
        # Run queued jobs in the request that queued them, after its commit (no worker needed; a
        # channel change then waits for the whole catalog's recompute): for tests and tiny set-ups.
        "PIM_JOBS_IMMEDIATE": _bool(env.get("PIM_JOBS_IMMEDIATE", "0")),
        # A running job whose worker has not committed a chunk for this long is resumed by another.
        "PIM_JOBS_STALE_SECONDS": int(env.get("PIM_JOBS_STALE_SECONDS", "120")),
        # Product pages written from each product's stored API text (services/products/rest_text); 0 renders
        # every page from the documents instead (the same bytes, slower): a switch to rule the path out.
        "PIM_API_STORED_VALUES": _bool(env.get("PIM_API_STORED_VALUES", "1")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        # The largest upload an attribute allows (10 MB) plus room for the rest of the form.
        "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,
        # Host header allow-list (Flask 3.1): links and the issuer never come from an unchecked Host.
        "TRUSTED_HOSTS": [h.strip() for h in env["PIM_TRUSTED_HOSTS"].split(",")] if env.get("PIM_TRUSTED_HOSTS") else None,
    }
    secure = config["PIM_URL"].startswith("https://")
    config["SESSION_COOKIE_SECURE"] = secure
    config["REMEMBER_COOKIE_SECURE"] = secure
    if secure:
        config["SESSION_COOKIE_NAME"] = "__Host-session"
    return config


def ensure_secret_key(config, instance_path):
    """Refuse to run without a strong SECRET_KEY, except in development and tests.

    In development a random key is generated once and kept in the instance folder, so that
    sessions survive a restart of ``make run``.
    """
    key = config.get("SECRET_KEY")
    if key:
        if len(key) < 32 and config["PIM_ENV"] not in DEV_ENVS:
            raise ConfigError("SECRET_KEY must be at least 32 characters long.")
        return key
    if config["PIM_ENV"] not in DEV_ENVS:
        raise ConfigError(
            "SECRET_KEY is not set. Generate one with "
            "`python -c 'import secrets; print(secrets.token_hex(32))'` and export it."
        )
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def ensure_database_folder(config, instance_path):
    """Create the instance folder when the SQLite file lives there; refuse a SQLite path in a missing folder.

    The instance folder is the PIM's own (the default database and the development key live
    there), so it is created on first start whatever the environment. Any other folder is the
    operator's: a missing one is far more often a mistyped URL (``sqlite:///var/pim.db`` is the
    relative path ``var/pim.db``; an absolute path takes four slashes) than a wish, and creating it
    would start the PIM on a new, empty database somewhere unexpected. So that one is an error that
    shows the path the URL resolved to.
    """
    url = config["DATABASE_URL"]
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return
    folder = Path(unquote(url[len("sqlite:///"):])).resolve().parent
    if folder == Path(instance_path).resolve():
        folder.mkdir(parents=True, exist_ok=True)
    elif not folder.is_dir():
        raise ConfigError(
            f"DATABASE_URL names a SQLite file in {folder}, which does not exist. Create that folder "
            "or fix the URL (sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3)."
        )
