"""The notification bell: the list of the current user's notifications and marking them read."""
from flask import Blueprint, url_for
from flask_login import current_user

from pimconnect.htmx import redirect_to, render
from pimconnect.permissions import login_only
from pimconnect.services import notifications

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _unread():
    """``unread_notifications()`` for the header bell (one count query, only when a page asks)."""
    def unread_notifications():
        return notifications.unread_count(current_user) if current_user.is_authenticated else 0
    return {"unread_notifications": unread_notifications}


@bp.get("/")
@login_only
def index():
    """List the current user's latest notifications, unread first in bold."""
    return render("notifications/index.html", items=notifications.latest(current_user))


@bp.post("/read")
@login_only
def mark_all_read():
    """Mark every notification of the current user as read."""
    notifications.mark_read(current_user)
    return redirect_to(url_for("notifications.index"))


@bp.post("/<int:notification_id>/read")
@login_only
def mark_read(notification_id):
    """Mark one of the current user's notifications as read."""
    notifications.mark_read(current_user, notification_id)
    return redirect_to(url_for("notifications.index"))
