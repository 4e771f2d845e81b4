"""Vietnamese first, English second: catalogues, the language choice, dates and numbers."""

from datetime import UTC, date, datetime
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import refresh

from tests.web.conftest import make_batch, make_product
from tests.web.helpers import text_of
from traceability.web import display

TRANSLATIONS = Path(__file__).resolve().parents[2] / "traceability" / "web" / "translations"


def _catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def test_every_message_has_a_vietnamese_translation_and_is_compiled():
    po = _catalog("vi")
    untranslated = [m.id for m in po if m.id and not m.string]
    assert untranslated == []
    with open(TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.mo", "rb") as handle:
        mo = read_mo(handle)
    assert {m.id: m.string for m in po if m.id} == {m.id: m.string for m in mo if m.id}
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        template = read_po(handle)
    assert {m.id for m in template if m.id} == {m.id for m in po if m.id}
    assert (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo").exists()


def test_placeholders_survive_translation():
    import re

    for message in _catalog("vi"):
        if message.id and message.string:
            names = set(re.findall(r"%\((\w+)\)s", message.id))
            assert names == set(re.findall(r"%\((\w+)\)s", message.string)), message.id


def test_language_from_query_session_and_browser(client):
    assert 'lang="vi"' in text_of(client.get("/"))
    assert "Đăng nhập" in text_of(client.get("/"))
    english = text_of(client.get("/?lang=en"))
    assert 'lang="en"' in english and "Sign in" in english
    assert 'lang="en"' in text_of(client.get("/", headers={"Accept-Language": "en-GB,en"}))
    client.get("/lang/en?next=/login")
    assert 'lang="en"' in text_of(client.get("/login"))
    client.get("/lang/vi")
    assert 'lang="vi"' in text_of(client.get("/login", headers={"Accept-Language": "en"}))


def test_language_switch_never_leaves_the_site(client):
    assert client.get("/lang/en?next=//evil.example").headers["Location"] == "/"
    assert client.get("/lang/en?next=/\\evil.example").headers["Location"] == "/"
    assert client.get("/lang/en?next=https://evil.example").headers["Location"] == "/"


def test_dates_and_numbers_in_vietnamese_and_english(app):
    with app.test_request_context("/?lang=vi"):
        refresh()
        assert display.show_date(date(2026, 3, 7)) == "07/03/2026"
        assert display.show_date("2026-03-07") == "07/03/2026"
        assert display.show_number("1234567.5") == "1.234.567,5"
        assert display.show_number(1250) == "1.250"
        assert display.input_number("1250.500") == "1250,5"
        when = datetime(2026, 3, 7, 2, 5, tzinfo=UTC)
        assert display.show_datetime(when) == "09:05 07/03/2026"  # Asia/Ho_Chi_Minh
    with app.test_request_context("/?lang=en"):
        refresh()  # the test's application context outlives one request
        assert display.show_date(date(2026, 3, 7)) == "7 Mar 2026"
        assert display.show_number("1234567.5") == "1,234,567.5"


def test_numbers_are_read_the_way_people_write_them(app):
    from traceability.web.formkit import decimal_text, iso_date

    typed = ["3.500", "1.250,5", "2,5", "1.5", "3,500", "1,234.5"]
    with app.test_request_context("/?lang=vi"):
        refresh()
        assert [decimal_text(t) for t in typed] == [
            "3500", "1250.5", "2.5", "1.5", "3.500", "1234.5"]
        assert decimal_text("105.990", grouping=False) == "105.990"
    with app.test_request_context("/?lang=en"):
        refresh()
        assert [decimal_text(t) for t in typed] == [
            "3.500", "1250.5", "2.5", "1.5", "3500", "1234.5"]
    assert iso_date("7/3/2026") == "2026-03-07"
    assert iso_date("31/02/2026") == "31/02/2026"  # not a date: the schema will say so
    assert iso_date("2026-03-07") == "2026-03-07"


def test_pages_show_vietnamese_dates_and_numbers(business):
    product_id = make_product(business)
    batch_id = make_batch(business, product_id, production_date="2026-03-12",
                          quantity="1234567.5")
    page = text_of(business.get(f"/portal/batches/{batch_id}"))
    assert "12/03/2026" in page and "1.234.567,5 kg" in page
    english = text_of(business.get(f"/portal/batches/{batch_id}?lang=en"))
    assert "12 Mar 2026" in english and "1,234,567.5 kg" in english


def test_accessible_markup_on_every_form(business):
    page = business.post("/portal/products/new", data={"gtin": "", "name": ""}
                         ).get_data(as_text=True)
    assert 'class="skip" href="#main"' in page and 'id="main"' in page
    assert '<label for="f-gtin">' in page and 'id="f-gtin"' in page
    assert 'role="alert"' in page and 'href="#f-gtin"' in page
    assert 'aria-describedby="f-gtin-help f-gtin-error"' in page
    assert "http://" not in page.split("<body")[0].replace("http://www.w3.org", "")


def test_catalogue_covers_every_string_in_the_code():
    """A new message in code or templates must be extracted and translated (see babel.cfg)."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = TRANSLATIONS.parents[2]
    with open(root / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = {message for _, _, message, _, _ in extract_from_dir(
        str(root), method_map, options_map, keywords=keywords)}
    found = {m if isinstance(m, str) else m[0] for m in found}
    translated = {m.id for m in _catalog("vi") if m.id and m.string}
    assert sorted(found - translated) == []
