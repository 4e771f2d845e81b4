"""Text helpers for Vietnamese: search that works with and without diacritics."""

import unicodedata


def fold(text: str | None) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse spaces: "Hành Tím" → "hanh tim"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def search_key(*parts: str | None) -> str:
    return " ".join(fold(part) for part in parts if part)
