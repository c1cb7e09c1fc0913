"""The authorize request's parameters and their errors (apps-and-oauth.md §3.2.1 step 5, then D6, D21,
D22, and the OpenID nonce): read by ``services.apps.connect``, shown on the PIM's own error page, never sent to the app.
"""
import re

from pimconnect.services.apps import scopes as app_scopes

SUPPORT_HINT = "Please, contact the App support."
MAX_NONCE_LENGTH = 255  # the column's size; OpenID sets no limit, real nonces are a few dozen characters
ERRORS = {
    "app_not_found": "The client_id does not match any existing app.",
    "client_id_required": "The client_id is required.",
    "invalid_client": "The client_id does not match any known client.",
    "response_type_required": "The response_type is required.",
    "invalid_response_type": 'The response_type must be "code".',
    "scope_too_long": f"The scope list must not contain more than {app_scopes.MAX_SCOPE_LENGTH} characters.",
    # PIM Connect decisions D22 (redirect_uri must equal the registered callback) and D21 (S256 only)
    "redirect_uri_mismatch": "The redirect_uri does not match the callback URL registered for this app.",
    "invalid_code_challenge_method": 'The code_challenge_method must be "S256".',
    "invalid_code_challenge": "The code_challenge must be 43 to 128 characters among A-Z, a-z, 0-9 and -._~",
    # OpenID: the nonce is kept with the code to be echoed in the id_token (issue 15)
    "nonce_too_long": f"The nonce must not contain more than {MAX_NONCE_LENGTH} characters.",
    # The authorization server serves apps over https only, or on loopback (checklist A31)
    "insecure_transport": "Apps connect to this PIM over https only: its address (PIM_URL) must start with https://.",
}
GENERIC_ERROR = "Sorry, an error occurred while connecting the App."
PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


def error_message(key):
    """The sentence of an authorize error key (a reference translation key is accepted too)."""
    return ERRORS.get(str(key or "").rsplit(".", 1)[-1], GENERIC_ERROR)


STRICT_PARAMS = frozenset({"redirect_uri", "code_challenge", "code_challenge_method"})


def single(params, name):
    """The parameter's first value; a repeated ``redirect_uri`` or PKCE one is invalid (False)."""
    values = params.getlist(name) if hasattr(params, "getlist") else [params.get(name)]
    values = [v for v in values if v is not None]
    if len(values) > 1 and name in STRICT_PARAMS:
        return False
    return values[0] if values else None


def validate(app, params):
    """The first validation error key of the request (§3.2.1 step 5, then D6, D21 and the nonce), or None."""
    response_type = single(params, "response_type")
    if not response_type:
        return "response_type_required"
    if response_type != "code":
        return "invalid_response_type"
    scope = single(params, "scope")
    if len(scope or "") > app_scopes.MAX_SCOPE_LENGTH:
        return "scope_too_long"
    redirect_uri = single(params, "redirect_uri")
    if redirect_uri is not None and redirect_uri != app.callback_url:  # exact string match (A1)
        return "redirect_uri_mismatch"
    challenge, method = single(params, "code_challenge"), single(params, "code_challenge_method")
    if challenge is not None or method is not None:
        if method != "S256":  # "plain", or no method (which means plain, RFC 7636 §4.3)
            return "invalid_code_challenge_method"
        if not isinstance(challenge, str) or not PKCE_VALUE.fullmatch(challenge):
            return "invalid_code_challenge"
    if len(single(params, "nonce") or "") > MAX_NONCE_LENGTH:
        return "nonce_too_long"
    return None
