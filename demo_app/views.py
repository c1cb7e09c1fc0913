"""The Demo App's pages: status (/), activate (/activate) and the OAuth callback (/callback).
The catalog's pages are in ``catalog_views``."""
import hmac
import secrets
import urllib.parse

from flask import Blueprint, current_app, redirect, render_template, request, session

from demo_app import catalog_views, config, pim, storage

bp = Blueprint("demo", __name__)

API_CHANNELS = "/api/rest/v1/channels"
API_PRODUCTS = "/api/rest/v1/products-uuid"


def valid_pim_url(value):
    """``value`` without its trailing slash when it is a plain http(s) base URL this app accepts, else None.

    With DEMO_APP_PIM_URL set, only that PIM is accepted, so /activate cannot send browsers anywhere
    else (an open redirector).
    """
    if not value or len(value) > 2000:
        return None
    parts = urllib.parse.urlsplit(value)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password
            or parts.query or parts.fragment or any(c.isspace() or ord(c) < 32 for c in value)):
        return None
    url = value.rstrip("/")
    expected = current_app.config["DEMO_APP_PIM_URL"]
    if expected and url != expected:
        return None
    return url


def _problem(message, status=400):
    return render_template("problem.html", message=message), status


@bp.get("/activate")
def activate():
    """Start the connection: remember pim_url and a random state, then ask the PIM for authorization."""
    pim_url = valid_pim_url(request.args.get("pim_url", ""))
    if pim_url is None:
        return _problem("This link does not come from a PIM this app can connect to (missing or unexpected pim_url).")
    state = secrets.token_urlsafe(32)
    session["pim_url"], session["oauth_state"] = pim_url, state
    query = urllib.parse.urlencode({"response_type": "code", "client_id": current_app.config["DEMO_APP_CLIENT_ID"],
                                    "scope": config.SCOPES, "state": state})
    return redirect(f"{pim_url}/connect/apps/v1/authorize?{query}")


@bp.get("/callback")
def callback():
    """Finish the connection: check state, exchange the code, verify the id_token, store the token."""
    expected_state, pim_url = session.pop("oauth_state", None), session.get("pim_url")
    state, code = request.args.get("state", ""), request.args.get("code", "")
    if not expected_state or not pim_url or not hmac.compare_digest(state.encode(), expected_state.encode()):
        return _problem("This callback does not match a connection started here (wrong or expired state). "
                        "Connect the app again from the PIM's App Store.")
    if not code:
        return _problem("The PIM sent no authorization code.")
    if "iss" in request.args and request.args["iss"] != pim_url:
        # RFC 9207: PIM Connect names itself in the callback; a code from another server is not exchanged.
        return _problem("This authorization code was not issued by the PIM this connection was started with.")
    client_id, client_secret = config.credentials(current_app.config)
    if not client_secret:
        return _problem("The Demo App has no client secret yet: run `flask --app app apps demo-credentials "
                        "--output demo_app/instance/credentials.json` in the PIM (make run does it).", 500)
    timeout = current_app.config["DEMO_APP_HTTP_TIMEOUT"]
    try:
        answer = pim.exchange_code(pim_url, client_id, client_secret, code, timeout=timeout)
        user = _user_from(answer, pim_url, client_id, timeout)
    except pim.PimError as error:
        return _problem(str(error), 502)
    storage.save_connection(pim_url, answer["access_token"], str(answer.get("scope", "")), user)
    catalog_views.set_up_catalog(storage.connection(pim_url), timeout)
    session["sub"], session["signed_in"] = (user["sub"] if user else None), True
    return redirect("/")


def _user_from(answer, pim_url, client_id, timeout):
    """The connecting user's sub and name from the verified id_token, or None when none was sent."""
    if not answer.get("id_token"):
        return None
    certificate = pim.openid_public_key(pim_url, timeout=timeout)
    claims = pim.verify_id_token(answer["id_token"], certificate, issuer=pim_url, audience=client_id)
    return {"sub": claims["sub"], "firstname": claims.get("firstname"), "lastname": claims.get("lastname"),
            "email": claims.get("email")}


def signed_in_connection():
    """This PIM's connection, for the browser that went through the PIM's authorization; else None.

    The PIM's data is only shown to a browser that went through the PIM's authorization (Connect,
    or Open app for a connected app): this app has no accounts of its own.
    """
    pim_url = session.get("pim_url") if session.get("signed_in") else None
    return storage.connection(pim_url) if pim_url else None


@bp.get("/")
def index():
    """Where the app stands: not connected, or connected with what it can read from the PIM."""
    expected_pim = current_app.config["DEMO_APP_PIM_URL"]
    connection = signed_in_connection()
    if connection is None:
        return render_template("index.html", connection=None, elsewhere=storage.latest_connection(), user=None,
                               channels=None, products=None, errors={}, expected_pim=expected_pim, catalog=None)
    user = storage.user(connection["pim_url"], session["sub"]) if session.get("sub") else None
    channels, products, errors = _read_channels_and_products(connection)
    return render_template("index.html", connection=connection, elsewhere=None, user=user, channels=channels,
                           products=products, errors=errors, expected_pim=expected_pim,
                           catalog=catalog_views.summary(connection))


def _read_channels_and_products(connection):
    """The channels and a first page of products, each with its own polite error."""
    timeout, errors = current_app.config["DEMO_APP_HTTP_TIMEOUT"], {}
    channels = products = None
    try:
        body = pim.api_get(connection["pim_url"], connection["access_token"], API_CHANNELS, timeout=timeout)
        channels = [_channel_row(item) for item in _items(body)]
    except pim.PimError as error:
        errors["channels"] = str(error)
    try:
        body = pim.api_get(connection["pim_url"], connection["access_token"], API_PRODUCTS,
                           {"limit": 10}, timeout=timeout)
        products = [product_row(item) for item in _items(body)]
    except pim.PimError as error:
        errors["products"] = str(error)
    return channels, products, errors


def _items(body):
    items = (body or {}).get("_embedded", {}).get("items", []) if isinstance(body, dict) else []
    return [item for item in items if isinstance(item, dict)]


def _channel_row(item):
    labels = item.get("labels") if isinstance(item.get("labels"), dict) else {}
    return {"code": str(item.get("code", "")), "label": labels.get("en_US") or next(iter(labels.values()), ""),
            "locales": ", ".join(map(str, item.get("locales") or []))}


def first_text(values, code):
    """The first scalar value of attribute ``code`` (en_US preferred), or an empty string."""
    entries = values.get(code) if isinstance(values.get(code), list) else []
    entries = sorted((e for e in entries if isinstance(e, dict)), key=lambda e: e.get("locale") not in (None, "en_US"))
    for entry in entries:
        if isinstance(entry.get("data"), (str, int, float)):
            return str(entry["data"])
    return ""


def product_row(item):
    values = item.get("values") if isinstance(item.get("values"), dict) else {}
    identifier = item.get("identifier") or first_text(values, "sku") or first_text(values, "identifier")
    return {"uuid": str(item.get("uuid", "")), "identifier": str(identifier or ""),
            "name": first_text(values, "name"), "family": str(item.get("family") or ""),
            "enabled": bool(item.get("enabled"))}
