"""Page forms over the API's own rules.

A page form is turned into the same payload the API receives, loaded with the same marshmallow
schema (``registry.services.load``) and handed to the same service, so a form accepts exactly
what the API accepts. What comes back as an error is shown on the field it concerns, in the
visitor's language, with everything the person typed kept in the form.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from flask import request
from flask_babel import get_locale, gettext

from .. import gs1
from ..apiutil import etag_of
from ..errors import Conflict, Forbidden, NotFound, ServiceError, ValidationFailed
from . import messages

_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_GROUPED = {".": re.compile(r"^-?\d{1,3}(\.\d{3})+$"), ",": re.compile(r"^-?\d{1,3}(,\d{3})+$")}


@dataclass
class Form:
    """What was typed, and what is wrong with it, for one rendering of a form."""

    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    message: str | None = None  # a problem with the form as a whole
    conflict: dict | None = None  # another person's newer version of the record

    def value(self, name: str, default=""):
        value = self.values.get(name)
        return default if value is None else value

    def error(self, name: str) -> list[str]:
        return self.errors.get(name, [])

    @property
    def invalid(self) -> bool:
        return bool(self.errors or self.message or self.conflict)

    @classmethod
    def from_request(cls, **defaults) -> "Form":
        values = dict(defaults)
        for key in request.form:
            values[key] = request.form.get(key, "")
        return cls(values=values)


def locale_code() -> str:
    return str(get_locale() or "vi")


# --------------------------------------------------------------------------- payloads


def iso_date(text: str) -> str:
    """Accept dd/mm/yyyy as people write it in Vietnam, as well as the ISO form."""
    match = _DMY.match(text or "")
    if match:
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return text
    return (text or "").strip()


def decimal_text(text: str, *, grouping: bool = True) -> str:
    """A number as the API reads it, from the way people write it in this language.

    Vietnamese writes 1.234,5 and English 1,234.5. A comma alone is a decimal comma in either
    language (2,5 kg). With ``grouping``, a point followed by groups of three digits is a
    thousands separator in Vietnamese (3.500 kg is three and a half thousand); coordinates
    and areas are read without grouping (9.3412 is a latitude).
    """
    text = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." in text:  # both: the last one is the decimal mark
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        return text.replace("." if decimal == "," else ",", "").replace(",", ".")
    thousands = "." if locale_code() == "vi" else ","
    if grouping and _GROUPED[thousands].match(text):
        return text.replace(thousands, "")
    return text.replace(",", ".")


def lines(text: str, *, commas: bool = False) -> list[str]:
    parts = re.split(r"[\r\n,]+" if commas else r"[\r\n]+", text or "")
    return [part.strip() for part in parts if part.strip()]


def payload(form: Form, spec: dict[str, str], *, partial: bool = False) -> dict:
    """The API payload for a form, field by field as ``spec`` says.

    Kinds: ``str`` (as typed), ``int``/``float``/``decimal``/``date`` (an empty box means
    "not given" on a new record and "clear it" on an edit), ``list`` (one item per line),
    ``list,`` (one per line or comma-separated), ``choice`` (an empty choice is not given).
    """
    data: dict = {}
    for name, kind in spec.items():
        raw = form.values.get(name)
        if raw is None:
            continue
        raw = str(raw)
        if kind == "str":
            data[name] = raw
        elif kind in ("list", "list,"):
            data[name] = lines(raw, commas=kind == "list,")
        elif not raw.strip():
            if partial and kind != "choice":
                data[name] = None
        elif kind == "date":
            data[name] = iso_date(raw)
        elif kind in ("decimal", "float"):
            data[name] = decimal_text(raw, grouping=kind == "decimal")
        else:
            data[name] = raw.strip()
    return data


# --------------------------------------------------------------------------- errors


def apply_error(form: Form, error: ServiceError, *, conflict_field: str | None = None,
                field_map: dict | None = None) -> int:
    """Put a service error on the form; return the HTTP status to answer with."""
    if isinstance(error, ValidationFailed):
        translated = messages.translate_errors(error.errors)
        for name, texts in translated.items():
            name = (field_map or {}).get(name, name)
            if name in ("_schema", "_body"):
                form.message = " ".join(texts)
                continue
            shown = form.errors.setdefault(name, [])
            shown.extend(text for text in texts if text not in shown)
        return 422
    text = messages.translate(error.detail)
    if isinstance(error, Conflict) and conflict_field:
        form.errors.setdefault(conflict_field, []).append(text)
    else:
        form.message = text
    if isinstance(error, NotFound | Forbidden | Conflict):
        return error.status
    return error.status or 400


def gs1_field_errors(form: Form, field_name: str, value: str) -> None:
    """Replace the GS1 library's English message on a key field by its own translation."""
    if field_name not in form.errors or locale_code() != "vi":
        return
    try:
        gs1.normalize_gtin(str(value or "").strip())
    except gs1.GS1Error as error:
        form.errors[field_name] = [messages.gs1_problem_text(error, "vi")]


def require_fields(form: Form, names_labels: dict[str, str]) -> None:
    """Boxes the page itself needs (the schema would not name them in a person's words)."""
    for name in names_labels:
        if not str(form.values.get(name, "")).strip():
            form.errors.setdefault(name, []).append(gettext("This field is required."))


# --------------------------------------------------------------------------- versions


def version_of(record_dict: dict) -> str:
    """The record's ETag: a hidden field on edit forms, the page's If-Match."""
    return etag_of(record_dict)


def check_version(form: Form, current: dict, labels: dict[str, str]) -> bool:
    """False (and the form says so) when someone else saved the record since it was opened.

    The person's typed values stay; the form shows what the other person saved and now
    carries the new version, so saving again is a deliberate choice, never a silent one.
    """
    posted = str(form.values.get("version", ""))
    latest = version_of(current)
    if posted == latest:
        return True
    changed = {}
    for name, label in labels.items():
        if name in current:
            value = current[name]
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            changed[label] = "" if value is None else str(value)
    form.conflict = changed
    form.values["version"] = latest
    form.message = gettext(
        "Someone else saved this record after you opened it. Their version is shown below; "
        "your changes are still in the form. Check them and save again to replace theirs.")
    return False
