"""A PIM user's OpenID consent per app (apps-and-oauth.md §2.4, §5.1): which of ``openid``,
``profile`` and ``email`` they accepted, and the stable pairwise subject ``uuid`` (the id_token's
``sub``), made once and kept across re-consents and app deletions.

Call these inside a write transaction.
"""
import uuid

from pimconnect.models import UserConsent
from pimconnect.models.structure import utcnow


def _consent(user, app_id):
    return UserConsent.get_or_none(UserConsent.user == user, UserConsent.app_id == app_id)


def consented_scopes(user, app_id):
    """The authentication scopes ``user`` consented to for the app, or None if never asked."""
    row = _consent(user, app_id)
    return None if row is None else list(row.scopes or [])


def _save_consent(user, app_id, scopes):
    """Record the consent; the pairwise subject ``uuid`` is made once and kept (§5.1)."""
    row = _consent(user, app_id)
    scopes = sorted(set(scopes))
    if row is None:
        UserConsent.create(user=user, app_id=app_id, scopes=scopes, uuid=str(uuid.uuid4()))
    elif row.scopes != scopes:
        UserConsent.update(scopes=scopes, consent_date=utcnow()).where(UserConsent.id == row.id).execute()


def needs_consent(user, app_id, requested):
    """Apply the consent rules of §2.4; True when the user must see the consent page.

    ``openid`` not requested: the stored consent is emptied. Consented scopes no longer requested
    are dropped. A new ``openid`` alone is consented silently; a new ``profile``/``email`` needs UI.
    """
    requested = set(requested)
    consented = consented_scopes(user, app_id)
    if "openid" not in requested:
        if consented:
            _save_consent(user, app_id, [])
        return False
    kept = set(consented or []) & requested
    new = requested - kept
    if new - {"openid"}:
        if consented is not None and kept != set(consented):
            _save_consent(user, app_id, kept)
        return True
    if consented is None or kept | new != set(consented):
        _save_consent(user, app_id, kept | new)
    return False


def record_on_confirm(user, app_id, requested):
    """What confirming the wizard or the consent page records: the requested scopes, when openid is one."""
    if "openid" in requested:
        _save_consent(user, app_id, requested)
    elif consented_scopes(user, app_id):
        _save_consent(user, app_id, [])
