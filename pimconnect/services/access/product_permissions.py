"""EE permissions on product writes (rest-api-and-permissions.md §9.3, decision D8): the refusals, in the
reference's words, of a write the reader's Access does not allow, and the hidden data a write keeps.

Who may see what lives on the reader's ``Access`` (services.access.access): this module only asks it.
"""
from flask import current_app

from pimconnect.models import Category, ProductCategory
from pimconnect.services.access.access import Access


def grants_for(user):
    """The user's Grants as the REST API applies them, or None when nothing is restricted (CE, "All")."""
    if user is None:
        return None
    return Access.of(user, (), enforce_grants=current_app.config["PIM_EDITION"] == "ee").grants


NOT_FOUND = 'Product "{reference}" does not exist or you do not have permission to access it.'
VIEW_ONLY = 'Product "{identifier}" cannot be updated. You only have a view right on this product.'
FIELDS_NEED_OWN = 'You cannot update the following fields "{fields}". You should at least own this product to do it.'
HIDDEN_ASSOCIATED = 'Property "associations" expects a valid product {by}. The product does not exist, "{reference}" given.'
# The documented 422s: core.documented() adds " Check the expected format on the API documentation."
HIDDEN_ATTRIBUTE = "The {attribute} attribute does not exist in your PIM."
VIEW_ONLY_GROUP = 'Attribute "{attribute}" belongs to the attribute group "{group}" on which you only have view permission.'
HIDDEN_LOCALE = 'Attribute "{attribute}" expects an existing and activated locale, "{locale}" given.'
VIEW_ONLY_LOCALE = 'You only have a view permission on the locale "{locale}".'
HIDDEN_CATEGORY = 'Property "categories" expects a valid category code. The category does not exist, "{category}" given.'
KEEP_AN_OWNED_CATEGORY = "You should at least keep your product in one category on which you have an own permission."
DELETE_NEEDS_OWN = ("You can delete a product only if it is classified in at least one category on which you have "
                    "an own permission.")


class Unchanged(Exception):
    """A write on a view-only product that changes nothing: answered as done (204), nothing written (§9.3)."""


class Refusal(Exception):
    """A write the user's EE permissions refuse: ``status`` and the reference's ``message``;
    ``documented`` marks the 422s the reference answers with a documentation link."""

    def __init__(self, status, message, documented=False):
        super().__init__(message)
        self.status, self.message, self.documented = status, message, documented


class DraftNeeded(Exception):
    """An editor's (edit, not own) change of values: it goes to the editor's draft, not the product (§9.3)."""


def check_update(access, identifier, stored_categories, data, unchanged=None):
    """Refuse (Refusal) a PATCH the reader's level does not allow; return the categories to store
    when ``data`` sets them (the submitted ones plus the hidden ones it keeps, §9.3). An editor's
    change of values raises DraftNeeded: it becomes the editor's draft.

    ``unchanged(categories)`` tells whether the write (with those categories) would change nothing:
    on a view-only product such a write is no refusal but ``Unchanged`` (the reference answers 204)."""
    if not access.restricted:
        return None
    _learn_trees(access, stored_categories, data)
    level = access.product_level(stored_categories)
    if level is None:
        raise Refusal(404, NOT_FOUND.format(reference=identifier))
    if level == "view" and unchanged is not None and unchanged(_merged_categories(access, stored_categories, data,
                                                                                 quiet=True)):
        raise Unchanged()
    _check_values(access, data)
    categories = _merged_categories(access, stored_categories, data)
    if level == "view":
        raise Refusal(403, VIEW_ONLY.format(identifier=identifier))
    if level == "edit":
        fields = sorted(key for key in data if key not in {"values", "identifier", "uuid"})
        if fields:
            raise Refusal(403, FIELDS_NEED_OWN.format(fields=", ".join(fields)))
        raise DraftNeeded()
    if categories is not None and stored_categories and access.product_level(categories) != "own":
        raise Refusal(403, KEEP_AN_OWNED_CATEGORY)
    return categories


def check_create(access, data):
    """A new product: its values and categories must be visible to the reader (view is enough)."""
    if not access.restricted:
        return None
    _learn_trees(access, [], data)
    _check_values(access, data)
    return _merged_categories(access, [], data)


def check_delete(access, identifier, stored_categories):
    if not access.restricted:
        return
    level = access.product_level(stored_categories)
    if level is None:
        raise Refusal(404, NOT_FOUND.format(reference=identifier))
    if level != "own":
        raise Refusal(403, DELETE_NEEDS_OWN)


def stored_category_codes(product):
    """The codes of the categories ``product`` is classified in."""
    return [code for (code,) in ProductCategory.select(Category.code).join(Category)
            .where(ProductCategory.product == product.uuid).tuples()]


def with_hidden_categories(access, stored, sent):
    """The ``sent`` category codes plus the ``stored`` ones the reader cannot see (kept on write, §9.3)."""
    if not access.restricted:
        return list(sent)
    hidden = access.hidden_categories(list(stored))
    return list(sent) + [code for code in hidden if code not in sent]


def _sent_categories(data):
    return data["categories"] if isinstance(data.get("categories"), list) else []


def _learn_trees(access, stored, data):
    """Look the reader's levels on the stored and sent categories up together (one query)."""
    access.category_level.get(list(stored) + [code for code in _sent_categories(data) if isinstance(code, str)])


def _merged_categories(access, stored, data, quiet=False):
    if not isinstance(data.get("categories"), list):
        return None
    existing = access.category_level.get(data["categories"])
    for code in data["categories"]:
        if isinstance(code, str) and code in existing and not access.can_view_category(code) and not quiet:
            raise Refusal(422, HIDDEN_CATEGORY.format(category=code), documented=True)
    hidden = [code for code in stored if not access.can_view_category(code)]
    return list(data["categories"]) + [code for code in hidden if code not in data["categories"]]


def _check_values(access, data):
    values = data.get("values")
    if not isinstance(values, dict):
        return
    groups = access.group_of.get(list(values))
    for attribute, entries in values.items():
        group = groups.get(attribute)
        if group is None:
            continue  # unknown attributes are refused by the ordinary validation
        if not access.can_view_attribute_group(group):
            raise Refusal(422, HIDDEN_ATTRIBUTE.format(attribute=attribute), documented=True)
        if not access.can_edit_attribute_group(group):
            raise Refusal(403, VIEW_ONLY_GROUP.format(attribute=attribute, group=group))
        for entry in entries if isinstance(entries, list) else ():
            locale = entry.get("locale") if isinstance(entry, dict) else None
            if not isinstance(locale, str):
                continue
            if not access.can_view_locale(locale):
                raise Refusal(422, HIDDEN_LOCALE.format(attribute=attribute, locale=locale), documented=True)
            if not access.can_edit_locale(locale):
                raise Refusal(403, VIEW_ONLY_LOCALE.format(locale=locale))
