"""Catalogs for apps (issue 12): the catalog scopes now grant ACLs (catalogs-for-apps.md §2.2).

Apps connected before this version with ``read_catalogs`` / ``write_catalogs`` / ``delete_catalogs``
get those ACLs on their role here, so they need not reconnect.
"""
import json

GRANTS = {
    "read_catalogs": ["pim_api_catalog_list"],
    "write_catalogs": ["pim_api_catalog_list", "pim_api_catalog_edit"],
    "delete_catalogs": ["pim_api_catalog_list", "pim_api_catalog_edit", "pim_api_catalog_remove"],
}


def _load(value):
    if value is None:
        return []
    return json.loads(value) if isinstance(value, str) else list(value)


def up(migrator, db):
    rows = db.execute_sql('SELECT r.id, r.permissions, a.scopes FROM "connected_app" a '
                          'JOIN "role" r ON r.id = a.role_id').fetchall()
    for role_id, permissions, scopes in rows:
        granted = _load(permissions)
        wanted = [acl for scope in _load(scopes) for acl in GRANTS.get(scope, ())]
        missing = [acl for acl in dict.fromkeys(wanted) if acl not in granted]
        if missing:
            db.execute_sql('UPDATE "role" SET permissions = {0} WHERE id = {0}'.format(db.param),
                           (json.dumps(granted + missing), role_id))


def down(migrator, db):
    pass  # the ACLs are harmless without the endpoints; a downgrade keeps them
