"""Valid records in the gateway's own field names, for the simulator and client tests."""

TAX_CODE = "0301234567"
OTHER_TAX_CODE = "0309876543-001"
FARM_GLN = "8938500001000"
PLANT_GLN = "8938500002007"
GTIN = "8938500000010"  # GTIN-13; the gateway keys it as GTIN-14
GTIN14 = "0" + GTIN
OTHER_GTIN = "8938500000027"
LOT = "L2024/07-A"  # a slash, as lots often carry


def organization(**changes) -> dict:
    return {"ten": "HTX Thanh Long Châu Thành", "diaChi": "Ấp 3, xã An Lục Long",
            "tinhThanh": "Long An", "loaiHinh": "hop_tac_xa", "gln": FARM_GLN,
            "maDoanhNghiepGS1": ["8938500"], **changes}


def location(tax_code: str = TAX_CODE, **changes) -> dict:
    return {"ten": "Vườn thanh long số 1", "loai": "vung_trong", "diaChi": "Châu Thành, Long An",
            "toaDo": {"viDo": 10.43, "kinhDo": 106.45}, "maSoThue": tax_code, **changes}


def product(tax_code: str = TAX_CODE, **changes) -> dict:
    return {"ten": "Thanh long ruột đỏ", "hinhAnh": ["https://example.vn/thanh-long.jpg"],
            "nhanHieu": "Long An Farm", "donViTinh": "thùng", "khoiLuongTinh": "10 kg",
            "xuatXu": "Việt Nam", "tieuChuanApDung": ["VietGAP"], "maSoThue": tax_code,
            **changes}


def lot(**changes) -> dict:
    return {"nsx": "2024-07-01", "hsd": "2024-07-31", "soLuong": 120, "donViTinh": "thùng",
            "glnSanXuat": FARM_GLN, "trangThai": "dang_luu_hanh", **changes}


def digital_link(gtin14: str = GTIN14, lot_number: str = LOT) -> str:
    from urllib.parse import quote

    return f"https://id.example.vn/01/{gtin14}/10/{quote(lot_number, safe='')}"


def object_event(event_id: str, epcs: list[str], *, time: str = "2024-07-02T08:00:00+07:00",
                 biz_step: str = "commissioning") -> dict:
    return {"type": "ObjectEvent", "eventID": event_id, "eventTime": time,
            "eventTimeZoneOffset": "+07:00", "action": "ADD", "bizStep": biz_step,
            "epcList": epcs, "bizLocation": {"id": "urn:epc:id:sgln:8938500.00100.0"}}


def epcis_document(*events: dict) -> dict:
    return {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument", "schemaVersion": "2.0",
            "creationDate": "2024-07-02T09:00:00+07:00", "epcisBody": {"eventList": list(events)}}


def recall(**changes) -> dict:
    return {"gtin": GTIN14, "soLo": LOT, "lyDo": "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng",
            "mucDo": "cao", "ngay": "2024-07-15", **changes}


def certificate(**changes) -> dict:
    return {"loai": "VietGAP", "noiCap": "Sở NN&PTNT Long An", "ngayCap": "2024-01-10",
            "ngayHetHan": "2026-01-10", "phamVi": {"maSoThue": TAX_CODE, "gtin": GTIN},
            **changes}
