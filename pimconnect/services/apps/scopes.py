"""App scopes: parsing an authorize request's ``scope``, implied scopes, new-scope detection and
the sentences the wizard and the app page show (reference apps-and-oauth.md §6).

The scope → ACL table itself is ``pimconnect.permissions.SCOPE_ACLS``, shared with the REST API.
"""
from pimconnect.permissions import AUTHENTICATION_SCOPES, SCOPE_ACLS, SCOPE_IMPLIES, acls_for_scopes

SUPPORTED = frozenset(SCOPE_ACLS)
MAX_SCOPE_LENGTH = 1000

ENTITY_LABELS = {
    "catalog_structure": "attributes, attribute groups, families and family variants",
    "attribute_options": "attribute options",
    "categories": "categories",
    "channel_localization": "locales and currencies",
    "channel_settings": "channels",
    "association_types": "association types",
    "products": "products and product models",
    "catalogs": "catalogs",
}
TYPE_SENTENCES = {"view": "View {}", "edit": "View and edit {}", "delete": "View, edit and delete {}"}
_TYPES = {"read": "view", "write": "edit", "delete": "delete"}
AUTHENTICATION_SENTENCES = {"profile": "View your firstname and your lastname", "email": "View your email address"}
PRODUCT_SCOPES = frozenset({"read_products", "write_products", "delete_products"})
CATALOG_SCOPES = frozenset({"read_catalogs", "write_catalogs", "delete_catalogs"})


def parse(scope):
    """(authorization scopes, authentication scopes) of a ``scope`` parameter, each de-duplicated and
    sorted; unknown scopes are dropped silently (reference §3.2.1 step 6)."""
    words = set((scope or "").split(" "))
    return sorted(words & SUPPORTED), sorted(words & set(AUTHENTICATION_SCOPES))


def expand(scopes):
    """The scopes plus every scope they imply."""
    expanded = set(scopes)
    for scope in scopes:
        expanded.update(SCOPE_IMPLIES.get(scope, ()))
    return expanded


def new_scopes(requested, stored):
    """The requested scopes (expanded) that the stored ones (expanded) do not cover."""
    return sorted(expand(requested) - expand(stored or ()))


def acls(scopes):
    """The ACL codes of the app role for ``scopes``."""
    return acls_for_scopes(expand(scopes))


def messages(scopes):
    """The display lines of ``scopes``: sorted, each scope implied by another one left out.

    Each is a dict ``{"type": view|edit|delete, "entities": key, "text": sentence}``.
    """
    present = set(scopes)
    implied = set()
    for scope in present:
        implied.update(SCOPE_IMPLIES.get(scope, ()))
    lines = []
    for scope in sorted(present - implied):
        action, _, entities = scope.partition("_")
        if scope not in SUPPORTED or entities not in ENTITY_LABELS:
            continue
        kind = _TYPES[action]
        lines.append({"type": kind, "entities": entities,
                      "text": TYPE_SENTENCES[kind].format(ENTITY_LABELS[entities])})
    return lines


def has_product_scope(scopes):
    return bool(expand(scopes) & PRODUCT_SCOPES)


def can_write_products(scopes):
    return bool(expand(scopes) & {"write_products", "delete_products"})


def has_catalog_scope(scopes):
    return bool(set(scopes) & CATALOG_SCOPES)
