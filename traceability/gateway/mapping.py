"""Our records in the gateway's words: the one place where field names are translated.

Each function answers ``(method, path, body, resource_key, requires)``: the call that puts the
record's current state at the gateway, the key naming that resource (for ordering and
superseding), and the keys of the resources the gateway needs first.
"""

from decimal import Decimal

from .client import path_for

KIND_ORDER = ("organization", "location", "product", "certificate", "batch", "events", "recall")

ORG_KIND_VI = {"enterprise": "doanh_nghiep", "cooperative": "hop_tac_xa",
               "household": "ho_kinh_doanh"}
BATCH_STATUS_VI = {"active": "dang_luu_thong", "on_hold": "tam_dung", "recalled": "thu_hoi",
                   "void": "huy"}


def org_key(tax_code: str) -> str:
    return f"organization:{tax_code}"


def location_key(gln: str) -> str:
    return f"location:{gln}"


def product_key(gtin: str) -> str:
    return f"product:{gtin}"


def lot_key(gtin: str, lot: str) -> str:
    return f"lot:{gtin}/{lot}"


def organization_call(org):
    body = {
        "ten": org.name,
        "diaChi": org.address or org.province,
        "tinhThanh": org.province,
        "loaiHinh": ORG_KIND_VI.get(org.kind, org.kind),
        "maDoanhNghiepGS1": org.company_prefixes,
    }
    if org.gln:
        body["gln"] = org.gln
    return ("PUT", path_for("organizations", org.tax_code), body, org_key(org.tax_code), [])


def location_call(location):
    tax_code = location.organization.tax_code
    body = {"ten": location.name, "loai": location.type, "maSoThue": tax_code}
    if location.address:
        body["diaChi"] = location.address
    if location.latitude is not None and location.longitude is not None:
        body["toaDo"] = {"viDo": location.latitude, "kinhDo": location.longitude}
    return ("PUT", path_for("locations", location.gln), body, location_key(location.gln),
            [org_key(tax_code)])


def product_call(product):
    tax_code = product.organization.tax_code
    body = {
        "ten": product.name,
        "hinhAnh": list(product.image_urls or []),
        "nhanHieu": product.brand or None,
        "donViTinh": product.unit or None,
        "khoiLuongTinh": f"{product.net_content} {product.unit}".strip() or None,
        "xuatXu": product.origin or None,
        "tieuChuanApDung": list(product.standards or []),
        "maSoThue": tax_code,
    }
    body = {k: v for k, v in body.items() if v is not None}
    return ("PUT", path_for("products", product.gtin), body, product_key(product.gtin),
            [org_key(tax_code)])


def batch_call(batch):
    body = {
        "nsx": (batch.production_date or batch.created_at.date()).isoformat(),
        "trangThai": BATCH_STATUS_VI.get(batch.status, batch.status),
    }
    if batch.expiry_date:
        body["hsd"] = batch.expiry_date.isoformat()
    if batch.quantity is not None:
        quantity = Decimal(batch.quantity)
        body["soLuong"] = int(quantity) if quantity == quantity.to_integral() else float(quantity)
        body["donViTinh"] = batch.unit or batch.product.unit or "cai"
    if batch.location is not None:
        body["glnSanXuat"] = batch.location.gln
    requires = [product_key(batch.gtin)]
    if batch.location is not None:
        requires.append(location_key(batch.location.gln))
    return ("PUT", path_for("lots", batch.gtin, batch.lot), body, lot_key(batch.gtin, batch.lot),
            requires)


def certificate_call(certificate):
    organization = certificate.organization
    scope = {"maSoThue": organization.tax_code}
    requires = [org_key(organization.tax_code)]
    if certificate.scope_type == "location" and certificate.location is not None:
        scope["gln"] = certificate.location.gln
        requires.append(location_key(certificate.location.gln))
    if certificate.scope_type == "product" and certificate.product is not None:
        scope["gtin"] = certificate.product.gtin
        requires.append(product_key(certificate.product.gtin))
    body = {"loai": certificate.type, "noiCap": certificate.issuer,
            "ngayCap": certificate.valid_from.isoformat(), "phamVi": scope}
    if certificate.valid_until:
        body["ngayHetHan"] = certificate.valid_until.isoformat()
    if certificate.star_rating:
        body["soSao"] = certificate.star_rating
    number = f"{certificate.number}"
    return ("PUT", path_for("certificates", number), body, f"certificate:{certificate.id}",
            requires)


def recall_call(batch, reason: str, level: str, when_iso: str, recall_id):
    body = {"gtin": batch.gtin, "soLo": batch.lot, "lyDo": reason, "mucDo": level,
            "ngay": when_iso}
    return ("POST", "/recalls", body, f"recall:{recall_id}", [lot_key(batch.gtin, batch.lot)])


def events_call(document: dict, lots: list[tuple[str, str]], event_key: str):
    return ("POST", "/events", document, f"events:{event_key}",
            [lot_key(gtin, lot) for gtin, lot in lots])


CALLS = {
    "organization": organization_call,
    "location": location_call,
    "product": product_call,
    "batch": batch_call,
    "certificate": certificate_call,
}
