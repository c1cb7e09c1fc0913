"""Access benchmark: what a restricted app's product reads cost next to an unrestricted connection's.

    .venv/bin/python bench/access.py [--sizes 10000] [--categories 2000] [--database-url postgresql://…] [--runs 30]

Two API connections read the same products through the Flask test client: one in the group "All"
(sees everything) and one whose only group views the master and ecommerce trees, every locale and every
attribute group — the shape of a connected app's grants. For the list (10 and 100 items, page and
search_after) and a single product, it prints the SQL statements per request and the median time.
``--categories`` adds that many categories to the print tree, as a large structure has them
(before the Access, a restricted reader read every category and attribute on every request).
Runs on a temporary SQLite file (and a temporary PostgreSQL schema with ``--database-url``); the same
script runs on an older checkout for the "before" figures. It never asserts: it reports.
"""
import base64
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from bench.harness import build_app, grow_products, median_ms, sqlite_url  # noqa: E402
from pimconnect import permissions  # noqa: E402
from pimconnect.db import db, temporary_postgres_schema, write_txn  # noqa: E402

LIST = "/api/rest/v1/products-uuid"
READS = {
    "list limit=10": (LIST, {"limit": 10}),
    "list limit=100": (LIST, {"limit": 100}),
    "search_after limit=100": (LIST, {"limit": 100, "pagination_type": "search_after"}),
    "list limit=100 family=hats": (LIST, {"limit": 100, "search": '{"family":[{"operator":"IN","value":["hats"]}]}'}),
    "one product": ("/api/rest/v1/products/{identifier}", {}),
}


def levels(**levels):
    return {level: {"all": codes == "all", "identifiers": [] if codes == "all" else list(codes)}
            for level, codes in levels.items()}


def add_categories(count):
    """``count`` categories under the print tree, 50 per parent (a structure of realistic size)."""
    from pimconnect.models import Category
    from pimconnect.services.structure import settings

    with db.connection_context(), write_txn():
        tree = Category.get(Category.code == "print")
        parent = tree
        for n in range(count):
            if n % 50 == 0:
                parent = settings.insert_category(f"bench_branch_{n // 50}", {}, tree)
            settings.insert_category(f"bench_leaf_{n}", {}, parent)


def make_readers(grants=None):
    """(unrestricted credentials, restricted credentials): two connections with every API ACL; the restricted
    one's user is in an app group of its own holding ``grants`` (by default: view on two trees, every
    locale and attribute group)."""
    from pimconnect.models import Role, UserGroup, UserGroupMember
    from pimconnect.services.access import group_permissions
    from pimconnect.services.connections import settings as connections

    with db.connection_context():
        with write_txn():
            role = Role.create(code="ROLE_BENCH_API", label="Bench API", permissions=permissions.API_ACLS)
            group = UserGroup.create(name="bench_app_group", type="app")
        _, everything = connections.create({"code": "bench_all", "label": "Bench all", "flow_type": "other",
                                            "role": str(role.id), "group": ""})
        restricted_connection, restricted = connections.create({"code": "bench_app", "label": "Bench app",
                                                                "flow_type": "other", "role": str(role.id),
                                                                "group": ""})
        with write_txn():
            # An app's user is in its own group only, never in "All".
            UserGroupMember.delete().where(UserGroupMember.user == restricted_connection.user_id).execute()
            UserGroupMember.create(user=restricted_connection.user_id, group=group)
            group_permissions.save(group.id, grants or {
                "category": levels(view=["master", "ecommerce"]),
                "locale": levels(view="all"),
                "attribute_group": levels(view="all"),
            })
    return everything, restricted


def token(client, credentials):
    basic = base64.b64encode(f"{credentials.client_id}:{credentials.secret}".encode()).decode()
    response = client.post("/api/oauth/v1/token", headers={"Authorization": f"Basic {basic}"},
                           json={"grant_type": "password", "username": credentials.username,
                                 "password": credentials.password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def statements_of(action):
    """How many SQL statements ``action()`` runs."""
    counted = []
    original = db.obj.execute_sql

    def counting(sql, *args, **kwargs):
        counted.append(sql)
        return original(sql, *args, **kwargs)

    db.obj.execute_sql = counting
    try:
        action()
    finally:
        del db.obj.execute_sql
    return len(counted)


def measure(client, bearer, runs, identifier):
    """{read: (statements, median ms, items)} for one reader."""
    headers = {"Authorization": f"Bearer {bearer}"}
    found = {}
    for label, (path, params) in READS.items():
        url = path.format(identifier=identifier)

        def get(url=url, params=params):
            response = client.get(url, query_string=params, headers=headers)
            assert response.status_code == 200, (url, response.get_json())
            return response

        body = get().get_json()
        items = len(body["_embedded"]["items"]) if "_embedded" in body else 1
        found[label] = (statements_of(get), median_ms(get, runs), items)
    return found


def run_backend(label, url, sizes, runs, categories):
    app = build_app(url)
    client = app.test_client()
    with app.app_context():
        if categories:
            add_categories(categories)
        everything, restricted = make_readers()
    # Requests run outside any app context of ours: each gets its own, and its own ``g``, as in production.
    tokens = {"unrestricted": token(client, everything), "restricted": token(client, restricted)}
    for size in sizes:
        with app.app_context():
            grow_products(size)
            identifier, count = visible_identifier(), category_count()
        print(f"== {label}, {size} products, {count} categories ==")
        results = {reader: measure(client, bearer, runs, identifier) for reader, bearer in tokens.items()}
        print(f"{'read':<28}{'reader':<14}{'statements':>11}{'median ms':>11}{'items':>7}")
        for read in READS:
            for reader in tokens:
                statements, ms, items = results[reader][read]
                print(f"{read:<28}{reader:<14}{statements:>11}{ms:>11.2f}{items:>7}")


def visible_identifier():
    """A product the restricted reader sees (in the master tree), to read by identifier."""
    from pimconnect.models import Category, Product, ProductCategory

    with db.connection_context():
        return (Product.select(Product.identifier).join(ProductCategory).join(Category)
                .where(Category.code == "master_hats").order_by(Product.identifier).scalar())


def category_count():
    from pimconnect.models import Category

    with db.connection_context():
        return Category.select().count()


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated product counts, ascending")
    parser.add_argument("--categories", type=int, default=2000, help="categories added to the print tree")
    parser.add_argument("--database-url", help="also run on this PostgreSQL database (a temporary schema)")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per figure")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    with sqlite_url() as url:
        run_backend("SQLite", url, sizes, args.runs, args.categories)
    if args.database_url:
        with temporary_postgres_schema(args.database_url, prefix="bench") as url:
            run_backend("PostgreSQL", url, sizes, args.runs, args.categories)


if __name__ == "__main__":
    main()
