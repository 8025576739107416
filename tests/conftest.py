"""Shared test setup: import the runtime from source and the generated versions.

``runtime/`` comes first on ``sys.path``, so ``docker_engine`` is the
hand-written source; its ``extend_path`` then finds the version packages
in ``generated/docker-engine-v1-NN`` (written by ``make generate``).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"

for folder in sorted(GENERATED.glob("docker-engine-v1-*"), reverse=True):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
if str(ROOT / "runtime") not in sys.path:
    sys.path.insert(0, str(ROOT / "runtime"))

# Fixtures of the real-engine tests (engines, name_prefix, cleanup).
pytest_plugins = ["conftest_engines"]
