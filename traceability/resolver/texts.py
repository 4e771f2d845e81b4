"""Words of the consumer scan page, Vietnamese and English.

The page must work in both languages before the translation catalogues exist, so its text
lives here, keyed by locale. Keys are stable names; ``{placeholders}`` are filled by
:func:`translator`.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

LOCALES = ("vi", "en")

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "site_name": "Truy xuất nguồn gốc",
        "switch_language": "English",
        "page_title": "{name} — Truy xuất nguồn gốc",
        # status banner
        "status.genuine.title": "Sản phẩm chính hãng",
        "status.genuine.text": "Mã này do nhà sản xuất đăng ký và sản phẩm đang lưu hành "
                               "bình thường.",
        "status.genuine.product_only": "Sản phẩm đã được đăng ký. Mã này không có số lô nên "
                                       "không kiểm tra được hạn sử dụng và tình trạng lô hàng.",
        "status.recalled.title": "Sản phẩm bị thu hồi",
        "status.recalled.text": "Lô hàng này đã bị thu hồi.",
        "status.recalled.action": "Ngừng sử dụng sản phẩm. Liên hệ nơi bán để được đổi trả "
                                  "hoặc hoàn tiền, hoặc gọi cho nhà sản xuất.",
        "status.on_hold.title": "Tạm dừng lưu thông",
        "status.on_hold.text": "Cơ quan chức năng đang kiểm tra lô hàng này.",
        "status.on_hold.action": "Chưa nên mua hoặc sử dụng cho đến khi có thông báo mới.",
        "status.void.title": "Tem không còn hiệu lực",
        "status.void.text": "Nhà sản xuất đã hủy mã này. Sản phẩm mang tem này không được "
                            "bảo đảm nguồn gốc.",
        "status.void.action": "Không sử dụng. Hãy báo cho chúng tôi nơi bạn thấy sản phẩm.",
        "status.suspected_copy.title": "Nghi ngờ tem bị sao chép",
        "status.suspected_copy.text": "Mã này đã được quét quá nhiều lần hoặc ở quá nhiều nơi "
                                      "khác nhau — tem có thể đã bị sao chép.",
        "status.suspected_copy.action": "Kiểm tra kỹ sản phẩm, giữ hóa đơn và báo cho chúng tôi.",
        "status.expired.title": "Đã hết hạn sử dụng",
        "status.expired.text": "Hạn sử dụng của lô hàng này là {date}.",
        "status.expired.action": "Không sử dụng sản phẩm.",
        "status.unknown.title": "Mã không xác định",
        "status.unknown.gtin": "Mã {code} chưa được đăng ký trên hệ thống này. Không xác nhận "
                               "được nguồn gốc sản phẩm.",
        "status.unknown.lot": "Sản phẩm đã được đăng ký, nhưng lô {lot} thì không. Hãy đối "
                              "chiếu số lô in trên bao bì.",
        "status.unknown.serial": "Số sê-ri {serial} không có trong danh sách mã đã phát hành "
                                 "cho sản phẩm này.",
        "status.unknown.mismatch": "Số sê-ri {serial} không thuộc lô {lot}: tem này không được "
                                   "in như đã phát hành.",
        "status.unknown.action": "Thận trọng: hãy báo cho chúng tôi nơi bạn mua sản phẩm.",
        "status.invalid.title": "Mã không hợp lệ",
        "status.invalid.text": "Đây không phải là mã GS1 Digital Link hợp lệ: {reason}",
        "status.link_type.title": "Không có thông tin này",
        "status.link_type.text": "Không có liên kết loại {link_type} cho mã này.",
        "reason": "Lý do",
        "since": "Từ ngày {date}",
        # sections
        "section.product": "Sản phẩm",
        "section.producer": "Nhà sản xuất",
        "section.batch": "Lô hàng",
        "section.unit": "Mã sản phẩm",
        "section.journey": "Hành trình",
        "section.certificates": "Chứng nhận",
        "section.standards": "Tiêu chuẩn áp dụng",
        "section.back": "Một bước trước — nguồn cung",
        "section.forward": "Một bước sau — nơi nhận",
        # fields
        "gtin": "Mã GTIN",
        "lot": "Số lô",
        "serial": "Số sê-ri",
        "production_date": "Ngày sản xuất",
        "expiry_date": "Hạn sử dụng",
        "quantity": "Số lượng lô",
        "produced_at": "Nơi sản xuất",
        "address": "Địa chỉ",
        "tax_code": "Mã số thuế",
        "phone": "Điện thoại",
        "brand": "Thương hiệu",
        "model": "Mẫu mã",
        "net_content": "Khối lượng tịnh",
        "origin": "Xuất xứ",
        "shelf_life": "Thời hạn sử dụng",
        "shelf_life_days": "{n} ngày",
        "storage": "Bảo quản",
        "warnings": "Cảnh báo",
        "first_scan": "Lần quét đầu tiên: {when}",
        "first_scan_region": "Lần quét đầu tiên: {when} ({region})",
        "no_earlier_scan": "Chưa ghi nhận lần quét nào trước đây.",
        "image_alt": "Ảnh sản phẩm {name}",
        # certificates
        "cert.valid_until": "Còn hiệu lực đến {date}",
        "cert.expired_on": "Hết hiệu lực từ {date}",
        "cert.no_end": "Không thời hạn",
        "cert.expired_badge": "Hết hạn",
        "cert.valid_badge": "Còn hiệu lực",
        "cert.number": "Số {number}",
        "cert.issuer": "Cấp bởi {issuer}",
        "cert.stars": "{n} sao",
        "cert.view": "Xem giấy chứng nhận",
        "cert.none": "Chưa có chứng nhận nào được công bố.",
        "cert.type.vietgap": "VietGAP",
        "cert.type.globalgap": "GlobalG.A.P.",
        "cert.type.organic": "Hữu cơ",
        "cert.type.ocop": "OCOP",
        "cert.type.haccp": "HACCP",
        "cert.type.iso22000": "ISO 22000",
        "cert.type.hop_quy": "Chứng nhận hợp quy",
        "cert.type.fssc22000": "FSSC 22000",
        "cert.type.brc": "BRCGS",
        "cert.type.halal": "Halal",
        "cert.type.other": "Chứng nhận khác",
        # journey
        "journey.none": "Chưa có thông tin hành trình cho lô hàng này.",
        "journey.none_product": "Quét mã có số lô để xem hành trình của lô hàng.",
        "step.none_back": "Chưa ghi nhận nguồn cung.",
        "step.none_forward": "Chưa ghi nhận nơi nhận.",
        "step.lot": "lô {lot}",
        # report
        "report.link": "Báo cáo vấn đề",
        "report.lead": "Phát hiện điều bất thường? Báo cho cơ quan kiểm tra.",
        "report.title": "Báo cáo vấn đề về sản phẩm",
        "report.about": "Về sản phẩm: {name}",
        "report.category": "Vấn đề gặp phải",
        "report.category.counterfeit": "Nghi hàng giả, tem giả",
        "report.category.quality": "Chất lượng kém, hư hỏng",
        "report.category.wrong_info": "Thông tin không đúng",
        "report.category.expired_on_sale": "Hàng hết hạn vẫn được bày bán",
        "report.category.other": "Khác",
        "report.message": "Mô tả",
        "report.message_hint": "Bạn thấy gì, ở đâu, khi nào?",
        "report.contact": "Liên hệ (không bắt buộc)",
        "report.contact_hint": "Số điện thoại hoặc email nếu bạn muốn được phản hồi.",
        "report.website": "Để trống ô này",
        "report.submit": "Gửi báo cáo",
        "report.thanks.title": "Cảm ơn bạn!",
        "report.thanks.text": "Báo cáo của bạn đã được gửi đến cơ quan kiểm tra.",
        "report.back": "Quay lại thông tin sản phẩm",
        "report.error.category": "Hãy chọn vấn đề gặp phải.",
        "report.error.message_required": "Hãy mô tả vấn đề.",
        "report.error.message_too_long": "Mô tả dài tối đa 2000 ký tự.",
        "report.error.contact_too_long": "Thông tin liên hệ dài tối đa 200 ký tự.",
        "report.error.too_fast": "Bạn gửi hơi nhanh — hãy đọc lại nội dung rồi gửi lại.",
        "report.error.stale": "Biểu mẫu đã hết hạn — hãy gửi lại.",
        "report.privacy": "Chúng tôi không lưu địa chỉ IP của bạn.",
        # footer
        "footer.data": "Thông tin do nhà sản xuất công bố theo Thông tư 02/2024/TT-BKHCN; "
                       "cơ quan quản lý giám sát việc thu hồi và tạm dừng lưu thông.",
        "footer.code": "Mã GS1 Digital Link",
    },
    "en": {
        "site_name": "Product traceability",
        "switch_language": "Tiếng Việt",
        "page_title": "{name} — Product traceability",
        "status.genuine.title": "Genuine product",
        "status.genuine.text": "This code was registered by its producer and the product is in "
                               "normal circulation.",
        "status.genuine.product_only": "The product is registered. This code carries no lot "
                                       "number, so its expiry and batch status cannot be "
                                       "checked.",
        "status.recalled.title": "Product recalled",
        "status.recalled.text": "This batch has been recalled.",
        "status.recalled.action": "Stop using the product. Take it back to the shop for a "
                                  "return or refund, or call the producer.",
        "status.on_hold.title": "Sale suspended",
        "status.on_hold.text": "The authorities are checking this batch.",
        "status.on_hold.action": "Do not buy or use it until further notice.",
        "status.void.title": "Label no longer valid",
        "status.void.text": "The producer cancelled this code. A product carrying this label "
                            "is not vouched for.",
        "status.void.action": "Do not use it. Tell us where you found the product.",
        "status.suspected_copy.title": "Label may be copied",
        "status.suspected_copy.text": "This code has been scanned too often or in too many "
                                      "places — the label may have been copied.",
        "status.suspected_copy.action": "Check the product carefully, keep the receipt and "
                                        "tell us.",
        "status.expired.title": "Expired",
        "status.expired.text": "This batch expired on {date}.",
        "status.expired.action": "Do not use the product.",
        "status.unknown.title": "Unknown code",
        "status.unknown.gtin": "Code {code} is not registered here. The product's origin "
                               "cannot be confirmed.",
        "status.unknown.lot": "The product is registered, but lot {lot} is not. Compare with "
                              "the lot number printed on the pack.",
        "status.unknown.serial": "Serial number {serial} is not among the codes issued for "
                                 "this product.",
        "status.unknown.mismatch": "Serial number {serial} does not belong to lot {lot}: this "
                                   "label was not printed as issued.",
        "status.unknown.action": "Be careful: tell us where you bought the product.",
        "status.invalid.title": "Invalid code",
        "status.invalid.text": "This is not a valid GS1 Digital Link: {reason}",
        "status.link_type.title": "No such information",
        "status.link_type.text": "There is no {link_type} link for this code.",
        "reason": "Reason",
        "since": "Since {date}",
        "section.product": "Product",
        "section.producer": "Producer",
        "section.batch": "Batch",
        "section.unit": "Unit code",
        "section.journey": "Journey",
        "section.certificates": "Certificates",
        "section.standards": "Standards applied",
        "section.back": "One step back — supplied by",
        "section.forward": "One step forward — delivered to",
        "gtin": "GTIN",
        "lot": "Lot",
        "serial": "Serial number",
        "production_date": "Production date",
        "expiry_date": "Expiry date",
        "quantity": "Batch quantity",
        "produced_at": "Produced at",
        "address": "Address",
        "tax_code": "Tax code",
        "phone": "Phone",
        "brand": "Brand",
        "model": "Model",
        "net_content": "Net content",
        "origin": "Origin",
        "shelf_life": "Shelf life",
        "shelf_life_days": "{n} days",
        "storage": "Storage",
        "warnings": "Warnings",
        "first_scan": "First scanned: {when}",
        "first_scan_region": "First scanned: {when} ({region})",
        "no_earlier_scan": "No earlier scan recorded.",
        "image_alt": "Picture of {name}",
        "cert.valid_until": "Valid until {date}",
        "cert.expired_on": "Expired on {date}",
        "cert.no_end": "No end date",
        "cert.expired_badge": "Expired",
        "cert.valid_badge": "Valid",
        "cert.number": "No. {number}",
        "cert.issuer": "Issued by {issuer}",
        "cert.stars": "{n} stars",
        "cert.view": "View certificate",
        "cert.none": "No certificates published.",
        "cert.type.vietgap": "VietGAP",
        "cert.type.globalgap": "GlobalG.A.P.",
        "cert.type.organic": "Organic",
        "cert.type.ocop": "OCOP",
        "cert.type.haccp": "HACCP",
        "cert.type.iso22000": "ISO 22000",
        "cert.type.hop_quy": "Conformity certificate",
        "cert.type.fssc22000": "FSSC 22000",
        "cert.type.brc": "BRCGS",
        "cert.type.halal": "Halal",
        "cert.type.other": "Other certificate",
        "journey.none": "No journey recorded for this batch yet.",
        "journey.none_product": "Scan a code with a lot number to see the batch's journey.",
        "step.none_back": "No supplier recorded.",
        "step.none_forward": "No recipient recorded.",
        "step.lot": "lot {lot}",
        "report.link": "Report a problem",
        "report.lead": "Something wrong? Tell the inspectors.",
        "report.title": "Report a problem with a product",
        "report.about": "About: {name}",
        "report.category": "What is wrong",
        "report.category.counterfeit": "Suspected fake product or label",
        "report.category.quality": "Poor quality or spoiled",
        "report.category.wrong_info": "Information is wrong",
        "report.category.expired_on_sale": "Expired product on sale",
        "report.category.other": "Something else",
        "report.message": "Description",
        "report.message_hint": "What did you see, where and when?",
        "report.contact": "Contact (optional)",
        "report.contact_hint": "A phone number or email if you would like an answer.",
        "report.website": "Leave this empty",
        "report.submit": "Send report",
        "report.thanks.title": "Thank you!",
        "report.thanks.text": "Your report has reached the inspectors.",
        "report.back": "Back to the product",
        "report.error.category": "Choose what is wrong.",
        "report.error.message_required": "Describe the problem.",
        "report.error.message_too_long": "The description has at most 2000 characters.",
        "report.error.contact_too_long": "The contact has at most 200 characters.",
        "report.error.too_fast": "That was quick — read your report again and send it.",
        "report.error.stale": "The form has expired — please send it again.",
        "report.privacy": "We do not store your IP address.",
        "footer.data": "Published by the producer under Circular 02/2024/TT-BKHCN; the "
                       "authorities oversee recalls and suspensions.",
        "footer.code": "GS1 Digital Link",
    },
}

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")


@functools.cache
def escaped_texts(locale: str) -> dict[str, Markup]:
    """A locale's texts escaped once for HTML: the page prints them without escaping each."""
    return {key: escape(value) for key, value in TEXTS[normalize_locale(locale)].items()}


def normalize_locale(value) -> str:
    text = str(value or "").lower()[:2]
    return text if text in LOCALES else "vi"


def translator(locale: str):
    """``t(key, **values)`` for a locale; an unknown key falls back to Vietnamese."""
    table = TEXTS[normalize_locale(locale)]
    fallback = TEXTS["vi"]

    def t(key: str, **values) -> str:
        text = table.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return t


def format_date(value: date | None, locale: str) -> str:
    if value is None:
        return ""
    if normalize_locale(locale) == "en":
        return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def format_datetime(value: datetime | None, locale: str, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    local = value.astimezone(zone)
    return f"{local.hour:02d}:{local.minute:02d} {format_date(local.date(), locale)}"
