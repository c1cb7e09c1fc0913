"""What a product document says about other entities: its associations (to other products, stored by
uuid), its quantified associations, groups and parent. PIM Connect has no quantified associations, product
groups or product models yet, so only empty values of those pass. Checks record into the caller's errors."""
import uuid as uuid_module

from pimconnect.models import AssociationType, Product
from pimconnect.services.products.values import php_type

ASSOCIATION_KEYS = ("groups", "products", "product_models")


def check_groups_and_parent(data, errors):
    """PIM Connect has no product groups and no product models: only [] and null are accepted."""
    groups = data.get("groups", [])
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        errors.reject("groups", f'Property "groups" expects an array as data, "{php_type(groups)}" given.')
    elif groups:
        errors.reject("groups", 'Property "groups" expects a valid group code. '
                                f'The group does not exist, "{groups[0]}" given.')
    parent = data.get("parent")
    if parent is not None and not isinstance(parent, str):
        errors.reject("parent", f'Property "parent" expects a string as data, "{php_type(parent)}" given.')
    elif parent is not None:
        errors.reject("parent", 'Property "parent" expects a valid parent code. '
                                f'The parent product model does not exist, "{parent}" given.')


def _association_shape(incoming, errors):
    """Whether ``associations`` is {type: {"products"|"product_models"|"groups": [strings]}} (else rejected)."""
    if not isinstance(incoming, dict):
        errors.reject("associations", f'Property "associations" expects an array as data, "{php_type(incoming)}" given.')
        return False
    for code, items in incoming.items():
        if (not isinstance(items, dict) or not items or any(k not in ASSOCIATION_KEYS for k in items)
                or not all(isinstance(v, list) and all(isinstance(c, str) for c in v) for v in items.values())):
            errors.reject("associations", 'Property "associations" expects an array with valid data, '
                                          f'association format is not valid for the association type "{code}".')
            return False
    return True


def _associated_products(references, by, errors):
    """{reference: uuid string} for the product ``references`` (uuids or identifiers); unknown ones rejected."""
    if by == "uuid":
        valid = {}
        for ref in references:
            try:
                valid[str(uuid_module.UUID(ref))] = ref
            except ValueError:
                continue
        query = Product.select(Product.uuid).where(Product.uuid.in_(list(valid))) if valid else []
        found = {valid[str(row.uuid)]: str(row.uuid) for row in query}
    else:
        query = Product.select(Product.identifier, Product.uuid).where(Product.identifier.in_(references))
        found = {row.identifier: str(row.uuid) for row in query} if references else {}
    for ref in references:
        if ref not in found:
            errors.reject("associations", f'Property "associations" expects a valid product {by}. '
                                          f'The product does not exist, "{ref}" given.')
    return found


def merged_associations(data, product, by, errors):
    """The merged associations document, or None when ``associations`` is absent (untouched).

    Per association type, the sent lists replace the stored ones (§6.4: objects merge, arrays
    replace); products are stored by uuid, whichever key (``by``) the endpoint names them with.
    """
    current = dict(product.associations or {}) if product is not None else {}
    if "associations" not in data or not _association_shape(data["associations"], errors):
        return None
    incoming = data["associations"]
    types = dict(AssociationType.select(AssociationType.code, AssociationType.is_quantified)
                 .where(AssociationType.code.in_(list(incoming))).tuples()) if incoming else {}
    references = list(dict.fromkeys(ref for items in incoming.values() for ref in items.get("products", [])))
    found = _associated_products(references, by, errors) if references else {}
    for code, items in incoming.items():
        if code not in types or types[code]:
            errors.reject("associations", 'Property "associations" expects a valid association type code. '
                                          f'The association type does not exist or is quantified, "{code}" given.')
            continue
        for key, message in (("product_models", "product model identifier. The product model"),
                             ("groups", "group code. The group")):
            if items.get(key):
                errors.reject("associations", f'Property "associations" expects a valid {message} does not exist, '
                                              f'"{items[key][0]}" given.')
        entry = {key: list((current.get(code) or {}).get(key, [])) for key in ASSOCIATION_KEYS}
        if "products" in items:
            entry["products"] = list(dict.fromkeys(found[ref] for ref in items["products"] if ref in found))
        current[code] = entry
    return current


def check_quantified_associations(data, errors):
    """Quantified associations cannot be stored yet: only an empty value (no type or empty lists) is accepted."""
    incoming = data.get("quantified_associations", {})
    if not isinstance(incoming, dict):
        errors.reject("quantified_associations", 'Property "quantified_associations" expects an array as data, '
                                                 f'"{php_type(incoming)}" given.')
        return
    for code, items in incoming.items():
        if not isinstance(items, dict) or any(items.get(key) for key in ("products", "product_models")):
            errors.reject("quantified_associations", 'Property "quantified_associations" expects a valid '
                                                     'association type code. The association type does not exist '
                                                     f'or is not quantified, "{code}" given.')
