"""Shared test factories: logged-in users with given permissions, and products."""
import uuid

from pimconnect import permissions as permission_registry
from pimconnect.db import db, write_txn
from pimconnect.models import Product, Role, User, UserGroup, UserGroupMember, UserRole
from pimconnect.services.access import group_permissions
from pimconnect.services.access.passwords import hash_password
from pimconnect.services.products.writes import save_product
from tests.conftest import Auth


def login_with(app, permissions, everything=True):
    """A fresh client logged in as a new user whose only role holds exactly ``permissions``; in the group
    "All" (every EE right, as a user made through the user form) unless ``everything`` is False (then
    in no group: it sees only uncategorized products until given a group)."""
    name = f"user_{uuid.uuid4().hex[:8]}"
    with db.connection_context():
        with write_txn():
            role = Role.create(code=f"ROLE_{name.upper()}", label=name, permissions=list(permissions))
            user = User.create(username=name, email=f"{name}@example.com", password_hash=hash_password("pw-" + name))
            UserRole.create(user=user, role=role)
            everyone = UserGroup.get_or_none(UserGroup.name == "All") if everything else None
            if everyone is None and everything:  # a migrated database without the demo users: a fresh install's "All"
                everyone = UserGroup.create(name="All")
                group_permissions.grant_everything(everyone.id)
            if everyone is not None:
                UserGroupMember.create(user=user, group=everyone)
    auth = Auth(app.test_client())
    assert auth.login(name, "pw-" + name).status_code == 303
    auth.username = name
    return auth


def login_without(app, *missing):
    """A fresh client logged in as a new user whose only role holds every permission but ``missing``."""
    return login_with(app, [c for c in permission_registry.ALL_CODES if c not in missing])


def make_product(identifier, family="hats", **data):
    """A product saved through the write service in a connection of its own."""
    with db.connection_context():
        return save_product({"identifier": identifier, "family": family, **data})


def fetch_product(product):
    """The product's current row, read in a connection of its own."""
    with db.connection_context():
        return Product.get_by_id(product.uuid)
