"""In-app notifications: send to users, list, count unread, mark as read.

Other features call ``notify_permission_holders`` (e.g. "The <app> App requires an authorization
update." to every user who can manage apps); the header shows the unread count.
"""
from pimconnect.db import write_txn
from pimconnect.models import Notification, Role, User, UserRole

PAGE_SIZE = 50


def notify(users, message, level="info", subject=None, link=None, action_label=None):
    """Add one notification per user; call inside the caller's transaction or on its own."""
    rows = [{"user": user.id if hasattr(user, "id") else user, "level": level, "message": message,
             "subject": subject, "link": link, "action_label": action_label} for user in users]
    if rows:
        with write_txn():
            Notification.insert_many(rows).execute()
    return len(rows)


def holders_of(permission):
    """Enabled human users whose roles grant ``permission`` (app and API users never get notifications)."""
    users = (User.select(User, Role.permissions).join(UserRole).join(Role)
             .where(User.enabled == True, User.type == "user").objects())  # noqa: E712
    seen = {}
    for user in users:
        if permission in (user.permissions or []):
            seen[user.id] = user
    return list(seen.values())


def notify_permission_holders(permission, message, **kwargs):
    return notify(holders_of(permission), message, **kwargs)


def unread_count(user):
    return Notification.select().where(Notification.user == user.id, Notification.read == False).count()  # noqa: E712


def latest(user, limit=PAGE_SIZE):
    return list(Notification.select().where(Notification.user == user.id)
                .order_by(Notification.created.desc(), Notification.id.desc()).limit(limit))


def mark_read(user, notification_id=None):
    """Mark one of the user's notifications (or all of them) as read; returns how many changed."""
    query = Notification.update(read=True).where(Notification.user == user.id, Notification.read == False)  # noqa: E712
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    with write_txn():
        return query.execute()
