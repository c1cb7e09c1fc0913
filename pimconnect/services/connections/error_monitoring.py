"""Error monitoring (reference apps-and-oauth.md §9.5): the business errors a connection's REST API
product writes meet (validation and domain errors), kept per connection in the database instead
of Elasticsearch (decision D11). The app page shows the last 100 of the last 7 days; every insert
purges beyond 100 errors or 8 days for that connection.
"""
import datetime
import json

from pimconnect.db import write_txn
from pimconnect.models import BusinessError, Connection
from pimconnect.models.structure import utcnow

SHOWN = 100
SHOWN_DAYS = 7
KEPT = 100
KEPT_DAYS = 8
ONLY_SOURCE = "For now, monitoring page is only available for source app."
UNMONITORED = "Unmonitored app — To track errors on this app, activate monitoring in the settings."


def _errors_of(body):
    """(message, details) pairs of a reference error body: "Validation failed." lists its errors."""
    if not isinstance(body, dict) or not body.get("message"):
        return []
    details = body.get("errors")
    if isinstance(details, list) and details:
        return [(str(e.get("message") or body["message"]), e) for e in details if isinstance(e, dict)]
    return [(str(body["message"]), None)]


DETAIL_KEYS = ("property", "attribute", "locale", "scope", "currency")


def _text(value, limit):
    """Text any database stores: no NUL character, no lone surrogate (an API client may send both)."""
    if value is None:
        return None
    text = str(value).replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return text[:limit]


def _details(details):
    if not isinstance(details, dict):
        return None
    return {key: _text(details[key], 255) for key in DETAIL_KEYS if key in details}


def record(connection_id, bodies, product=None):
    """Store the errors of ``bodies`` (reference error bodies) for the connection, then purge."""
    return record_many(connection_id, [(body, product) for body in bodies])


def record_many(connection_id, refusals):
    """Store the errors of every ``(body, product)`` refusal with one INSERT and one purge, in one
    transaction: a batch of refused lines costs what a batch of created ones does (issue 16)."""
    rows = [{"connection": connection_id, "message": _text(message, 2000), "product": _text(product, 255) or None,
             "content": _details(details)}
            for body, product in refusals for message, details in _errors_of(body)]
    if not rows:
        return 0
    with write_txn():
        BusinessError.insert_many(rows).execute()
        purge(connection_id)
    return len(rows)


def purge(connection_id):
    """Keep the connection's newest 100 errors of the last 8 days."""
    cutoff = utcnow() - datetime.timedelta(days=KEPT_DAYS)
    newest = (BusinessError.select(BusinessError.id).where(BusinessError.connection == connection_id)
              .order_by(BusinessError.created.desc(), BusinessError.id.desc()).limit(KEPT))
    with write_txn():
        return (BusinessError.delete()
                .where(BusinessError.connection == connection_id,
                       (BusinessError.created < cutoff) | BusinessError.id.not_in(newest))
                .execute())


def last_errors(connection_id):
    """The newest 100 errors of the last 7 days, newest first."""
    cutoff = utcnow() - datetime.timedelta(days=SHOWN_DAYS)
    return list(BusinessError.select().where(BusinessError.connection == connection_id,
                                             BusinessError.created >= cutoff)
                .order_by(BusinessError.created.desc(), BusinessError.id.desc()).limit(SHOWN))


def monitoring_message(connection):
    """None when the tab shows errors, else the reference's message for why it does not."""
    if connection.flow_type != "data_source":
        return ONLY_SOURCE
    if not connection.auditable:
        return UNMONITORED
    return None


def record_response(client_id, status, body_bytes, is_batch, product=None):
    """Record what an API product write answered: a 422 body, or the 422 lines of a batch (a batch
    without one costs no query)."""
    bodies = []
    if is_batch and status == 200:
        for line in body_bytes.decode("utf-8", "replace").splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and item.get("status_code") == 422:
                bodies.append(item)
    elif status == 422:
        try:
            bodies.append(json.loads(body_bytes))
        except ValueError:
            return 0
    if not bodies:
        return 0
    connection = Connection.select(Connection.id).where(Connection.client == client_id).first()
    if connection is None:
        return 0
    if is_batch:
        return record_many(connection.id, [(b, str(b.get("identifier") or b.get("uuid") or "")) for b in bodies])
    return record(connection.id, bodies, product=product)
