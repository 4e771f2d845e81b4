"""Links of an identified item, level by level, and the choice of one (GS1-Conformant Resolver).

A request such as ``/01/<gtin>/10/<lot>/21/<serial>`` has levels from the most specific down
to the primary key (serial, lot, GTIN). Each level offers the registry's own pages (when the
record exists) and any extra links recorded for it (:class:`~.models.ResolverLink`). A
requested link type is looked for from the most specific level up; among several links of
that type the best match for ``Accept-Language`` and ``context`` wins, and when several match
equally well the caller answers 300 Multiple Choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from .. import gs1
from .services import link_type_uri
from .texts import translator

DEFAULT_LINK = "gs1:defaultLink"
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
HOME_LANGUAGES = ("vi", "en")


@dataclass(frozen=True, slots=True)
class Link:
    link_type: str  # CURIE (gs1:pip) or full URI
    href: str
    title: str
    media_type: str = ""
    hreflang: tuple[str, ...] = ()
    context: tuple[str, ...] = ()

    def to_json(self) -> dict:
        body: dict = {"href": self.href, "title": self.title}
        if self.media_type:
            body["type"] = self.media_type
        languages = [lang for lang in self.hreflang if lang.lower() != "und"]
        if languages:
            body["hreflang"] = languages
        if self.context:
            body["context"] = list(self.context)
        return body


@dataclass(slots=True)
class Level:
    path: str  # canonical DL path of this level, e.g. /01/09506000134376/10/LOT01
    qualifiers: tuple[tuple[str, str], ...]
    description: str = ""
    links: list[Link] = field(default_factory=list)
    default_type: str | None = None


def level_paths(primary_key: str, key_value: str,
                qualifiers: list[tuple[str, str]]) -> list[tuple[str, tuple]]:
    """(path, qualifiers) of each level, most specific first, down to the primary key."""
    key_path = f"/{primary_key}/{gs1.dl_escape(key_value)}"
    levels = []
    for size in range(len(qualifiers), -1, -1):
        kept = tuple(qualifiers[:size])
        levels.append((key_path + "".join(f"/{ai}/{gs1.dl_escape(v)}" for ai, v in kept), kept))
    return levels


# ------------------------------------------------------------------ extra links per level


def _match(pattern: tuple, qualifiers: tuple) -> dict | None:
    """Placeholder bindings when ``pattern`` matches the level's qualifiers exactly."""
    if len(pattern) != len(qualifiers):
        return None
    bindings = {}
    for (pattern_ai, pattern_value), (ai, value) in zip(pattern, qualifiers, strict=True):
        if pattern_ai != ai:
            return None
        if pattern_value.startswith("{") and pattern_value.endswith("}"):
            bindings[pattern_value] = value
        elif pattern_value != value:
            return None
    return bindings


def _fill(text: str, bindings: dict) -> str:
    for placeholder, value in bindings.items():
        text = text.replace(placeholder, quote(value, safe=""))
    return text


def add_recorded_links(levels: list[Level], rows: list[dict]) -> None:
    """Put each recorded link on the level it belongs to (exact qualifiers before patterns)."""
    for level in levels:
        exact, patterned = [], []
        for row in rows:
            bindings = _match(row["qualifiers"], level.qualifiers)
            if bindings is not None:
                (patterned if bindings else exact).append((row, bindings))
        for row, bindings in exact or patterned:
            level.links.append(Link(row["link_type"], _fill(row["href"], bindings), row["title"],
                                    row["media_type"], row["hreflang"], row["context"]))
            if row["is_default_type"] and level.default_type is None:
                level.default_type = row["link_type"]
            if row["item_description"] and not level.description:
                level.description = row["item_description"]


# ------------------------------------------------------------------ the registry's own links


def registry_links(level: Level, kind: str, page_url: str, name: str, name_en: str, *,
                   certificates: bool, status_url: str | None, epcis_url: str | None) -> None:
    """The registry's pages for a level: ``kind`` is ``product``, ``batch`` or ``unit``."""
    vi, en = translator("vi"), translator("en")
    english_name = name_en or name
    level.links += [
        Link("gs1:pip", page_url, f"{vi('section.product')}: {name}", "text/html", ("vi",)),
        Link("gs1:pip", page_url + "?lang=en", f"{en('section.product')}: {english_name}",
             "text/html", ("en",)),
    ]
    if kind in ("batch", "unit"):
        level.links += [
            Link("gs1:traceability", page_url + "#hanh-trinh",
                 f"{vi('section.journey')}: {name}", "text/html", ("vi",)),
            Link("gs1:traceability", page_url + "?lang=en#hanh-trinh",
                 f"{en('section.journey')}: {english_name}", "text/html", ("en",)),
        ]
        if status_url:
            level.links.append(Link("gs1:recallStatus", status_url,
                                    "Tình trạng thu hồi / Recall status", "application/json"))
    if certificates:
        level.links += [
            Link("gs1:certificationInfo", page_url + "#chung-nhan",
                 f"{vi('section.certificates')}: {name}", "text/html", ("vi",)),
            Link("gs1:certificationInfo", page_url + "?lang=en#chung-nhan",
                 f"{en('section.certificates')}: {english_name}", "text/html", ("en",)),
        ]
    if epcis_url and kind == "batch":
        level.links.append(Link("gs1:epcis", epcis_url, "EPCIS 2.0 events", "application/json"))
    level.default_type = "gs1:pip"


# ------------------------------------------------------------------ choosing a link


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges by preference (q > 0), most preferred first."""
    ranges = []
    for position, part in enumerate((header or "").split(",")):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranges.append((-quality, position, name))
    return [name for _, _, name in sorted(ranges)]


def _language_rank(link: Link, ranges: list[str]) -> tuple:
    languages = [lang.lower() for lang in link.hreflang if lang.lower() != "und"]
    if not languages:
        return (1,)
    for index, wanted in enumerate(ranges):
        if wanted == "*":
            return (0, index, 3)
        if wanted in languages:
            return (0, index, 0)
        if any(lang.split("-")[0] == wanted for lang in languages):
            return (0, index, 1)
        if any(wanted.split("-")[0] == lang for lang in languages):
            return (0, index, 2)
    for home_rank, home in enumerate(HOME_LANGUAGES):
        if home in languages:
            return (2, home_rank)
    return (3,)


def best_links(links: list[Link], accept_language: str | None,
               context: str | None = None) -> list[Link]:
    """The links that best match the request; more than one means they tie."""
    if not links:
        return []
    ranges = parse_accept_language(accept_language)

    def rank(link: Link) -> tuple:
        context_rank = 0 if not context or context in link.context else 1
        return (context_rank, _language_rank(link, ranges))

    ranked = [(rank(link), link) for link in links]
    best = min(r for r, _ in ranked)
    chosen = []
    for r, link in ranked:
        if r == best and link not in chosen:
            chosen.append(link)
    return chosen


def find_type(levels: list[Level], link_type: str) -> list[Link]:
    """Links of ``link_type`` on the most specific level that has any (walk-up)."""
    for level in levels:
        found = [link for link in level.links if link.link_type == link_type]
        if found:
            return found
    return []


def default_link(levels: list[Level], accept_language: str | None,
                 context: str | None = None) -> Link | None:
    """The default link: the most specific level's default type, best language match."""
    for level in levels:
        if level.default_type:
            candidates = [link for link in level.links if link.link_type == level.default_type]
            chosen = best_links(candidates, accept_language, context)
            if chosen:
                return chosen[0]
    for level in levels:
        if level.links:
            return best_links(level.links, accept_language, context)[0]
    return None


# ------------------------------------------------------------------ the linkset


def linkset(levels: list[Level], base_url: str, default: Link, default_title: str) -> dict:
    """RFC 9264 linkset valid against the GS1 linkset schema: the requested level first
    (with the single ``gs1:defaultLink``), then each less specific level with its links."""
    entries = []
    for index, level in enumerate(levels):
        if index and not level.links:
            continue
        entry: dict = {"anchor": base_url + level.path,
                       "itemDescription": level.description or default_title}
        links = list(level.links)
        if index == 0:
            entry[link_type_uri(DEFAULT_LINK)] = [{"href": default.href,
                                                   "title": default.title or default_title}]
            if not any(link.href == default.href for link in links):
                links.insert(0, default)
        for link in links:
            key = link_type_uri(link.link_type)
            bucket = entry.setdefault(key, [])
            body = link.to_json()
            if body not in bucket:
                bucket.append(body)
        entries.append(entry)
    return {"linkset": entries}


def choices_linkset(anchor: str, description: str, link_type: str, links: list[Link]) -> dict:
    """Body of a 300 Multiple Choices: the tied links, as a linkset."""
    return {"linkset": [{"anchor": anchor, "itemDescription": description,
                         link_type_uri(link_type): [link.to_json() for link in links]}]}
