"""System: users, roles (with the Permissions tab) and user groups."""
from flask import Blueprint, abort, current_app, flash, request, url_for
from flask_login import current_user

from pimconnect import permissions
from pimconnect.htmx import current_actor, redirect_to, refused_status, render
from pimconnect.permissions import login_only, require
from pimconnect.security import log_in
from pimconnect.services.access import group_permissions
from pimconnect.services.access import users as service

bp = Blueprint("system", __name__, url_prefix="/system")
ROLE_TABS = ("general", "permissions", "users")


def _found(obj):
    if obj is None:
        abort(404)
    return obj


@bp.route("/")
@login_only
def index():
    """List the system areas the user may open."""
    return render("system/index.html")


# -- users -------------------------------------------------------------------------------------

@bp.get("/users")
@require("pim_user_user_index")
def users():
    """List the users, filtered by the search box."""
    search = request.args.get("q", "")[:100]
    return render("system/users.html", users=service.users(search), q=search)


def _user_data(form):
    data = {k: form.get(k, "").strip() for k in ("username", "email", "first_name", "last_name")}
    data.update(password=form.get("password", ""), password_repeat=form.get("password_repeat", ""),
                enabled=form.get("enabled") == "1",
                roles=form.getlist("roles", type=int), groups=form.getlist("groups", type=int))
    return data


def _user_page(user, values, errors=None, status=200):
    return render("system/user_form.html", status=status, user=user, values=values, errors=errors or {},
                  roles=service.assignable_roles(), groups=service.assignable_groups())


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@require("pim_user_user_edit")
def edit_user(user_id=None):
    """Show the user form, or create / update the user (password change optional on update)."""
    user = _found(service.get_user(user_id)) if user_id else None
    if request.method == "GET":
        return _user_page(user, service.user_form(user))
    data = _user_data(request.form)
    try:
        saved = service.save_user(user, data, current_actor())
    except service.Invalid as refused:
        return _user_page(user, data, refused.errors, refused_status())
    if saved.id == current_user.id and saved.enabled:
        log_in(service.get_user(saved.id))  # keep this session; the others were ended
    flash(f"User {saved.username} saved.", "success")
    return redirect_to(url_for("system.edit_user", user_id=saved.id))


@bp.post("/users/<int:user_id>/status")
@require("pim_user_user_edit")
def user_status(user_id):
    """Enable or disable a user; disabling logs them out everywhere."""
    user = _found(service.get_user(user_id))
    enabled = request.form.get("enabled") == "1"
    if not enabled and user.id == current_user.id:
        flash("You cannot disable your own account.", "error")
    else:
        try:
            service.set_enabled(user, enabled, current_actor())
        except service.Invalid as refused:
            flash(str(refused), "error")
        else:
            flash(f"User {user.username} {'enabled' if enabled else 'disabled'}.", "success")
    return redirect_to(url_for("system.users"))


# -- roles -------------------------------------------------------------------------------------

@bp.get("/roles")
@require("pim_user_role_index")
def roles():
    """List the roles with how many users have each."""
    return render("system/roles.html", roles=service.roles())


@bp.route("/roles/new", methods=["GET", "POST"])
@require("pim_user_role_edit")
def new_role():
    """Show the new role form, or create the role and open its Permissions tab."""
    label, errors = request.form.get("label", ""), {}
    if request.method == "POST":
        try:
            role = service.create_role(label, current_actor())
        except service.Invalid as refused:
            errors = refused.errors
        else:
            flash(f"Role {role.label} created. Choose its permissions.", "success")
            return redirect_to(url_for("system.role", role_id=role.id, tab="permissions"))
    status = refused_status() if errors else 200
    return render("system/role_new.html", status=status, label=label, errors=errors)


def _role_page(role, tab, section, errors=None, label=None, status=200):
    return render("system/role_edit.html", status=status, role=role, tab=tab, section=section,
                  sections=permissions.by_section(), granted=set(role.permissions or []),
                  members=service.role_users(role), errors=errors or {},
                  label=role.label if label is None else label)


@bp.get("/roles/<int:role_id>")
@require("pim_user_role_edit")
def role(role_id):
    """Show one tab of the role editor: General, Permissions (one section at a time) or Users."""
    role = _found(service.get_role(role_id))
    tab = request.args.get("tab") if request.args.get("tab") in ROLE_TABS else "general"
    section = request.args.get("section")
    section = section if section in permissions.SECTIONS else permissions.SECTIONS[0]
    return _role_page(role, tab, section)


@bp.post("/roles/<int:role_id>")
@require("pim_user_role_edit")
def rename_role(role_id):
    """Save the General tab (the label)."""
    role = _found(service.get_role(role_id))
    label = request.form.get("label", "")
    try:
        service.rename_role(role, label)
    except service.Invalid as refused:
        return _role_page(role, "general", permissions.SECTIONS[0], refused.errors, label, refused_status())
    flash("Role saved.", "success")
    return redirect_to(url_for("system.role", role_id=role.id))


@bp.post("/roles/<int:role_id>/permissions")
@require("pim_user_role_edit")
def role_permissions(role_id):
    """Save the permissions of the displayed section, keeping those of the other sections."""
    role = _found(service.get_role(role_id))
    section = request.form.get("section", "")
    try:
        service.save_section_permissions(role, section, request.form.getlist("permissions"), current_actor())
    except service.Invalid as refused:
        shown = section if section in permissions.SECTIONS else permissions.SECTIONS[0]
        return _role_page(role, "permissions", shown, refused.errors, status=refused_status())
    flash(f"Permissions of the {section} section saved.", "success")
    return redirect_to(url_for("system.role", role_id=role.id, tab="permissions", section=section))


@bp.post("/roles/<int:role_id>/delete")
@require("pim_user_role_edit")
def delete_role(role_id):
    """Delete a role that no user has."""
    role = _found(service.get_role(role_id))
    try:
        service.delete_role(role, current_actor())
    except service.Invalid as refused:
        flash(str(refused), "error")
        return redirect_to(url_for("system.role", role_id=role.id, tab="users"))
    flash(f"Role {role.label} deleted.", "success")
    return redirect_to(url_for("system.roles"))


# -- user groups -------------------------------------------------------------------------------

@bp.get("/groups")
@require("pim_user_group_index")
def groups():
    """List the user groups with their member counts."""
    return render("system/groups.html", groups=service.groups(), name="", errors={})


@bp.post("/groups")
@require("pim_user_group_edit")
def create_group():
    """Create a user group."""
    name = request.form.get("name", "")
    try:
        group = service.create_group(name, current_actor())
    except service.Invalid as refused:
        return render("system/groups.html", status=refused_status(), groups=service.groups(),
                      name=name, errors=refused.errors)
    flash(f"User group {group.name} created.", "success")
    return redirect_to(url_for("system.groups"))


# the right that opens each kind's settings page, and so (with its "Manage … permissions") its Permissions tab
GROUP_ENTITY_INDEX = {"category": "pim_enrich_category_index", "locale": "pim_enrich_locale_index",
                      "attribute_group": "pim_enrich_attributegroup_index"}


def _group_overview(group):
    """The group's EE permissions (its level on each tree, locale and attribute group), for users with one of
    the "Manage … permissions" rights; None in CE or without them (the section is left out)."""
    if current_app.config["PIM_EDITION"] != "ee" or not any(
            permissions.can(spec["manage"]) for spec in group_permissions.KINDS.values()):
        return None
    return group_permissions.group_overview(group.id)


def _group_page(group, name=None, errors=None, status=200):
    return render("system/group_edit.html", status=status, group=group, members=service.group_members(group),
                  name=group.name if name is None else name, errors=errors or {},
                  overview=_group_overview(group), editable={
                      kind: permissions.can(index) and permissions.can(group_permissions.KINDS[kind]["manage"])
                      for kind, index in GROUP_ENTITY_INDEX.items()})


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@require("pim_user_group_edit")
def edit_group(group_id):
    """Show a group and its members, or rename it."""
    group = _found(service.get_group(group_id))
    if request.method == "GET":
        return _group_page(group)
    name = request.form.get("name", "")
    try:
        service.rename_group(group, name)
    except service.Invalid as refused:
        return _group_page(group, name, refused.errors, refused_status())
    flash("User group saved.", "success")
    return redirect_to(url_for("system.edit_group", group_id=group.id))


@bp.post("/groups/<int:group_id>/delete")
@require("pim_user_group_edit")
def delete_group(group_id):
    """Delete a user group (never the All group)."""
    group = _found(service.get_group(group_id))
    try:
        service.delete_group(group, current_actor())
    except service.Invalid as refused:
        flash(str(refused), "error")
        return redirect_to(url_for("system.edit_group", group_id=group.id))
    flash(f"User group {group.name} deleted.", "success")
    return redirect_to(url_for("system.groups"))
