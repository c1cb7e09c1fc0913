"""The one registry of role permission codes, shown in the role editor's Permissions tab.

Deny by default: a code that is not in a role's list is refused, and every UI route declares
the code it needs (see ``require``).
"""
import functools
import json
from dataclasses import dataclass

from flask import abort
from flask_login import current_user


@dataclass(frozen=True)
class Permission:
    code: str
    label: str
    section: str


# The Apps codes several modules check (views, the wizard, notifications).
MANAGE_APPS = "akeneo_connectivity_connection_manage_apps"
OPEN_APPS = "akeneo_connectivity_connection_open_apps"
CUSTOM_APPS = "akeneo_connectivity_connection_manage_test_apps"

# Sections appear in this order in the role editor.
SECTIONS = ["System", "Settings", "Products", "Users", "API"]

_REGISTRY = [
    # The user documentation: System -> Roles -> a role -> Permissions tab -> System -> Manage apps.
    Permission(MANAGE_APPS, "Manage apps", "System"),
    Permission(OPEN_APPS, "Open apps", "System"),
    Permission(CUSTOM_APPS, "Create and delete custom apps", "System"),
    Permission("akeneo_connectivity_connection_manage_settings", "Manage connections settings", "System"),
    Permission("pimee_enrich_category_edit_permissions", "Manage category permissions", "System"),
    Permission("pimee_enrich_locale_edit_permissions", "Manage locale permissions", "System"),
    Permission("pimee_enrich_attribute_group_edit_permissions", "Manage attribute group permissions", "System"),
    Permission("pim_user_role_index", "List roles", "Users"),
    Permission("pim_user_role_edit", "Create and edit roles", "Users"),
    Permission("pim_user_user_index", "List users", "Users"),
    Permission("pim_user_user_edit", "Create and edit users", "Users"),
    Permission("pim_user_group_index", "List user groups", "Users"),
    Permission("pim_user_group_edit", "Create and edit user groups", "Users"),
    Permission("pim_enrich_locale_index", "List locales", "Settings"),
    Permission("pim_enrich_locale_edit", "Enable and disable locales", "Settings"),
    Permission("pim_enrich_currency_index", "List currencies", "Settings"),
    Permission("pim_enrich_currency_edit", "Enable and disable currencies", "Settings"),
    Permission("pim_enrich_channel_index", "List channels", "Settings"),
    Permission("pim_enrich_channel_edit", "Create and edit channels", "Settings"),
    Permission("pim_enrich_attributegroup_index", "List attribute groups", "Settings"),
    Permission("pim_enrich_attributegroup_edit", "Create and edit attribute groups", "Settings"),
    Permission("pim_enrich_attribute_index", "List attributes", "Settings"),
    Permission("pim_enrich_attribute_edit", "Create and edit attributes and options", "Settings"),
    Permission("pim_enrich_family_index", "List families", "Settings"),
    Permission("pim_enrich_family_edit", "Create and edit families", "Settings"),
    Permission("pim_enrich_category_index", "List categories", "Settings"),
    Permission("pim_enrich_category_edit", "Create and edit categories", "Settings"),
    Permission("pim_enrich_measurement_index", "List measurement families", "Settings"),
    Permission("pim_enrich_product_index", "List products", "Products"),
    Permission("pim_enrich_product_create", "Create a product", "Products"),
    Permission("pim_enrich_product_edit_attributes", "Edit product attributes", "Products"),
    Permission("pim_enrich_product_categories_view", "Classify products", "Products"),
    Permission("pim_enrich_product_remove", "Remove a product", "Products"),
    Permission("pim_api_overall_access", "Overall Web API access", "API"),
    Permission("pim_api_product_list", "List products", "API"),
    Permission("pim_api_product_edit", "Create and update products", "API"),
    Permission("pim_api_product_remove", "Remove products", "API"),
    Permission("pim_api_attribute_list", "List attributes", "API"),
    Permission("pim_api_attribute_edit", "Create and update attributes", "API"),
    Permission("pim_api_attribute_option_list", "List attribute options", "API"),
    Permission("pim_api_attribute_option_edit", "Create and update attribute options", "API"),
    Permission("pim_api_attribute_group_list", "List attribute groups", "API"),
    Permission("pim_api_attribute_group_edit", "Create and update attribute groups", "API"),
    Permission("pim_api_family_list", "List families", "API"),
    Permission("pim_api_family_edit", "Create and update families", "API"),
    Permission("pim_api_family_variant_list", "List family variants", "API"),
    Permission("pim_api_family_variant_edit", "Create and update family variants", "API"),
    Permission("pim_api_category_list", "List categories", "API"),
    Permission("pim_api_category_edit", "Create and update categories", "API"),
    Permission("pim_api_channel_list", "List channels", "API"),
    Permission("pim_api_channel_edit", "Create and update channels", "API"),
    Permission("pim_api_locale_list", "List locales", "API"),
    Permission("pim_api_currency_list", "List currencies", "API"),
    Permission("pim_api_association_type_list", "List association types", "API"),
    Permission("pim_api_association_type_edit", "Create and update association types", "API"),
    Permission("pim_api_catalog_list", "List app catalogs", "API"),
    Permission("pim_api_catalog_edit", "Create and update app catalogs", "API"),
    Permission("pim_api_catalog_remove", "Remove app catalogs", "API"),
]

PERMISSIONS = {p.code: p for p in _REGISTRY}
API_ACLS = [p.code for p in _REGISTRY if p.section == "API"]

# App scopes and the API ACLs each one grants (API reference §3.4). Write scopes include the read
# ones; ``read_channel_localization`` is the "secret scope" every app gets. The Connect wizard (and
# the app's role) reuse this one table (catalogs-for-apps.md §2.2 for the catalog scopes).
_READ_STRUCTURE = ["pim_api_attribute_list", "pim_api_attribute_group_list", "pim_api_family_list",
                   "pim_api_family_variant_list"]
SCOPE_ACLS = {
    "read_catalog_structure": _READ_STRUCTURE,
    "write_catalog_structure": _READ_STRUCTURE + ["pim_api_attribute_edit", "pim_api_attribute_group_edit",
                                                  "pim_api_family_edit", "pim_api_family_variant_edit"],
    "read_attribute_options": ["pim_api_attribute_option_list"],
    "write_attribute_options": ["pim_api_attribute_option_list", "pim_api_attribute_option_edit"],
    "read_categories": ["pim_api_category_list"],
    "write_categories": ["pim_api_category_list", "pim_api_category_edit"],
    "read_channel_localization": ["pim_api_locale_list", "pim_api_currency_list"],
    "read_channel_settings": ["pim_api_channel_list"],
    "write_channel_settings": ["pim_api_channel_list", "pim_api_channel_edit"],
    "read_association_types": ["pim_api_association_type_list"],
    "write_association_types": ["pim_api_association_type_list", "pim_api_association_type_edit"],
    "read_products": ["pim_api_product_list"],
    "write_products": ["pim_api_product_list", "pim_api_product_edit"],
    "delete_products": ["pim_api_product_list", "pim_api_product_edit", "pim_api_product_remove"],
    "read_catalogs": ["pim_api_catalog_list"],
    "write_catalogs": ["pim_api_catalog_list", "pim_api_catalog_edit"],
    "delete_catalogs": ["pim_api_catalog_list", "pim_api_catalog_edit", "pim_api_catalog_remove"],
}
# A write (or delete) scope includes the scopes it implies ("any permission to write a resource
# includes the permission to read it").
SCOPE_IMPLIES = {
    "write_catalog_structure": ["read_catalog_structure"],
    "write_attribute_options": ["read_attribute_options"],
    "write_categories": ["read_categories"],
    "write_channel_settings": ["read_channel_settings"],
    "write_association_types": ["read_association_types"],
    "write_products": ["read_products"],
    "delete_products": ["write_products", "read_products"],
    "write_catalogs": ["read_catalogs"],
    "delete_catalogs": ["write_catalogs", "read_catalogs"],
}
AUTHENTICATION_SCOPES = ["openid", "profile", "email"]


def acls_for_scopes(scopes):
    """The ACL codes an app's role gets for its granted ``scopes`` (always with overall API access)."""
    codes = {"pim_api_overall_access", *SCOPE_ACLS["read_channel_localization"]}
    for scope in scopes:
        codes.update(SCOPE_ACLS.get(scope, ()))
    return sorted(codes)
ALL_CODES = [p.code for p in _REGISTRY]

# What the demo's catalog manager gets: everything but the System entry and user management.
CATALOG_MANAGER_CODES = [p.code for p in _REGISTRY if p.section in {"Settings", "Products"}]


def by_section():
    """[(section, [Permission, …]), …] in display order."""
    return [(s, [p for p in _REGISTRY if p.section == s]) for s in SECTIONS]


def user_permissions(user):
    """The union of the permission codes of every role of ``user``."""
    from pimconnect.models import Role, UserRole

    from pimconnect.db import db
    from pimconnect.services.products.bulk import compiled

    if not getattr(user, "is_authenticated", False) or not user.enabled:
        return frozenset()
    # Every API request asks: the statement is rendered once (Peewee renders one in ~0.3 ms).
    sql = compiled("user_permissions", lambda: Role.select(Role.permissions).join(UserRole).where(UserRole.user == 0))
    codes = set()
    for (stored,) in db.execute_sql(sql, [user.id]).fetchall():
        codes.update((json.loads(stored) if isinstance(stored, str) else stored) or ())
    return frozenset(code for code in codes if code in PERMISSIONS)


def can(code, user=None):
    """Whether the user (the current one by default) holds the permission ``code``."""
    user = user or current_user
    if user is current_user or user == current_user:
        return code in _current_permissions()
    return code in user_permissions(user)


def _current_permissions():
    """The logged-in user's permission codes, read once per request."""
    from flask import g

    if "permissions" not in g:
        g.permissions = user_permissions(current_user)
    return g.permissions


def current_access():
    """The logged-in user's Access for this request (built once): what the views hand to product readers.

    In EE (``PIM_EDITION=ee``) a person is restricted by their user groups' grants like an API
    connection or an app (rest-api-and-permissions.md §9.1); in CE by role permissions only.
    """
    from flask import current_app, g

    from pimconnect.services.access.access import Access

    if "access" not in g:
        g.access = Access.of(current_user, _current_permissions(),
                             enforce_grants=current_app.config["PIM_EDITION"] == "ee")
    return g.access


def require(*codes):
    """View decorator: 403 unless the current user holds every code (login is checked first)."""
    unknown = [c for c in codes if c not in PERMISSIONS]
    if unknown:
        raise ValueError(f"Unknown permission codes: {unknown}")

    def decorator(view):
        view.required_permissions = codes

        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from flask import current_app

                return current_app.login_manager.unauthorized()
            missing = [c for c in codes if not can(c)]
            if missing:
                _record_denial(missing)
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _record_denial(missing):
    """Audit a refused request (checklist B20): only logged-in users get here, anonymous ones go to login."""
    from flask import request

    from pimconnect.services.access import audit

    audit.record("access.denied", user=current_user, remote_addr=request.remote_addr,
                 method=request.method, endpoint=request.endpoint, missing=missing)


def login_only(view):
    """Mark a view that any logged-in user may see (no specific permission)."""
    view.required_permissions = ()

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            from flask import current_app

            return current_app.login_manager.unauthorized()
        return view(*args, **kwargs)

    wrapped.required_permissions = ()
    return wrapped
