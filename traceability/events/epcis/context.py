"""The small part of JSON-LD the EPCIS checks need: namespace prefixes declared in ``@context``.

EPCIS 2.0 JSON-LD documents reference the standard context by URL and declare their own
extension namespaces as ``{"prefix": "namespace IRI"}`` objects. Nothing is fetched from the
network: the prefixes of the standard EPCIS context are known here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: Prefixes defined by the standard EPCIS 2.0 JSON-LD context (epcis-context.jsonld).
STANDARD_PREFIXES: Mapping[str, str] = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": "https://gs1.org/voc/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}

#: URI schemes that are never read as a CURIE prefix unless a context redefines them.
_WELL_KNOWN_SCHEMES = frozenset({"http", "https", "urn", "ni", "tag", "mailto", "did", "data"})

_CURIE = re.compile(r"^(?P<prefix>[A-Za-z_][A-Za-z0-9_.-]*):(?P<local>(?!//)[^\s]*)$")


class Namespaces:
    """Prefix → namespace IRI map built from one or more ``@context`` values."""

    def __init__(self, prefixes: Mapping[str, str] | None = None) -> None:
        self._prefixes: dict[str, str] = dict(STANDARD_PREFIXES)
        if prefixes:
            self._prefixes.update(prefixes)

    @classmethod
    def from_context(cls, *contexts: Any) -> Namespaces:
        """Collect prefixes from ``@context`` values (string, object or list); later wins."""
        found: dict[str, str] = {}
        for context in contexts:
            _collect(context, found)
        return cls(found)

    def extended(self, context: Any) -> Namespaces:
        """A copy with the prefixes of another (e.g. event-level) ``@context`` added."""
        found: dict[str, str] = {}
        _collect(context, found)
        if not found:
            return self
        merged = Namespaces(self._prefixes)
        merged._prefixes.update(found)
        return merged

    @property
    def prefixes(self) -> Mapping[str, str]:
        return dict(self._prefixes)

    def namespace(self, prefix: str) -> str | None:
        return self._prefixes.get(prefix)

    def split_curie(self, value: str) -> tuple[str, str] | None:
        """``(namespace IRI, local name)`` when ``value`` is a CURIE with a declared prefix."""
        match = _CURIE.match(value)
        if not match:
            return None
        namespace = self._prefixes.get(match["prefix"])
        if namespace is None:
            return None
        return namespace, match["local"]

    def expand(self, value: str) -> str:
        """Expand a CURIE with a declared prefix into a full IRI; other strings are unchanged."""
        split = self.split_curie(value)
        return split[0] + split[1] if split else value

    def is_undeclared_curie(self, value: str) -> bool:
        """True for ``prefix:local`` strings whose prefix is neither declared nor a common scheme.

        Such a string is syntactically an absolute URI (with the prefix as its scheme), which is
        why the JSON schema accepts it, but in JSON-LD it means the author forgot the prefix.
        """
        match = _CURIE.match(value)
        if not match:
            return False
        prefix = match["prefix"]
        return prefix not in self._prefixes and prefix.lower() not in _WELL_KNOWN_SCHEMES

    def extension_key(self, key: str) -> tuple[str, str] | None:
        """``(namespace, local name)`` of an extension property key, or None when unqualified.

        Keys may be CURIEs with a declared prefix or absolute IRIs; for an IRI the namespace is
        everything up to the last ``/``, ``#`` or ``:``.
        """
        split = self.split_curie(key)
        if split:
            return split
        if key.startswith(("http://", "https://", "urn:")):
            cut = max(key.rfind("/"), key.rfind("#"), key.rfind(":"))
            if 0 < cut < len(key) - 1:
                return key[: cut + 1], key[cut + 1 :]
        return None


def _collect(context: Any, found: dict[str, str]) -> None:
    if isinstance(context, list):
        for item in context:
            _collect(item, found)
    elif isinstance(context, Mapping):
        for term, definition in context.items():
            if not isinstance(term, str) or term.startswith("@") or ":" in term:
                continue
            iri = definition.get("@id") if isinstance(definition, Mapping) else definition
            if isinstance(iri, str) and iri and not iri.startswith("@"):
                found[term] = iri
