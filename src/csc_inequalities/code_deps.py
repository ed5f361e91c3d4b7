"""Which package source files a workflow script runs: the code inputs of its rule.

A rule lists its script as an input, so editing the script reruns it; the statistics, though, live in
the package. ``package_sources(script)`` follows the script's imports of ``csc_inequalities`` through
the package (statically, by parsing: nothing is imported) and returns every module file it reaches.
Given as a rule's ``code`` input, editing one module reruns exactly the rules whose scripts use it,
and what depends on their outputs, and nothing else.

Imports inside functions count too (the package imports heavy modules lazily), so the set is an
over-approximation of what one run executes: a module a script could run is a module it depends on.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = "csc_inequalities"


def _module_file(package_root: Path, dotted: str) -> Path | None:
    """File of a dotted module name under the package root (module.py or package/__init__.py)."""
    parts = dotted.split(".")
    if parts[0] != PACKAGE:
        return None
    base = package_root.joinpath(*parts[1:])
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _module_name(package_root: Path, path: Path) -> str:
    relative = path.relative_to(package_root).with_suffix("")
    parts = [PACKAGE, *relative.parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_names(path: Path, package_root: Path) -> set[str]:
    """Dotted names of the package modules ``path`` imports (absolute and relative imports)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    inside = path.is_relative_to(package_root)
    current = _module_name(package_root, path) if inside else ""
    is_package = path.name == "__init__.py"
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if not inside:
                    continue
                anchor = current.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != PACKAGE:
                continue
            names.add(base)
            # "from package import module" imports a module, "from module import name" a name.
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            names.update(_dynamic_targets(node.args[0], package_root))
    return names


def _is_import_module(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module") or (
        isinstance(func, ast.Name) and func.id == "import_module"
    )


def _dynamic_targets(argument: ast.expr, package_root: Path) -> set[str]:
    """importlib.import_module("pkg.mod") names one module; f"pkg.sub.{name}" any module of pkg.sub."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return {argument.value}
    if (
        isinstance(argument, ast.JoinedStr)
        and argument.values
        and isinstance(argument.values[0], ast.Constant)
        and str(argument.values[0].value).endswith(".")
    ):
        prefix = str(argument.values[0].value).rstrip(".")
        folder = _module_file(package_root, prefix)
        if folder is not None and folder.name == "__init__.py":
            return {f"{prefix}.{p.stem}" for p in folder.parent.glob("*.py") if p.stem != "__init__"}
    return set()


def _with_parents(dotted: str) -> list[str]:
    """Importing a.b.c runs a/__init__, a/b/__init__ and a/b/c."""
    parts = dotted.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


@cache
def _closure(path: str, package_root: str) -> tuple[str, ...]:
    root = Path(package_root)
    seen: set[Path] = set()
    pending = [Path(path)]
    while pending:
        current = pending.pop()
        for dotted in _imported_names(current, root):
            for name in _with_parents(dotted):
                module = _module_file(root, name)
                if module is not None and module not in seen:
                    seen.add(module)
                    pending.append(module)
    return tuple(sorted(str(p) for p in seen))


def package_sources(script: str | Path, package_root: str | Path) -> list[str]:
    """Sorted package source files (paths as given by ``package_root``) that ``script`` reaches."""
    return list(_closure(str(script), str(package_root)))
