"""System administration use cases: users, roles and their permissions, user groups.

Every write runs in one transaction and checks, before committing, that at least one enabled
user can still edit roles (otherwise nobody could ever repair the permissions again).
"""
import re

from peewee import JOIN, IntegrityError, fn

from pimconnect import permissions
from pimconnect.db import write_txn
from pimconnect.models import Role, User, UserGroup, UserGroupMember, UserRole
from pimconnect.services.access import audit
from pimconnect.services.access.auth import end_sessions
from pimconnect.services.access.passwords import hash_password, password_problem
from pimconnect.services.errors import Invalid  # noqa: F401 (re-exported for the views)

ROLE_EDIT = "pim_user_role_edit"
ALL_GROUP = "All"
LOCKOUT = ("This change would leave no enabled user able to edit roles. "
           "Give the Create and edit roles permission to another user first.")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _refuse(message, field=""):
    raise Invalid({field: message})


def _role_editors_remain():
    """Whether an enabled UI user holds a role granting pim_user_role_edit.

    Roles are few (a handful of rows), so their permission lists are read here; the users are
    counted in SQL.
    """
    role_ids = [r.id for r in Role.select(Role.id, Role.permissions) if ROLE_EDIT in (r.permissions or [])]
    if not role_ids:
        return False
    return (User.select().join(UserRole)
            .where(User.enabled, User.type == "user", UserRole.role.in_(role_ids)).exists())


def _check_no_lockout():
    if not _role_editors_remain():
        _refuse(LOCKOUT)


# -- users -------------------------------------------------------------------------------------

def users(search="", limit=100):
    """UI users (never API or app users), optionally filtered by a search on names and email."""
    query = User.select().where(User.type == "user")
    search = (search or "").strip()
    if search:
        query = query.where(User.username.contains(search) | User.email.contains(search)
                            | User.first_name.contains(search) | User.last_name.contains(search))
    return list(query.order_by(User.username).limit(limit))


def get_user(user_id):
    return User.get_or_none((User.id == user_id) & (User.type == "user"))


def assignable_roles():
    return list(Role.select().where(Role.type == "default").order_by(Role.label))


def assignable_groups():
    return list(UserGroup.select().where(UserGroup.type == "default", UserGroup.name != ALL_GROUP)
                .order_by(UserGroup.name))


def user_form(user=None):
    """The values of the user form: blank for a new user (enabled, no roles)."""
    if user is None:
        return {"username": "", "email": "", "first_name": "", "last_name": "", "enabled": True,
                "roles": [], "groups": []}
    return {
        "username": user.username, "email": user.email, "first_name": user.first_name,
        "last_name": user.last_name, "enabled": user.enabled,
        "roles": [ur.role_id for ur in UserRole.select(UserRole.role).join(Role)
                  .where(UserRole.user == user, Role.type == "default")],
        "groups": [m.group_id for m in UserGroupMember.select(UserGroupMember.group).join(UserGroup)
                   .where(UserGroupMember.user == user, UserGroup.type == "default")],
    }


def _validate_user(data, user):
    errors = {}
    for field, label, size in (("username", "Username", 100), ("email", "Email", 255),
                               ("first_name", "First name", 100), ("last_name", "Last name", 100)):
        if field in ("username", "email") and not data[field]:
            errors[field] = f"{label} is required."
        elif len(data[field]) > size:
            errors[field] = f"{label} must contain at most {size} characters."
    if data["username"] and not re.fullmatch(r"[A-Za-z0-9_.@-]+", data["username"]):
        errors["username"] = "Username may contain only letters, digits and _ . @ -"
    if data["email"] and "email" not in errors and not EMAIL_RE.match(data["email"]):
        errors["email"] = "Enter a valid email address."
    if data["password"] or user is None:
        problem = password_problem(data["password"])
        if problem:
            errors["password"] = problem
        elif data["password"] != data["password_repeat"]:
            errors["password_repeat"] = "The passwords do not match."
    for field, model, kind in (("roles", Role, "role"), ("groups", UserGroup, "group")):
        found = model.select().where(model.id.in_(data[field]), model.type == "default").count()
        if found != len(set(data[field])):
            errors[field] = f"Choose an existing {kind}."
    if not data["roles"]:
        errors["roles"] = "Choose at least one role."
    taken = User.select().where((User.username == data["username"]) | (User.email == data["email"]))
    for other in taken.where(User.id != (user.id if user else 0)):
        key = "username" if other.username == data["username"] else "email"
        errors.setdefault(key, f"This {key} is already used.")
    if errors:
        raise Invalid(errors)


def save_user(user, data, actor=audit.NOBODY):
    """Create (``user`` None) or update a user; ends their sessions when access changes."""
    _validate_user(data, user)
    with write_txn():
        before = user_form(user) if user else None
        if user is None:
            user = User(password_hash="")
        for field in ("username", "email", "first_name", "last_name", "enabled"):
            setattr(user, field, data[field])
        if data["password"]:
            user.password_hash = hash_password(data["password"])
        try:
            user.save()
        except IntegrityError:
            _refuse("This username or email is already used.", "username")
        _replace_links(user, data)
        _check_no_lockout()
        if before and (data["password"] or not data["enabled"] or set(before["roles"]) != set(data["roles"])):
            _end_sessions(user)
        _audit_user_saved(actor, user, before, data)
    return user


def _audit_user_saved(actor, user, before, data):
    """user.created, or user.updated naming the changed fields (a password only as "changed")."""
    after, target = user_form(user), {"target_user_id": user.id, "target_username": user.username}
    if before is None:
        audit.record("user.created", actor=actor, roles=_role_codes(after["roles"]), **target)
        return
    changed = [f for f in ("username", "email", "first_name", "last_name", "enabled") if before[f] != after[f]]
    changed += [f for f in ("roles", "groups") if set(before[f]) != set(after[f])]
    changed += ["password"] if data["password"] else []
    if "roles" in changed:  # a change of roles is a change of permissions: say which
        target["roles_added"] = _role_codes(set(after["roles"]) - set(before["roles"]))
        target["roles_removed"] = _role_codes(set(before["roles"]) - set(after["roles"]))
    if changed:
        audit.record("user.updated", actor=actor, changed=sorted(changed), **target)


def _role_codes(role_ids):
    return [r.code for r in Role.select(Role.code).where(Role.id.in_(list(role_ids))).order_by(Role.code)]


def _replace_links(user, data):
    # Only the links this form shows are replaced: app roles and groups are managed elsewhere.
    shown_roles = Role.select(Role.id).where(Role.type == "default")
    shown_groups = UserGroup.select(UserGroup.id).where(UserGroup.type == "default")
    UserRole.delete().where(UserRole.user == user, UserRole.role.in_(shown_roles)).execute()
    UserGroupMember.delete().where(UserGroupMember.user == user,
                                   UserGroupMember.group.in_(shown_groups)).execute()
    for role_id in sorted(set(data["roles"])):
        UserRole.create(user=user, role=role_id)
    everyone = UserGroup.get_or_none(UserGroup.name == ALL_GROUP)
    group_ids = set(data["groups"]) | ({everyone.id} if everyone else set())
    for group_id in sorted(group_ids):
        UserGroupMember.create(user=user, group=group_id)


def _end_sessions(user):
    end_sessions(user)  # write_txn nests: still inside the caller's transaction


def set_enabled(user, enabled, actor=audit.NOBODY):
    """Enable or disable a user; disabling ends their sessions and may not lock everyone out."""
    with write_txn():
        User.update(enabled=enabled).where(User.id == user.id).execute()
        if not enabled:
            _check_no_lockout()
            _end_sessions(user)
        audit.record("user.enabled" if enabled else "user.disabled", actor=actor,
                     target_user_id=user.id, target_username=user.username)
    user.enabled = enabled


# -- roles -------------------------------------------------------------------------------------

def roles():
    """Editable roles with the number of UI users holding each."""
    count = fn.COUNT(User.id).alias("user_count")
    return list(Role.select(Role, count)
                .join(UserRole, JOIN.LEFT_OUTER)
                .join(User, JOIN.LEFT_OUTER, on=((UserRole.user == User.id) & (User.type == "user")))
                .where(Role.type == "default").group_by(Role.id).order_by(Role.label))


def get_role(role_id):
    return Role.get_or_none((Role.id == role_id) & (Role.type == "default"))


def role_users(role):
    return list(User.select().join(UserRole)
                .where(UserRole.role == role, User.type == "user").order_by(User.username))


def _clean_label(label, field="label", what="Label"):
    label = (label or "").strip()
    if not label:
        _refuse(f"{what} is required.", field)
    if len(label) > 255:
        _refuse(f"{what} must contain at most 255 characters.", field)
    return label


def create_role(label, actor=audit.NOBODY):
    """Create a role without permissions; its code is derived from the label (ROLE_…)."""
    label = _clean_label(label)
    base = "ROLE_" + (re.sub(r"[^A-Z0-9]+", "_", label.upper()).strip("_") or "CUSTOM")[:80]
    with write_txn():
        if Role.select().where(fn.LOWER(Role.label) == label.lower()).exists():
            _refuse("A role with this label already exists.", "label")
        code, n = base, 1
        while Role.select().where(Role.code == code).exists():
            n += 1
            code = f"{base}_{n}"
        role = Role.create(code=code, label=label, permissions=[])
        audit.record("role.created", actor=actor, role=code)
        return role


def rename_role(role, label):
    label = _clean_label(label)
    with write_txn():
        clash = Role.select().where(fn.LOWER(Role.label) == label.lower(), Role.id != role.id).exists()
        if clash:
            _refuse("A role with this label already exists.", "label")
        Role.update(label=label).where(Role.id == role.id).execute()
    role.label = label


def section_codes(section):
    """The permission codes shown under ``section`` in the Permissions tab (KeyError if unknown)."""
    return [p.code for p in dict(permissions.by_section())[section]]


def save_section_permissions(role, section, codes, actor=audit.NOBODY):
    """Replace the role's codes of one section only; the other sections' codes are kept."""
    try:
        shown = set(section_codes(section))
    except KeyError:
        _refuse("Unknown permission section.")
    chosen = set(codes)
    if not chosen <= shown:
        _refuse("Unknown permission for this section.")
    with write_txn():
        current = Role.get_by_id(role.id).permissions or []
        kept = [c for c in current if c not in shown and c in permissions.PERMISSIONS]
        updated = [c for c in permissions.ALL_CODES if c in chosen or c in kept]
        Role.update(permissions=updated).where(Role.id == role.id).execute()
        # Permissions are read from the database on every request: no session needs ending.
        _check_no_lockout()
        added, removed = sorted(set(updated) - set(current)), sorted(set(current) - set(updated))
        if added or removed:
            audit.record("role.permissions_changed", actor=actor, role=role.code, added=added, removed=removed)
    role.permissions = updated
    return updated


def delete_role(role, actor=audit.NOBODY):
    with write_txn():
        if UserRole.select().where(UserRole.role == role.id).exists():
            _refuse("This role cannot be deleted while users have it.")
        Role.delete().where(Role.id == role.id).execute()
        audit.record("role.deleted", actor=actor, role=role.code)


# -- user groups -------------------------------------------------------------------------------

def groups():
    """Default user groups (app groups are hidden) with their member counts."""
    count = fn.COUNT(UserGroupMember.id).alias("member_count")
    return list(UserGroup.select(UserGroup, count).join(UserGroupMember, JOIN.LEFT_OUTER)
                .where(UserGroup.type == "default").group_by(UserGroup.id).order_by(UserGroup.name))


def get_group(group_id):
    return UserGroup.get_or_none((UserGroup.id == group_id) & (UserGroup.type == "default"))


def group_members(group):
    return list(User.select().join(UserGroupMember)
                .where(UserGroupMember.group == group, User.type == "user").order_by(User.username))


def _unique_group_name(name, group=None):
    name = _clean_label(name, "name", "Name")
    clash = UserGroup.select().where(fn.LOWER(UserGroup.name) == name.lower())
    if group is not None:
        clash = clash.where(UserGroup.id != group.id)
    if clash.exists():
        _refuse("A user group with this name already exists.", "name")
    return name


def create_group(name, actor=audit.NOBODY):
    with write_txn():
        group = UserGroup.create(name=_unique_group_name(name))
        audit.record("group.created", actor=actor, group=group.name)
        return group


def rename_group(group, name):
    if group.name == ALL_GROUP:
        _refuse('The "All" group cannot be renamed.', "name")
    with write_txn():
        name = _unique_group_name(name, group)
        UserGroup.update(name=name).where(UserGroup.id == group.id).execute()
    group.name = name


def delete_group(group, actor=audit.NOBODY):
    if group.name == ALL_GROUP:
        _refuse('The "All" group cannot be deleted.')
    with write_txn():
        UserGroup.delete().where(UserGroup.id == group.id).execute()
        audit.record("group.deleted", actor=actor, group=group.name)
