"""Reading pages in tests: a field's error text, the value a field holds."""

import html
import re


def field_error(page: str, name: str) -> str | None:
    """The error text shown under a form field (linked with aria-describedby), or None."""
    match = re.search(rf'<p class="field-error" id="f-{re.escape(name)}-error">(.*?)</p>', page,
                      re.S)
    if match is None:
        return None
    assert re.search(rf'id="f-{re.escape(name)}"[^>]*aria-describedby="[^"]*f-{re.escape(name)}'
                     rf'-error', page, re.S), f"{name}: error not linked to the field"
    text = re.sub(r'<span class="visually-hidden">.*?</span>', "", match.group(1))
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text).strip()


def field_value(page: str, name: str) -> str | None:
    """The value an input holds, or a textarea's text, or a select's chosen option."""
    tag = re.search(rf'<(input|textarea|select) id="f-{re.escape(name)}"[^>]*>', page, re.S)
    if tag is None:
        return None
    if tag.group(1) == "input":
        value = re.search(r'value="([^"]*)"', tag.group(0))
        return html.unescape(value.group(1)) if value else ""
    rest = page[tag.end():]
    if tag.group(1) == "textarea":
        return html.unescape(rest[:rest.index("</textarea>")])
    chosen = re.search(r'<option value="([^"]*)" selected>', rest[:rest.index("</select>")])
    return html.unescape(chosen.group(1)) if chosen else ""


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))
