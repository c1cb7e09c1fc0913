"""Catalogs for apps (catalogs-for-apps.md): what an app's catalogs are and who may see them.

Modules by concern: this one finds and creates catalogs for their owner (the app's API user);
the others are added beside it — the catalog's products and value filters, the product mapping
and its schema, validity (automatic disabling), and the editor's form and preview.
"""
import uuid as uuid_module

from pimconnect.db import db
from pimconnect.models import Catalog

MAX_PER_APP = 200  # D9
MAX_CRITERIA = 25  # D9
TAB_PAGE_SIZE = 20  # catalogs per page of an app's Catalogs tab (each row counts its products)


def is_uuid(value):
    try:
        return str(uuid_module.UUID(str(value))) == str(value).lower()
    except ValueError:
        return False


def owned(owner, catalog_id):
    """The catalog ``catalog_id`` of ``owner`` (the app's API user), or None: another app's catalog,
    an unknown id and a non-UUID id all look the same to the caller (§2.4)."""
    if not is_uuid(catalog_id):
        return None
    return Catalog.get_or_none((Catalog.id == str(catalog_id).lower()) & (Catalog.owner == owner))


def of_owner(owner):
    """Every catalog of ``owner``, in ascending id order (the list's order, §3.3)."""
    return Catalog.select().where(Catalog.owner == owner).order_by(Catalog.id)


def tab_page(owner, page):
    """The catalogs of ``owner`` on ``page`` (1-based, clamped) of its Catalogs tab, by name, with the
    page number and the page count: (catalogs, page, pages). Each row shows a product count, so an app
    with 200 catalogs is listed 20 at a time rather than counted 200 times per view."""
    query = Catalog.select().where(Catalog.owner == owner)
    pages = max(1, -(-query.count() // TAB_PAGE_SIZE))
    page = min(max(page, 1), pages)
    return list(query.order_by(Catalog.name, Catalog.id).paginate(page, TAB_PAGE_SIZE)), page, pages


def create(owner, name):
    """A new catalog of ``owner``: disabled, with the default criterion Status = enabled (§1.1)."""
    with db.atomic():
        return Catalog.create(id=str(uuid_module.uuid4()), name=name, owner=owner)
