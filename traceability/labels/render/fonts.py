"""Locate TrueType fonts with Vietnamese coverage (DejaVu by default).

Order: an explicit path, the ``TRACEABILITY_LABEL_FONT_DIR`` environment variable (a folder
holding DejaVuSans.ttf, DejaVuSans-Bold.ttf, DejaVuSansMono.ttf), then the usual system
locations (Debian's ``fonts-dejavu-core`` puts them in /usr/share/fonts/truetype/dejavu).
``None`` means no such font was found and callers fall back (see ``sheet`` and ``_text``).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Literal

FontRole = Literal["regular", "bold", "mono"]

FONT_FILES: dict[str, tuple[str, ...]] = {
    "regular": ("DejaVuSans.ttf", "NotoSans-Regular.ttf", "LiberationSans-Regular.ttf"),
    "bold": ("DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf", "LiberationSans-Bold.ttf"),
    "mono": ("DejaVuSansMono.ttf", "NotoSansMono-Regular.ttf", "LiberationMono-Regular.ttf"),
}

SEARCH_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/noto",
    "/usr/share/fonts/truetype/liberation",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)

ENV_VAR = "TRACEABILITY_LABEL_FONT_DIR"


@cache
def find_font(role: FontRole = "regular") -> str | None:
    """Path of a TTF for ``role`` or None."""
    dirs: list[str] = []
    env = os.environ.get(ENV_VAR)
    if env:
        dirs.append(env)
    dirs.extend(SEARCH_DIRS)
    for folder in dirs:
        for name in FONT_FILES[role]:
            candidate = Path(folder) / name
            if candidate.is_file():
                return str(candidate)
    return None
