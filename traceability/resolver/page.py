"""The consumer page's content: a scanned item's view model turned into display-ready text."""

from __future__ import annotations

from urllib.parse import quote

from .. import gs1
from . import services
from .texts import escaped_texts, format_date, format_datetime, translator

SEVERE = {"recalled", "void", "suspected_copy", "unknown"}
ICONS = {
    "genuine": "check", "recalled": "stop", "void": "stop", "on_hold": "pause",
    "suspected_copy": "copy", "expired": "clock", "unknown": "question",
}


def _localized_name(product: dict, locale: str) -> str:
    return product["name_en"] if locale == "en" and product["name_en"] else product["name"]


def banner(view: dict | None, status: dict, locale: str) -> dict:
    """Title, explanation, reason and what to do for the one status the page shows."""
    t = translator(locale)
    code = status["code"]
    lines: list[str] = []
    action = ""
    title = t(f"status.{code}.title")
    if code == "genuine":
        lines.append(t("status.genuine.text") if view and view["lot"] is not None
                     else t("status.genuine.product_only"))
    elif code == "unknown":
        part = status.get("unknown_part", "gtin")
        if part == "lot":
            lines.append(t("status.unknown.lot", lot=view["lot"]))
        elif part == "serial" and status.get("mismatch"):
            lines.append(t("status.unknown.mismatch", serial=view["serial"], lot=view["lot"]))
        elif part == "serial":
            lines.append(t("status.unknown.serial", serial=view["serial"]))
        else:
            lines.append(t("status.unknown.gtin", code=view["gtin"] if view else ""))
        action = t("status.unknown.action")
    elif code == "expired":
        lines.append(t("status.expired.text",
                       date=format_date(status.get("expiry_date"), locale)))
        action = t("status.expired.action")
    else:
        lines.append(t(f"status.{code}.text"))
        action = t(f"status.{code}.action")
    since = status.get("since")
    return {
        "code": code, "icon": ICONS[code], "title": title, "lines": lines,
        "reason": status.get("reason") or "", "action": action,
        "since": t("since", date=format_date(services.local_day(since), locale))
        if since else "",
        "severe": code in SEVERE, "role": "status" if code == "genuine" else "alert",
    }


def page_context(view: dict, locale: str, today, *, anchor: str, report_url: str) -> dict:
    t = translator(locale)
    zone = services.local_zone()
    status = services.item_status(view, today)
    batch, unit = view["batch"], view["unit"]
    name = _localized_name(view["product"], locale)

    batch_facts = []
    if view["lot"] is not None:
        batch_facts.append((t("lot"), view["lot"], ""))
    if batch is not None:
        if batch["production_date"]:
            batch_facts.append((t("production_date"),
                                format_date(batch["production_date"], locale), ""))
        if batch["expiry_date"]:
            expired = batch["expiry_date"] < today
            batch_facts.append((t("expiry_date"), format_date(batch["expiry_date"], locale),
                                "expired" if expired else ""))
        if batch["quantity"]:
            quantity = batch["quantity"].rstrip("0").rstrip(".") if "." in batch["quantity"] \
                else batch["quantity"]
            batch_facts.append((t("quantity"), f"{quantity} {batch['unit']}".strip(), ""))
        location = batch["location"]
        if location:
            place = ", ".join(p for p in (location["name"], location["address"],
                                          location["province"]) if p)
            batch_facts.append((t("produced_at"), place, ""))
    if view["serial"] is not None:
        batch_facts.append((t("serial"), view["serial"], ""))
    first_scan = ""
    if unit is not None:
        if unit["first_scanned_at"]:
            when = format_datetime(unit["first_scanned_at"], locale, zone)
            first_scan = (t("first_scan_region", when=when, region=unit["first_region"])
                          if unit["first_region"] else t("first_scan", when=when))
        else:
            first_scan = t("no_earlier_scan")

    journey = (services.journey_view(batch["id"], batch["has_events"]) if batch is not None
               else None)
    stages, back, forward = [], [], []
    if journey:
        for stage in journey["stages"]:
            location = stage["location"] or {}
            stages.append({
                "step": stage["biz_step_en"] if locale == "en" else stage["biz_step_vi"],
                "time": format_datetime(stage["event_time"], locale, zone),
                "iso_time": stage["event_time"].isoformat() if stage["event_time"] else "",
                "place": ", ".join(p for p in (location.get("name"), location.get("address"),
                                               location.get("province")) if p),
                "organization": (stage["organization"] or {}).get("name", ""),
            })
        back = [_step(step, locale) for step in journey["back"]]
        forward = [_step(step, locale) for step in journey["forward"]]

    return {
        "t": t, "T": escaped_texts(locale), "lang": locale, "name": name,
        "page_title": t("page_title", name=name), "banner": banner(view, status, locale),
        "batch_facts": batch_facts, "first_scan": first_scan, "has_batch": batch is not None,
        "journey_known": journey is not None, "stages": stages, "back": back,
        "forward": forward, "anchor": anchor, "report_url": report_url,
    }


# The parts below are the same on every page of a product (or producer): views render them
# once per language and keep them (``views._fragment``).


def product_context(view: dict, locale: str) -> dict:
    """The product card: name, photo, description, facts and warnings."""
    t = translator(locale)
    product = view["product"]
    name = _localized_name(product, locale)
    product_facts = [(t("gtin"), gs1.gtin_display(view["gtin"]))]
    if product["brand"]:
        product_facts.append((t("brand"), product["brand"]))
    if product["model"]:
        product_facts.append((t("model"), product["model"]))
    if product["net_content"]:
        product_facts.append((t("net_content"),
                              f"{product['net_content']} {product['unit']}".strip()))
    if product["origin"]:
        product_facts.append((t("origin"), product["origin"]))
    if product["shelf_life_days"]:
        product_facts.append((t("shelf_life"), t("shelf_life_days",
                                                  n=product["shelf_life_days"])))
    if product["storage_instructions"]:
        product_facts.append((t("storage"), product["storage_instructions"]))

    return {
        "T": escaped_texts(locale), "name": name, "image_alt": t("image_alt", name=name),
        "image_url": product["image_url"], "description": product["description"],
        "warnings": product["safety_warnings"], "product_facts": product_facts,
    }


def producer_context(view: dict, locale: str) -> dict:
    return {"T": escaped_texts(locale), "organization": view["organization"]}


def certificates_context(view: dict, locale: str, today) -> dict:
    """Certificates that speak for the product (and the batch's location), and standards."""
    t = translator(locale)
    product, batch = view["product"], view["batch"]
    certificates = []
    for cert in services.certificates_view(product["organization_id"], product["id"],
                                           batch["location_id"] if batch else None):
        expired = cert["valid_until"] is not None and cert["valid_until"] < today
        if cert["valid_until"] is None:
            validity = t("cert.no_end")
        elif expired:
            validity = t("cert.expired_on", date=format_date(cert["valid_until"], locale))
        else:
            validity = t("cert.valid_until", date=format_date(cert["valid_until"], locale))
        label = t(f"cert.type.{cert['type']}")
        if cert["star_rating"]:
            label += " · " + t("cert.stars", n=cert["star_rating"])
        certificates.append({
            "label": label, "number": t("cert.number", number=cert["number"]),
            "issuer": t("cert.issuer", issuer=cert["issuer"]), "validity": validity,
            "expired": expired, "scope": cert["scope_description"],
            "document_url": cert["document_url"],
        })

    certificates.sort(key=lambda cert: cert["expired"])  # valid ones first
    return {"T": escaped_texts(locale), "certificates": certificates,
            "standards": product["standards"]}


def _step(step: dict, locale: str) -> dict:
    t = translator(locale)
    href = ""
    if step["gtin"] and step["lot"]:
        href = f"/scan/01/{step['gtin']}/10/{quote(step['lot'], safe='')}?lang={locale}"
    details = [part for part in (step["product_name"],
                                 t("step.lot", lot=step["lot"]) if step["lot"] else "") if part]
    quantity = f"{step['quantity']} {step['uom']}".strip() if step["quantity"] else ""
    return {"organization": step["organization"], "details": ", ".join(details), "href": href,
            "quantity": quantity,
            "time": format_datetime(step["event_time"], locale, services.local_zone())}
