"""The notification bell: sending to permission holders, the list, the unread count, mark as read."""
from pimconnect.db import write_txn
from pimconnect.models import Notification, User
from pimconnect.services import notifications

MANAGE_APPS = "akeneo_connectivity_connection_manage_apps"


def _send_to_app_managers(app, message="The Shop App requires an authorization update. Please open the app to proceed."):
    with app.app_context():
        return notifications.notify_permission_holders(
            MANAGE_APPS, message, level="warning", subject="Shop", link="/connect/connected-apps/app_x/open",
            action_label="Open App")


def test_only_holders_of_the_permission_are_notified(seeded_app, conn):
    """Admin can manage apps and gets it; julia cannot and does not."""
    assert _send_to_app_managers(seeded_app) == 1
    [row] = Notification.select()
    assert row.user.username == "admin"
    assert (row.level, row.subject, row.action_label) == ("warning", "Shop", "Open App")


def test_api_users_are_never_notified(seeded_app, conn):
    """An app or API user holding the permission in a role does not get notifications."""
    from pimconnect.models import Role, UserRole
    with write_txn():
        user = User.create(username="app_bot", email="bot@example.com", password_hash="x", type="app")
        UserRole.create(user=user, role=Role.get(Role.code == "ROLE_ADMINISTRATOR"))
    _send_to_app_managers(seeded_app)
    assert [n.user.username for n in Notification.select()] == ["admin"]


def test_bell_shows_the_unread_count_and_the_list_renders_the_subject_in_bold(admin, seeded_app):
    """The header bell counts unread notifications; the list shows them with their action."""
    page = admin.client.get("/").get_data(as_text=True)
    assert '<span class="visually-hidden">Notifications</span>' in page
    assert "&#128276;" not in page and "\U0001f514" not in page  # the emoji needs an emoji font: an SVG instead
    _send_to_app_managers(seeded_app)
    page = admin.client.get("/").get_data(as_text=True)
    assert '<span class="visually-hidden">Notifications: 1 unread</span>' in page
    listing = admin.client.get("/notifications/").get_data(as_text=True)
    assert "The <strong>Shop</strong> App requires an authorization update. Please open the app to proceed." in listing
    assert 'href="/connect/connected-apps/app_x/open" target="_blank" rel="noopener">Open App</a>' in listing


def test_action_link_and_mark_read(admin, seeded_app, conn):
    """The action is a link to its page; marking one as read leaves the others unread."""
    _send_to_app_managers(seeded_app)
    _send_to_app_managers(seeded_app, "Second message")
    first, second = Notification.select().order_by(Notification.id)
    assert admin.post(f"/notifications/{first.id}/read").status_code == 303
    assert Notification.get_by_id(first.id).read is True and Notification.get_by_id(second.id).read is False
    assert '<span class="visually-hidden">Notifications: 1 unread</span>' in admin.client.get("/").get_data(as_text=True)
    assert admin.post("/notifications/read").status_code == 303
    assert Notification.select().where(Notification.read == False).count() == 0  # noqa: E712
    assert '<span class="visually-hidden">Notifications</span>' in admin.client.get("/").get_data(as_text=True)


def test_users_only_touch_their_own_notifications(julia, seeded_app, conn):
    """Julia cannot mark admin's notification as read, nor see it."""
    _send_to_app_managers(seeded_app)
    row = Notification.get()
    assert julia.post(f"/notifications/{row.id}/read").status_code == 303
    assert Notification.get_by_id(row.id).read is False
    assert "Shop" not in julia.client.get("/notifications/").get_data(as_text=True)
    assert "You have no notifications." in julia.client.get("/notifications/").get_data(as_text=True)


def test_marking_read_needs_the_csrf_token(admin, seeded_app, conn):
    """A cross-site POST without the token changes nothing."""
    _send_to_app_managers(seeded_app)
    row = Notification.get()
    assert admin.client.post(f"/notifications/{row.id}/read").status_code == 400
    assert Notification.get_by_id(row.id).read is False
