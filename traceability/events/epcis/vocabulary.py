"""GS1 Core Business Vocabulary (CBV 2.0) standard values and their three spellings.

A CBV value can be written three ways:

* the bare word used by EPCIS 2.0 JSON-LD (``"shipping"``),
* the CBV 2.0 Web URI (``"https://ref.gs1.org/cbv/BizStep-shipping"``, also reachable as the
  CURIE ``"cbv:BizStep-shipping"`` through the standard JSON-LD context),
* the EPCIS 1.x URN (``"urn:epcglobal:cbv:bizstep:shipping"``).

:func:`classify` tells which of those a string is and whether it names a standard value. Values
in any other namespace are user vocabulary; they are allowed as long as they are absolute URIs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

CBV_WEB_BASE = "https://ref.gs1.org/cbv/"
GS1_VOC_BASE = "https://gs1.org/voc/"

ACTIONS: frozenset[str] = frozenset({"OBSERVE", "ADD", "DELETE"})

#: CBV 2.0 section 7.1 business steps.
BIZ_STEPS: frozenset[str] = frozenset(
    {
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "sampling",
        "sensor_reporting",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
    }
)

#: CBV 2.0 section 7.2 dispositions.
DISPOSITIONS: frozenset[str] = frozenset(
    {
        "active",
        "available",
        "completeness_inferred",
        "completeness_verified",
        "conformant",
        "container_closed",
        "container_open",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "mismatch_class",
        "mismatch_instance",
        "mismatch_quantity",
        "needs_replacement",
        "no_pedigree_match",
        "non_conformant",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unavailable",
        "unknown",
    }
)

#: CBV 2.0 section 7.3 business transaction types.
BIZ_TRANSACTION_TYPES: frozenset[str] = frozenset(
    {
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    }
)

#: CBV 2.0 section 7.4 source/destination types.
SOURCE_DESTINATION_TYPES: frozenset[str] = frozenset(
    {"owning_party", "possessing_party", "location"}
)

#: CBV 2.0 section 7.5 error reasons.
ERROR_REASONS: frozenset[str] = frozenset({"did_not_occur", "incorrect_data"})

#: Sensor component values (``cbv:Comp-*``) of the EPCIS 2.0 JSON-LD context.
SENSOR_COMPONENTS: frozenset[str] = frozenset(
    {
        "x",
        "y",
        "z",
        "axial_distance",
        "azimuth",
        "height",
        "spherical_radius",
        "polar_angle",
        "elevation_angle",
        "easting",
        "northing",
        "latitude",
        "longitude",
        "altitude",
    }
)


class Vocabulary(Enum):
    """The CBV vocabularies checked by this package: (web prefix, URN prefix, standard values)."""

    BIZ_STEP = ("BizStep-", "urn:epcglobal:cbv:bizstep:", BIZ_STEPS)
    DISPOSITION = ("Disp-", "urn:epcglobal:cbv:disp:", DISPOSITIONS)
    BIZ_TRANSACTION_TYPE = ("BTT-", "urn:epcglobal:cbv:btt:", BIZ_TRANSACTION_TYPES)
    SOURCE_DESTINATION_TYPE = ("SDT-", "urn:epcglobal:cbv:sdt:", SOURCE_DESTINATION_TYPES)
    ERROR_REASON = ("ER-", "urn:epcglobal:cbv:er:", ERROR_REASONS)

    @property
    def web_prefix(self) -> str:
        return CBV_WEB_BASE + self.value[0]

    @property
    def urn_prefix(self) -> str:
        return self.value[1]

    @property
    def terms(self) -> frozenset[str]:
        return self.value[2]

    @property
    def label(self) -> str:
        return {
            "BIZ_STEP": "business step",
            "DISPOSITION": "disposition",
            "BIZ_TRANSACTION_TYPE": "business transaction type",
            "SOURCE_DESTINATION_TYPE": "source/destination type",
            "ERROR_REASON": "error reason",
        }[self.name]


class Form(Enum):
    """How a vocabulary value is spelled."""

    BARE = "bare"  # "shipping"
    WEB_URI = "web-uri"  # "https://ref.gs1.org/cbv/BizStep-shipping" (or the cbv: CURIE)
    URN = "urn"  # "urn:epcglobal:cbv:bizstep:shipping"
    OTHER_URI = "other-uri"  # a value of another namespace (user vocabulary)
    INVALID = "invalid"  # not a standard word and not an absolute URI


@dataclass(frozen=True)
class VocabularyValue:
    """Result of :func:`classify`."""

    original: str
    form: Form
    #: Standard short name (``"shipping"``) when the value claims to be a CBV term, else None.
    term: str | None
    #: True when ``term`` is one of the standard values of the vocabulary.
    standard: bool

    @property
    def is_cbv(self) -> bool:
        return self.form in (Form.BARE, Form.WEB_URI, Form.URN)


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# Old (pre-ratification) Web URI bases some tools still emit for CBV values.
_LEGACY_WEB_BASES = ("http://ref.gs1.org/cbv/", "https://ns.gs1.org/cbv/", "http://ns.gs1.org/cbv/")


def has_scheme(value: str) -> bool:
    """True when ``value`` starts like an absolute URI (``scheme:``)."""
    return bool(_SCHEME.match(value))


def classify(vocabulary: Vocabulary, value: str) -> VocabularyValue:
    """Identify the spelling of ``value`` and whether it is a standard term of ``vocabulary``."""
    text = value.strip()
    web_tail = _strip_prefix(text, (vocabulary.web_prefix, "cbv:" + vocabulary.value[0]))
    if web_tail is None:
        web_tail = _strip_prefix(text, tuple(b + vocabulary.value[0] for b in _LEGACY_WEB_BASES))
    if web_tail is not None:
        return VocabularyValue(value, Form.WEB_URI, web_tail, web_tail in vocabulary.terms)
    urn_tail = _strip_prefix(text, (vocabulary.urn_prefix,))
    if urn_tail is not None:
        return VocabularyValue(value, Form.URN, urn_tail, urn_tail in vocabulary.terms)
    if not has_scheme(text):
        standard = text in vocabulary.terms
        return VocabularyValue(value, Form.BARE if standard else Form.INVALID, text, standard)
    return VocabularyValue(value, Form.OTHER_URI, None, False)


def short_name(vocabulary: Vocabulary, value: str) -> str:
    """The bare CBV word for a standard value in any spelling; other values are returned as is."""
    found = classify(vocabulary, value)
    return found.term if found.standard and found.term is not None else value


def web_uri(vocabulary: Vocabulary, value: str) -> str:
    """The CBV 2.0 Web URI for a standard value in any spelling; other values are unchanged."""
    found = classify(vocabulary, value)
    if found.is_cbv and found.term is not None:
        return vocabulary.web_prefix + found.term
    return value


def _strip_prefix(text: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :]
    return None
