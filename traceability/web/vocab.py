"""People's words for the codes records carry (kinds, types, statuses), in both languages."""

from flask_babel import gettext

from .messages import N_

VOCABULARY: dict[str, dict[str, str]] = {
    "org_kind": {
        "enterprise": N_("Enterprise"),
        "cooperative": N_("Cooperative"),
        "household": N_("Household business"),
    },
    "org_status": {
        "pending": N_("Awaiting approval"),
        "approved": N_("Approved"),
        "rejected": N_("Rejected"),
    },
    "location_type": {
        "growing_area": N_("Growing area"),
        "farm": N_("Farm"),
        "aquaculture_pond": N_("Aquaculture pond"),
        "slaughterhouse": N_("Slaughterhouse"),
        "factory": N_("Factory"),
        "packing_house": N_("Packing house"),
        "warehouse": N_("Warehouse"),
        "distribution_center": N_("Distribution centre"),
        "shop": N_("Shop"),
        "market": N_("Market"),
        "office": N_("Office"),
        "other": N_("Other"),
    },
    "sector": {
        "fresh_produce": N_("Fresh produce"),
        "rice": N_("Rice"),
        "meat": N_("Meat"),
        "aquaculture": N_("Aquaculture"),
        "processed_food": N_("Processed food"),
        "other": N_("Other"),
    },
    "batch_status": {
        "active": N_("In circulation"),
        "on_hold": N_("On hold"),
        "recalled": N_("Recalled"),
        "void": N_("Void"),
    },
    "certificate_type": {
        "vietgap": "VietGAP",
        "globalgap": "GlobalG.A.P.",
        "organic": N_("Organic"),
        "ocop": "OCOP",
        "haccp": "HACCP",
        "iso22000": "ISO 22000",
        "hop_quy": N_("Conformity declaration (hợp quy)"),
        "fssc22000": "FSSC 22000",
        "brc": "BRCGS",
        "halal": "Halal",
        "other": N_("Other"),
    },
    "certificate_scope": {
        "organization": N_("The whole organization"),
        "location": N_("One location"),
        "product": N_("One product"),
    },
    "sync_state": {
        "not_queued": N_("Not sent"),
        "pending": N_("Waiting to be sent"),
        "sent": N_("Sent to the national portal"),
        "rejected": N_("Refused by the national portal"),
        "dead": N_("Failed; waiting for the administrator"),
        "superseded": N_("Replaced by a newer version"),
    },
    "role": {
        "admin": N_("Administrator"),
        "inspector": N_("Inspector"),
        "business": N_("Business"),
    },
    "recall_level": {
        "1": N_("Level 1: serious risk to health"),
        "2": N_("Level 2: may harm health"),
        "3": N_("Level 3: does not meet the rules but unlikely to harm"),
    },
    "relation": {
        "transformed_from": N_("Made from"),
        "received_from": N_("Received from"),
        "transformed_into": N_("Made into"),
        "shipped_to": N_("Shipped to"),
        "received_by": N_("Received by"),
    },
    "decision": {
        "hold": N_("Put on hold"),
        "release": N_("Released"),
        "recall": N_("Recalled"),
    },
    "inspection_result": {
        "planned": N_("Planned"),
        "compliant": N_("Compliant"),
        "non_compliant": N_("Not compliant"),
        "follow_up": N_("Follow-up needed"),
    },
    "job_status": {
        "queued": N_("Queued"),
        "running": N_("Printing"),
        "done": N_("Ready"),
        "failed": N_("Failed"),
    },
}


def label(kind: str, value) -> str:
    """The translated name of a code, or the code itself when it is not in the vocabulary."""
    text = VOCABULARY.get(kind, {}).get(str(value))
    if text is None:
        return "" if value is None else str(value)
    return gettext(text)


def choices(kind: str) -> list[tuple[str, str]]:
    return [(value, gettext(text)) for value, text in VOCABULARY[kind].items()]
