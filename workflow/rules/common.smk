# Config validation and helpers shared by every rule file.
import sys
from pathlib import Path

import os

# The project's package is importable in every job (venv, conda env or cluster node alike):
# jobs inherit PYTHONPATH from this process, so conda envs need not install the package.
_package_dir = str(Path(workflow.basedir) / "src")
sys.path.insert(0, _package_dir)
os.environ["PYTHONPATH"] = os.pathsep.join(
    [_package_dir] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
)

from csc_inequalities.config import load_schema, validate_config

# A wrong key or type stops here, before any job, with a message naming the key.
config.update(validate_config(config, load_schema(Path(workflow.basedir) / "workflow/schemas")))

# Each strand registers what its report section needs: REPORT_SECTIONS[name] = {
#   "order": int, "template": "sections/<name>.html.j2", "inputs": {key: path, ...}}.
REPORT_SECTIONS = {}


def script_path(name):
    """Path of a workflow script, given as the rule input "script" so that its checksum is
    recorded in the provenance and editing it reruns the rule."""
    return f"workflow/scripts/{name}"


def env_file(name):
    return f"../../envs/{name}.yaml"
