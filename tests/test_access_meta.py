"""Every function that selects products for a reader takes the reader's Access (as every view declares
its permission, test_security_meta): read from the source with ``ast``, so a new reader that forgets
it fails here before it ships.

A function "selects products" when it calls ``Product.select/get/get_or_none/get_by_id``, joins
``Product``, or uses (calls, or passes on) a function that selects products without taking an Access
itself. It must then have an ``access`` parameter, or be listed below with the reason it may not.
"""
import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCANNED = ("pimconnect/services", "pimconnect/api", "pimconnect/blueprints")
PRODUCT_MODELS = {"Product"}
SELECTING = {"select", "get", "get_or_none", "get_by_id", "get_or_create"}

# Not readers: writers, maintenance jobs and planner probes read products to change them, to check a
# write or to plan a query, never to show them to a reader. Using one does not make a caller a reader.
NOT_READERS = {
    # REST writes: the write's own rules (product_permissions.check_update / check_delete) answer for a
    # product the reader may not see, with the reference's 404 — so the lookup must find it.
    "pimconnect.api.products:find_to_write": "the stored product a write names; its rules answer for hidden ones",
    "pimconnect.api.product_writes:_existing_uuids": "which uuids a batch's lines name exist (create or update)",
    "pimconnect.api.product_writes:_identifier_holders": "which identifiers a batch's lines send are taken",
    # Product writes (services/products/: validation, associations, writes): uniqueness over every
    # product, associations' targets, the row a write just stored.
    "pimconnect.services.products.validation:_identifier_taken": "uniqueness of an identifier, over every product",
    "pimconnect.services.products.writes:_uuid_taken": "uniqueness of a uuid, over every product",
    "pimconnect.services.products.associations:_associated_products": "an association's targets exist",
    "pimconnect.services.products.writes:_write_row": "the row a write just stored",
    "pimconnect.services.products.writes:save_product": "the row a stale write finds again",
    # Completeness jobs recompute every product of a family, or every product.
    "pimconnect.services.products.completeness:recompute_chunk": "maintenance job: a chunk of products",
    "pimconnect.services.products.completeness:_job_total": "maintenance job: its size",
    "pimconnect.services.products.completeness:enqueue_recompute_all": "maintenance job: anything to do?",
    "pimconnect.services.products.completeness:enqueue_recompute_family": "maintenance job: anything to do?",
    # The stored API text (issue 16) is rendered for every product, whoever reads it later.
    "pimconnect.services.products.representation:render_chunk": "maintenance job: a chunk of products",
    "pimconnect.services.products.representation:_total": "maintenance job: its size",
    # The structure: a family in use cannot be deleted; ``has_products`` is a property of the family.
    "pimconnect.services.structure.families:delete_family": "a family any product uses cannot be deleted",
    "pimconnect.api.families:_has_products": "a property of the family (has_products), whoever reads it",
    # The demo products and the benchmarks' generator write products.
    "pimconnect.services.demo.generator:_next_number": "generator: the last generated identifier",
    "pimconnect.services.demo.generator:demo_products": "seeding the demo products",
    # The selection engine's planner counts (at most FEW + 1) matches of one criterion to choose a
    # plan on SQLite; no row reaches anybody.
    "pimconnect.services.selection.plans:Plan.on_column": "planner probe: a bounded count, no rows returned",
}

# Builders: they shape a product query without taking an Access, for callers that narrow it to their
# reader. Whoever uses one must take an Access (or be one of NOT_READERS).
BUILDERS = {
    "pimconnect.api.products:_select": "the columns a representation needs",
    "pimconnect.services.products.rest_text:select_sql": "the columns of a stored-text page, in the caller's query",
    "pimconnect.api.products:_rows": "the rows of the caller's query (narrowed by product_list)",
    "pimconnect.services.selection.values:ValueRows.document_text":
        "a correlated condition on a value row's product, part of a selection's condition",
}

# Read, but deliberately not narrowed yet: each is a known gap the permissions issue closes.
NOT_NARROWED_YET = {
    # (none: associations are filtered on read and merged on write, issue 13)
}


def _modules():
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield name.removesuffix(".__init__"), ast.parse(path.read_text(), str(path))


def _imports(module_name, tree):
    """{local name: qualified target} for the module's imports ("pkg.mod" or "pkg.mod:function")."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else ".".join(module_name.split(".")[:-node.level] + [node.module])
            for alias in node.names:
                names[alias.asname or alias.name] = f"{base}:{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name
    return names


def _functions(tree):
    """(qualified name within the module, node) of the module's functions and methods (nested ones are
    part of the function that defines them)."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield f"{node.name}.{item.name}", item


def _selects_directly(node):
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        func = call.func
        if not isinstance(func, ast.Attribute):
            continue
        model = func.value.id if isinstance(func.value, ast.Name) else getattr(func.value, "attr", None)
        if model in PRODUCT_MODELS and func.attr in SELECTING:  # Product.select(), models.Product.select()
            return True
        if func.attr in ("join", "switch") and call.args and isinstance(call.args[0], ast.Name) \
                and call.args[0].id in PRODUCT_MODELS:
            return True
    return False


def _uses(node, module_name, imports, local):
    """The qualified functions ``node`` names (calls them or passes them on)."""
    used = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            if sub.id in local:
                used.add(f"{module_name}:{sub.id}")
            elif ":" in imports.get(sub.id, ""):
                used.add(imports[sub.id])
        elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name):
            target = imports.get(sub.value.id, "")
            # ``module.function`` where ``module`` came from ``from package import module`` or ``import``
            used.add(f"{target.replace(':', '.')}:{sub.attr}" if target else "")
    used.discard("")
    return used


def _takes_access(node):
    arguments = node.args
    return any(a.arg == "access" for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs)


def analyse():
    """{qualified function: (takes an Access, selects directly, functions it uses)} over SCANNED."""
    found = {}
    for module_name, tree in _modules():
        imports = _imports(module_name, tree)
        functions = list(_functions(tree))
        local = {name for name, _node in functions if "." not in name}
        for name, node in functions:
            found[f"{module_name}:{name}"] = (_takes_access(node), _selects_directly(node),
                                             _uses(node, module_name, imports, local) - {f"{module_name}:{name}"})
    return found


def selecting_without_access(found):
    """The functions that select products, directly or through a function without an Access, and take none."""
    exposes = {name for name, (_access, direct, _uses) in found.items() if direct}
    changed = True
    while changed:  # a use of a function that exposes products, without an Access of its own, exposes them too
        changed = False
        for name, (_access, _direct, uses) in found.items():
            if name in exposes:
                continue
            if any(used in exposes and not found[used][0] and used not in NOT_READERS for used in uses):
                exposes.add(name)
                changed = True
    return {name for name in exposes if not found[name][0]}


def test_every_product_reader_takes_an_access():
    """A function that selects products takes ``access``, or is listed: not a reader, a builder, a known gap."""
    allowed = NOT_READERS.keys() | BUILDERS.keys() | NOT_NARROWED_YET.keys()
    assert sorted(selecting_without_access(analyse()) - allowed) == []


def test_the_allow_lists_name_functions_that_exist_and_select_products():
    """No stale entry: a listed function that no longer exists, or no longer selects products, leaves the list."""
    found = analyse()
    offenders = selecting_without_access(found)
    stale = [name for name in (*NOT_READERS, *BUILDERS, *NOT_NARROWED_YET) if name not in offenders]
    assert stale == []


def test_the_analysis_sees_a_reader_that_forgets_its_access():
    """The check itself: a direct select, and a use of a builder, are both caught; an Access clears them."""
    source = '''
from pimconnect.models import Product

def builder():
    return Product.select()

def reader():
    return list(builder())

def good_reader(access):
    return list(access.restrict(builder()))

def joined(query):
    return query.join(Product)
'''
    tree = ast.parse(source)
    imports = _imports("example", tree)
    local = {"builder", "reader", "good_reader", "joined"}
    found = {f"example:{name}": (_takes_access(node), _selects_directly(node),
                                 _uses(node, "example", imports, local) - {f"example:{name}"})
             for name, node in _functions(tree)}
    assert selecting_without_access(found) == {"example:builder", "example:reader", "example:joined"}


def test_views_never_build_an_unrestricted_access():
    """Views hand services the request's Access (api.core / permissions.current_access), never one that sees all."""
    offenders = [str(path.relative_to(ROOT)) for folder in ("pimconnect/api", "pimconnect/blueprints")
                 for path in (ROOT / folder).rglob("*.py") if "Access.unrestricted" in path.read_text()]
    assert offenders == []
