"""Locate the shared GS1 conformance vectors; tests using them skip cleanly when absent.

The folder is looked up in ``GS1_VECTORS_DIR`` first, then beside the project as
``../shared/gs1_vectors`` (how CI lays it out).
"""

import json
import os
from functools import cache
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def vectors_dir() -> Path | None:
    configured = os.environ.get("GS1_VECTORS_DIR")
    candidate = Path(configured) if configured else PROJECT_ROOT.parent / "shared" / "gs1_vectors"
    return candidate if candidate.is_dir() else None


def require_vectors() -> Path:
    """Return the vectors folder or skip the calling test."""
    found = vectors_dir()
    if found is None:
        pytest.skip("GS1 vectors folder (../shared/gs1_vectors) not present")
    return found


@cache
def load_json(relative: str):
    """Parsed JSON of a vectors file, or None when the folder is absent."""
    found = vectors_dir()
    if found is None:
        return None
    with open(found / relative, encoding="utf-8") as handle:
        return json.load(handle)
