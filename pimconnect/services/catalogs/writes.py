"""What an app may change on its catalogs through the API (catalogs-for-apps.md §3.4, §3.5): create
one (at most MAX_PER_APP), rename it, delete it. The enabled flag, criteria, value filters and mapping
are the editor's; nothing here touches them.

Refusals are ``ValidationFailed`` with the reference's violations (Symfony's NotBlank and Length
texts on ``name``, the per-owner quota of MaxNumberOfCatalogsPerUserValidator).
"""
from pimconnect.db import serialize, write_txn
from pimconnect.models import Catalog
from pimconnect.models.structure import utcnow
from pimconnect.services import catalogs
from pimconnect.services.errors import ValidationFailed
from pimconnect.services.structure.rest.common import NUL

NAME_MAX = 255
BLANK = "This value should not be blank."
TOO_SHORT = "This value is too short. It should have 1 character or more."
TOO_LONG = f"This value is too long. It should have {NAME_MAX} characters or less."
NOT_A_STRING = "This value should be of type string."


def name_errors(name):
    """The violations of a catalog name (CreateCatalogCommand / UpdateCatalogCommand): not blank,
    1..255 characters. A missing name is checked as an empty one (the reference's controller)."""
    if name is None:
        name = ""
    if not isinstance(name, str):
        return [{"property": "name", "message": NOT_A_STRING}]
    if name == "":
        return [{"property": "name", "message": BLANK}, {"property": "name", "message": TOO_SHORT}]
    if len(name) > NAME_MAX:
        return [{"property": "name", "message": TOO_LONG}]
    if "\x00" in name:  # PostgreSQL text cannot hold it (as for every other stored text of the API)
        return [{"property": "name", "message": NUL}]
    return []


def quota_message(limit=None):
    return f"You can create up to {limit or catalogs.MAX_PER_APP} catalogs"


def create(owner, name):
    """A new catalog of ``owner`` named ``name`` (disabled, Status = enabled, §1.1); ValidationFailed
    for a bad name or when the owner already has MAX_PER_APP catalogs (reached when count ≥ limit)."""
    owner_id = getattr(owner, "id", owner)  # a User or its id
    with write_txn():
        serialize(f"catalogs-of-{owner_id}")  # count-then-insert: two creates must not both pass
        errors = name_errors(name)
        if Catalog.select().where(Catalog.owner == owner_id).count() >= catalogs.MAX_PER_APP:
            errors.append({"property": "", "message": quota_message()})
        if errors:
            raise ValidationFailed(errors)
        return catalogs.create(owner_id, name)


def rename(catalog, name):
    """Give ``catalog`` the name ``name`` (the only field the API may change, §3.5)."""
    errors = name_errors(name)
    if errors:
        raise ValidationFailed(errors)
    with write_txn():
        Catalog.update(name=name, updated=utcnow()).where(Catalog.id == catalog.id).execute()
    catalog.name = name
    return catalog


def delete(catalog):
    """Remove ``catalog`` (its criteria, filters, mapping and schema with it)."""
    with write_txn():
        Catalog.delete().where(Catalog.id == catalog.id).execute()
