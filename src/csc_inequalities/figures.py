"""Saving figures: one policy for every figure the workflow writes.

- Resolution: :data:`DPI` dots per inch (a figure's size in inches is its own).
- Format: from the file name's ending, one of :data:`FORMATS`.
- Deterministic: no timestamp, software version or random ID in the file, so the same data and
  configuration give the same bytes (with the same matplotlib and fonts).
- The folder is created; the figure is closed once written.

matplotlib is imported only when a figure is saved (the callers import it lazily too).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

DPI = 120
FORMATS = (".png", ".svg", ".pdf")
# Metadata keys matplotlib would fill with a version or a date, cleared per format.
_METADATA = {
    ".png": {"Software": None},
    ".svg": {"Date": None, "Creator": None},
    ".pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
}
_SVG_HASH_SALT = "csc-inequalities"  # SVG element IDs from a fixed salt, not a random one


def save_figure(fig: Any, path: str | Path) -> Path:
    """Write ``fig`` (a matplotlib Figure) to ``path`` under the policy above and close it."""
    import matplotlib
    import matplotlib.pyplot as plt

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: a figure is saved as one of {', '.join(FORMATS)}, not {suffix or 'no ending'!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"svg.hashsalt": _SVG_HASH_SALT}):
        fig.savefig(path, dpi=DPI, format=suffix[1:], metadata=_METADATA[suffix])
    plt.close(fig)
    return path
