"""Imports between the apps point one way, and only from the top of a module.

notes is the base; newsletter builds on notes; billing builds on both; the project package `solo`
(settings, urls, the admin site, the dashboard) may use every app, and no app reaches back into it.
comments build on notes, newsletter and billing.access; only `solo` imports them.
The one exception is `billing.access`, the one place deciding who may read a note in full, which
every app asks. An import inside a function usually dodges a cycle: the arrow points the wrong way.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("notes", "newsletter", "billing", "comments", "analytics", "solo")

# What each package may import from the other packages above: a package, or one module of it.
ALLOWED = {
    "notes": {"billing.access"},
    "newsletter": {"notes", "billing.access"},
    "billing": {"newsletter", "notes"},
    # comments hang under notes (one level of replies); nothing but `solo` imports them.
    "comments": {"notes", "newsletter", "billing.access"},
    # Page views counted (analytics): reads notes to tie a path to its note; only solo uses it.
    "analytics": {"notes", "billing.access"},
    "solo": {"notes", "newsletter", "billing", "comments", "analytics"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module a `from … import` names, with relative imports resolved against `module`."""
    if not node.level:
        return node.module or ""
    package = module.split(".")
    package = package if is_package else package[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _targets(node, module: str, is_package: bool) -> list[tuple[str, str]]:
    """(module, name) for each name an import binds; `name` may itself be a submodule."""
    if isinstance(node, ast.Import):
        return [(alias.name, "") for alias in node.names]
    return [(_absolute(node, module, is_package), alias.name) for alias in node.names]


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST):
    """Each import statement, and whether it sits in a function (a TYPE_CHECKING block does not).

    `AppConfig.ready()` is Django's documented place to import signal receivers: not counted.
    """

    def walk(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, in_function
            elif isinstance(child, ast.If) and _is_type_checking(child):
                yield from walk(child, False)
            else:
                function = isinstance(child, ast.Lambda) or (
                    isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                    and child.name != "ready"
                )
                yield from walk(child, in_function or function)

    yield from walk(tree, False)


def _allowed(app: str, source: str, name: str) -> bool:
    other = source.split(".")[0]
    if other not in APPS or other == app:
        return True
    return any(
        candidate == allowed or candidate.startswith(f"{allowed}.")
        for candidate in (source, f"{source}.{name}")
        for allowed in ALLOWED[app]
    )


def import_violations() -> list[str]:
    """Imports against the table above, and imports inside functions, as `path:line: what`."""
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            module = _module_name(path)
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            where = path.relative_to(ROOT)
            for node, in_function in _imports(tree):
                for source, name in _targets(node, module, path.name == "__init__.py"):
                    if not _allowed(app, source, name):
                        what = f"{name} from {source}" if name else source
                        found.append(f"{where}:{node.lineno}: {app} imports {what}")
                if in_function:
                    found.append(f"{where}:{node.lineno}: import inside a function")
    return found


def test_apps_import_each_other_one_way_and_only_at_module_level():
    assert import_violations() == []
