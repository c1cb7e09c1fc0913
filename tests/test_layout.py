"""Layout meta-tests: the layers import only downwards (services never reach the API, the web UI or the
request; the API never reaches the web UI), and no module grows past what a reader takes in at once."""
import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "pimconnect"
MAX_LINES = 400
# Files split right now on other branches of issue 11; each leaves this list when its split lands.
BEING_SPLIT = set()
REQUEST_STATE = {"request", "g", "session"}  # flask's per-request objects


def _modules(folder):
    return sorted((PACKAGE / folder).rglob("*.py"))


def _name(path):
    return path.relative_to(PACKAGE).as_posix()


def imports(path, root=PACKAGE):
    """(module, name) for every import of ``path`` (a module of the package at ``root``), at any depth: a
    lazy import inside a function counts as much as one at the top. ``import a.b`` is ("a.b", None),
    ``from a import b`` ("a", "b"); relative imports are resolved."""
    package = ["pimconnect", *path.relative_to(root).parent.parts]  # where relative imports start
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([module] if module else []))
            found.extend((module, alias.name) for alias in node.names)
    return found


def _reaches(module, name, package):
    """Whether importing ``name`` from ``module`` reaches ``package`` (``pimconnect.api``…)."""
    full = f"{module}.{name}" if name else module
    return any(target == package or target.startswith(package + ".") for target in (module, full))


def _flask_request_state(path, root=PACKAGE):
    """The uses of flask's request, g or session: imported by name, or read as ``flask.<name>``."""
    uses = [f"from {module} import {name}" for module, name in imports(path, root)
            if module == "flask" and name in REQUEST_STATE]
    tree = ast.parse(path.read_text(), filename=str(path))
    uses += [f"flask.{node.attr}" for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
             and node.value.id == "flask" and node.attr in REQUEST_STATE]
    return uses


def test_services_import_neither_the_api_nor_the_web_ui():
    """A service is called by the API and the web UI, never the other way round."""
    wrong = [f"{_name(path)}: {module}{'.' + name if name else ''}"
             for path in _modules("services") for module, name in imports(path)
             if _reaches(module, name, "pimconnect.api") or _reaches(module, name, "pimconnect.blueprints")]
    assert wrong == []


def test_services_never_touch_the_request():
    """Services take what they need as arguments: no flask request, g or session (current_app is allowed)."""
    wrong = [f"{_name(path)}: {use}" for path in _modules("services") for use in _flask_request_state(path)]
    assert wrong == []


def test_the_api_does_not_import_the_web_ui():
    """What the API shares with the web UI lives in services, not in a blueprint."""
    wrong = [f"{_name(path)}: {module}{'.' + name if name else ''}"
             for path in _modules("api") for module, name in imports(path)
             if _reaches(module, name, "pimconnect.blueprints")]
    assert wrong == []


def test_no_module_is_longer_than_a_reader_takes_in():
    """Every Python file under pimconnect/ stays within MAX_LINES lines (split by meaning beyond that)."""
    too_long = {_name(path): length for path in _modules(".")
                if (length := len(path.read_text().splitlines())) > MAX_LINES}
    assert {name: length for name, length in too_long.items() if name not in BEING_SPLIT} == {}


def test_the_allow_list_names_only_files_that_still_need_it():
    """A file that was split leaves BEING_SPLIT, so the list cannot hide a file that grows back."""
    stale = sorted(name for name in BEING_SPLIT
                   if not (PACKAGE / name).exists() or len((PACKAGE / name).read_text().splitlines()) <= MAX_LINES)
    assert stale == []


def test_the_checks_see_what_they_look_for(tmp_path):
    """The import walk finds lazy, relative and attribute-style uses (so a passing test means something)."""
    root = tmp_path / "pimconnect"
    module = root / "services" / "sample.py"
    module.parent.mkdir(parents=True)
    module.write_text("import flask\nfrom flask import session\n\n\ndef f():\n    from ..api import core\n"
                      "    from pimconnect.blueprints.media import x\n    return flask.g, core, x, session\n")
    found = imports(module, root)
    assert ("pimconnect.api", "core") in found and ("pimconnect.blueprints.media", "x") in found
    assert _flask_request_state(module, root) == ["from flask import session", "flask.g"]
    assert _reaches("pimconnect", "api", "pimconnect.api") and not _reaches("pimconnect", "apis", "pimconnect.api")
