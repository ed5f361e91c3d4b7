"""The per-rule conda environments must name the same versions as the pip pins."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from the PyPI names.
CONDA_TO_PIP = {"snakemake-minimal": "snakemake", "matplotlib-base": "matplotlib", "pytables": "tables"}
# Packages that exist only on the conda side (R, system libraries, the interpreter itself).
NOT_ON_PYPI = re.compile(r"^(python|pip|r-.*|r|nodefaults|libblas|openblas|make|slurm|munge)$")


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def conda_dependencies(env_file: Path) -> list[str]:
    spec = yaml.safe_load(env_file.read_text())
    deps = []
    for dep in spec.get("dependencies", []):
        if isinstance(dep, str):
            deps.append(dep)
        elif isinstance(dep, dict) and "pip" in dep:
            deps.extend(d.replace("==", "=") for d in dep["pip"] if not d.startswith("-"))
    return deps


ENV_FILES = sorted((ROOT / "envs").glob("*.yaml"))


def test_every_rule_env_exists():
    assert ENV_FILES, "envs/ holds no environment files"
    text = "\n".join(p.read_text() for p in (ROOT / "workflow" / "rules").glob("*.smk"))
    for name in re.findall(r'env_file\("([^"]+)"\)', text):
        assert (ROOT / "envs" / f"{name}.yaml").exists(), f"rule env envs/{name}.yaml is missing"


@pytest.mark.parametrize("env_file", ENV_FILES, ids=lambda p: p.name)
def test_env_pins_match_requirements(env_file):
    pins = pip_pins()
    spec = yaml.safe_load(env_file.read_text())
    assert "conda-forge" in spec.get("channels", []), f"{env_file.name}: conda-forge channel missing"
    mismatches = []
    for dep in conda_dependencies(env_file):
        name, _, version = dep.partition("=")
        name = CONDA_TO_PIP.get(name.strip().lower(), name.strip().lower())
        version = version.lstrip("=").strip()
        if NOT_ON_PYPI.match(name):
            continue
        assert version, f"{env_file.name}: {name} is not pinned"
        if name not in pins:
            mismatches.append(f"{name}={version} has no pip pin in requirements.txt")
        elif pins[name] != version:
            mismatches.append(f"{name}: conda {version} != pip {pins[name]}")
    assert not mismatches, f"{env_file.name}: " + "; ".join(mismatches)


def test_lock_contains_every_pin():
    lock = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line:
            name, version = line.strip().split("==")
            lock[name.lower().replace("_", "-")] = version
    for name, version in pip_pins().items():
        assert lock.get(name.replace("_", "-")) == version, f"{name}=={version} differs in requirements.lock"
