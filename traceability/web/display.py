"""How values look on pages: dates as dd/mm/yyyy and numbers as 1.234,5 in Vietnamese, the
navigation of each role, and the vocabulary of codes."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext
from flask_login import current_user

from . import optional, vocab

DATE_FORMATS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
DATETIME_FORMATS = {"vi": "HH:mm dd/MM/yyyy", "en": "d MMM yyyy, HH:mm"}


def _locale() -> str:
    return str(get_locale() or "vi")


def show_date(value) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, DATE_FORMATS.get(_locale(), "dd/MM/yyyy"))


def show_day(value: str) -> str:
    """A short day for chart axes: 07/03 in Vietnamese, 7 Mar in English."""
    return format_date(date.fromisoformat(value[:10]), "dd/MM" if _locale() == "vi" else "d MMM")


def show_datetime(value) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return format_datetime(value, DATETIME_FORMATS.get(_locale(), "dd/MM/yyyy HH:mm"))


def show_number(value) -> str:
    """1.234,5 in Vietnamese, 1,234.5 in English (at most three decimals, as stored)."""
    if value in (None, ""):
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_decimal(number, format="#,##0.###")


def input_number(value) -> str:
    """A number as a person types it in this language (for values put back in a form)."""
    if value in (None, ""):
        return ""
    text = str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") if _locale() == "vi" else text


def navigation() -> list[tuple[str, str]]:
    """(url, label) of the current person's area of the site."""
    if not current_user.is_authenticated:
        return []
    items: list[tuple[str, str]] = []
    role = current_user.role
    if role == "business":
        items += [
            (url_for("web.portal.dashboard"), gettext("Overview")),
            (url_for("web.portal.products"), gettext("Products")),
            (url_for("web.portal.batches"), gettext("Batches")),
            (url_for("web.portal.locations"), gettext("Locations")),
            (url_for("web.portal.certificates"), gettext("Certificates")),
            (url_for("web.portal.import_page"), gettext("Import")),
        ]
        if optional.available("labels.services", "start_label_job"):
            items.append((url_for("web.portal.labels"), gettext("Labels")))
        if optional.available("resolver.services", "scan_stats"):
            items.append((url_for("web.portal.stats"), gettext("Scans")))
    if role == "admin":
        items += [
            (url_for("web.admin.dashboard"), gettext("Administration")),
            (url_for("web.admin.organizations"), gettext("Organizations")),
            (url_for("web.admin.inspectors"), gettext("Inspectors")),
            (url_for("web.admin.audit_log"), gettext("Audit log")),
            (url_for("web.admin.gateway"), gettext("National portal sync")),
        ]
    if role in ("inspector", "admin"):
        items.append((url_for("web.console.search"), gettext("Trace a code")))
        if optional.available("oversight.services", "list_inspections", "create_inspection"):
            items.append((url_for("web.console.inspections"), gettext("Inspections")))
        items.append((url_for("web.console.inbox"), gettext("Reports inbox")))
    return items


def is_current(url: str) -> bool:
    """The navigation item of the page shown: itself, or the section above it (an area's
    overview, which ends in "/", only for itself)."""
    path = request.path
    return path == url or (not url.endswith("/") and path.startswith(url + "/"))


def install(app) -> None:
    app.jinja_env.filters.update(
        vn_date=show_date, vn_datetime=show_datetime, vn_number=show_number,
        input_number=input_number,
    )
    app.jinja_env.globals.update(
        label=vocab.label, choices=vocab.choices, navigation=navigation, is_current=is_current,
    )
