"""package_sources: the package modules a workflow script reaches through its imports."""

from __future__ import annotations

from pathlib import Path

from csc_inequalities.code_deps import package_sources

ROOT = Path(__file__).resolve().parents[1]


def _write(root: Path, relative: str, text: str = "") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_absolute_relative_lazy_and_dynamic_imports(tmp_path):
    pkg = tmp_path / "csc_inequalities"
    _write(pkg, "__init__.py")
    _write(pkg, "util.py")
    _write(pkg, "unused.py")
    _write(pkg, "stats/__init__.py")
    _write(pkg, "stats/model.py", "from .helpers import solve\nfrom ..util import thing\n")
    _write(pkg, "stats/helpers.py", "def solve():\n    import csc_inequalities.stats.lazy\n")
    _write(pkg, "stats/lazy.py")
    _write(pkg, "sections/__init__.py")
    _write(pkg, "sections/a.py")
    _write(pkg, "sections/b.py")
    _write(pkg, "render.py", "import importlib\nm = importlib.import_module(f'csc_inequalities.sections.{x}')\n")
    script = tmp_path / "script.py"
    script.write_text(
        "import pandas\nfrom csc_inequalities.stats.model import fit\nfrom csc_inequalities import render\n"
    )
    found = {Path(p).relative_to(pkg).as_posix() for p in package_sources(script, pkg)}
    assert found == {
        "__init__.py",
        "util.py",
        "stats/__init__.py",
        "stats/model.py",
        "stats/helpers.py",
        "stats/lazy.py",
        "render.py",
        "sections/__init__.py",
        "sections/a.py",
        "sections/b.py",
    }


def test_a_script_reaches_its_strand_and_not_others():
    sources = package_sources(ROOT / "workflow/scripts/lca_items.py", ROOT / "src/csc_inequalities")
    names = {Path(p).relative_to(ROOT / "src/csc_inequalities").as_posix() for p in sources}
    assert "lca/items.py" in names
    assert not any(name.startswith(("gradient/", "national/", "synthetic/")) for name in names)
