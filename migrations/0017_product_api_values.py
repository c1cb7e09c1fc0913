"""The product's values as the REST API shows them, stored when the product is saved (issue 16,
services/products/representation.py). Existing rows get NULL (shown exactly as before, rendered on
read) and one queued job renders them in chunks: the upgrade itself reads no product."""
from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column('product', 'api_values', TextField(null=True)))
    if db.execute_sql('SELECT 1 FROM "product" LIMIT 1').fetchone() is None:
        return
    mark = db.param
    db.execute_sql(
        f'INSERT INTO "job" ("kind", "label", "params", "dedupe_key", "state", "done", "attempts", "created") '
        f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, 0, 0, CURRENT_TIMESTAMP)",
        ("representations", "Render the products' API representation", "{}", "representations:pending", "pending"))


def down(migrator, db):
    db.execute_sql('DELETE FROM "job" WHERE "kind" = \'representations\'')
    migrator.migrate(migrator.drop_column('product', 'api_values'))
