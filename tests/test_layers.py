"""The headless parts of opsdesk never load Qt: servers run them without a display.

Every module under opsdesk except the window (opsdesk.ui and the command that opens it) is
imported in a fresh interpreter, one per part of the package, found by walking the package, so
a new module is covered without being listed anywhere. The import-linter contract reads the
source; this checks what importing really loads.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import opsdesk

WINDOW = ("opsdesk.ui", "opsdesk.commands.gui")
QT = ("PySide6", "shiboken6", "pyqtgraph", "opsdesk.ui")
TOP_LEVEL = "opsdesk"  # the part made of opsdesk's own top-level modules (cli, config, ...)

# Runs in the child: import every module of one part, oldest name first, and name the first
# import after which a Qt module is loaded.
_PROBE = """
import importlib, pkgutil, sys

part, window, qt = sys.argv[1], tuple(sys.argv[2].split()), tuple(sys.argv[3].split())

def inside(name, prefixes):
    return any(name == p or name.startswith(p + ".") for p in prefixes)

def modules(package):
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        if inside(info.name, window):
            continue
        yield info.name
        if info.ispkg:
            yield from modules(importlib.import_module(info.name))

if part == "opsdesk":
    root = importlib.import_module("opsdesk")
    names = [i.name for i in pkgutil.iter_modules(root.__path__, "opsdesk.") if not i.ispkg]
else:
    names = [part, *modules(importlib.import_module(part))]
for name in names:
    if inside(name, window):
        continue
    importlib.import_module(name)
    loaded = sorted(m for m in sys.modules if inside(m, qt))
    if loaded:
        sys.exit(f"importing {name} loaded {', '.join(loaded[:5])}")
print(len(names))
"""


def _parts() -> list[str]:
    found = pkgutil.iter_modules(opsdesk.__path__, "opsdesk.")
    return [TOP_LEVEL, *sorted(i.name for i in found if i.ispkg and i.name not in WINDOW)]


@pytest.mark.parametrize("part", _parts())
def test_headless_part_never_loads_qt(part: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, part, " ".join(WINDOW), " ".join(QT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert int(result.stdout) > 0  # it did import something
