"""Sector templates: the usual stages as simple forms, for businesses that never write JSON-LD.

Four sectors (fresh fruit and vegetables per TCVN 12827, meat per TCVN 13166, rice,
aquaculture) each offer their stages: growing or raising (planting, fertilising, spraying with
the product and its withdrawal period, vaccinating, treating…), harvesting or slaughtering,
packing, shipping, receiving and selling. A stage becomes one EPCIS 2.0 event built with
``epcis.build_*_event_document`` and recorded through the same capture pipeline as any event
(``services.capture``), so it is validated, linked into the chain, audited and synced alike.

Vocabulary: CBV 2.0 business steps where one fits (harvest creates the lot: ``commissioning``
with its ILMD; slaughter is ``killing``; ``packing``, ``shipping``, ``receiving``,
``retail_selling``); farm work the CBV has no word for is a step in the project namespace
(``<PROJECT_NAMESPACE>BizStep-spraying``). Form fields become extension fields in the project
namespace (``vnt:inputProductName``, ``vnt:withdrawalPeriodDays`` …) or CBV ILMD attributes
(``cbvmda:harvestEndDate``); every template event carries ``vnt:stage`` and ``vnt:template``.

For the web pages: ``template_catalog()`` describes the forms; ``record_stage(actor, batch,
template, stage, data)`` records one, with ``data`` = ``{"event_time", "location_id",
"fields": {…}}``. Errors are ``ValidationFailed`` keyed by the form field name (``event_time``,
``location_id`` or the template field's own name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from .. import gs1
from ..database import utcnow
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..registry import services as registry
from ..registry.models import Batch, Location, Organization
from . import chain, services
from .epcis import (
    PROJECT_NAMESPACE,
    EPCISBuildError,
    IlmdSpec,
    PartySpec,
    QuantitySpec,
    build_object_event_document,
    build_transformation_event_document,
)
from .epcis.vocabulary import BIZ_STEPS

FIELD_TYPES = ("text", "textarea", "number", "integer", "date", "select", "party", "code")
#: UN/ECE Recommendation 20 units offered in the forms.
UOM_OPTIONS = (
    ("KGM", "kg", "kg"),
    ("TNE", "tấn", "tonne"),
    ("GRM", "g", "g"),
    ("LTR", "lít", "litre"),
    ("H87", "cái, quả, con", "piece"),
)
_UNIT_WORDS = {"kg": "KGM", "kilogram": "KGM", "tấn": "TNE", "tan": "TNE", "t": "TNE",
               "g": "GRM", "gram": "GRM", "l": "LTR", "lít": "LTR", "lit": "LTR",
               "litre": "LTR", "liter": "LTR"}
#: How far ahead of the server clock an event time may be (a phone's clock drifts).
FUTURE_TOLERANCE = timedelta(minutes=10)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label_vi: str
    label_en: str
    required: bool = False
    #: Where the value goes: "ext" (extension ``key``), "ilmd" (CBV ILMD ``key``),
    #: "quantity", "uom", "party", "input", "input_quantity".
    target: str = "ext"
    key: str = ""
    options: tuple[tuple[str, str, str], ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 500
    help_vi: str = ""
    help_en: str = ""

    def to_dict(self) -> dict:
        described = {"name": self.name, "type": self.type, "label_vi": self.label_vi,
                     "label_en": self.label_en, "required": self.required}
        if self.options:
            described["options"] = [{"value": v, "label_vi": vi, "label_en": en}
                                    for v, vi, en in self.options]
        if self.minimum is not None:
            described["min"] = self.minimum
        if self.maximum is not None:
            described["max"] = self.maximum
        if self.type in ("text", "textarea"):
            described["max_length"] = self.max_length
        if self.help_vi or self.help_en:
            described["help_vi"], described["help_en"] = self.help_vi, self.help_en
        return described


@dataclass(frozen=True)
class Stage:
    name: str
    biz_step: str
    disposition: str | None
    fields: tuple[Field, ...]
    action: str = "OBSERVE"
    #: "transformation": inputs consumed to make this batch (a TransformationEvent).
    kind: str = "object"
    #: "ship": the batch leaves for the ``destination`` party; "receive": it arrives from the
    #: ``source`` party.
    custody: str | None = None
    #: The stage applies a product with a withdrawal period: ``withdrawalEndDate`` is derived.
    sets_withdrawal: bool = False
    #: Warn when a withdrawal period recorded earlier has not ended at this stage's date.
    checks_withdrawal: bool = False

    @property
    def labels(self) -> tuple[str, str]:
        return chain.step_labels(self.name)

    @property
    def biz_step_value(self) -> str:
        """The bizStep written in the event: a CBV word or a project-namespace URI."""
        if self.biz_step in BIZ_STEPS:
            return self.biz_step
        return f"{PROJECT_NAMESPACE}BizStep-{self.biz_step}"

    @property
    def field_map(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}


@dataclass(frozen=True)
class Template:
    name: str
    label_vi: str
    label_en: str
    standard: str
    stages: tuple[Stage, ...]

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)


# --------------------------------------------------------------------------- common fields


def _ext(name, kind, vi, en, key, **options) -> Field:
    return Field(name, kind, vi, en, target="ext", key=key, **options)


QUANTITY = Field("quantity", "number", "Số lượng", "Quantity", target="quantity", minimum=0)
QUANTITY_REQUIRED = Field("quantity", "number", "Số lượng", "Quantity", required=True,
                          target="quantity", minimum=0)
UOM = Field("uom", "select", "Đơn vị", "Unit", target="uom", options=UOM_OPTIONS,
            help_vi="Mặc định theo đơn vị của lô.", help_en="Defaults to the batch's unit.")
NOTES = _ext("notes", "textarea", "Ghi chú", "Notes", "notes", max_length=2000)
OPERATOR = _ext("operator", "text", "Người thực hiện", "Done by", "operator", max_length=255)
AREA = _ext("area_hectares", "number", "Diện tích (ha)", "Area (ha)", "areaHectares", minimum=0)
VARIETY = _ext("crop_variety", "text", "Giống cây trồng", "Crop variety", "cropVariety",
               required=True, max_length=255)
SEED_SOURCE = _ext("seed_source", "text", "Nguồn giống", "Seed source", "seedSource",
                   max_length=255)
WITHDRAWAL = _ext("withdrawal_period_days", "integer", "Thời gian cách ly (ngày)",
                  "Withdrawal period (days)", "withdrawalPeriodDays", required=True, minimum=0,
                  maximum=365, help_vi="Theo nhãn thuốc: số ngày từ khi dùng đến khi được thu "
                  "hoạch, giết mổ.", help_en="From the product label: days between use and "
                  "harvest or slaughter.")
ACTIVE_INGREDIENT = _ext("active_ingredient", "text", "Hoạt chất", "Active ingredient",
                         "activeIngredient", max_length=255)
DOSAGE = _ext("dosage", "text", "Liều lượng", "Dosage", "dosage", max_length=255,
              help_vi="Ví dụ: 30 ml/bình 16 lít", help_en="e.g. 30 ml per 16-litre tank")
DOCUMENT = _ext("document_number", "text", "Số chứng từ (phiếu xuất, hóa đơn)",
                "Document number (delivery note, invoice)", "documentNumber", max_length=100)
TEMPERATURE = _ext("temperature_celsius", "number", "Nhiệt độ (°C)", "Temperature (°C)",
                   "temperatureCelsius", minimum=-60, maximum=100)
DESTINATION = Field("destination", "party", "Nơi nhận (doanh nghiệp)",
                    "Delivered to (business)", required=True, target="party",
                    help_vi="Mã số (id) doanh nghiệp đã đăng ký hoặc mã GLN 13 số.",
                    help_en="A registered organization's id or a 13-digit GLN.")
SOURCE = Field("source", "party", "Nhận từ (doanh nghiệp)", "Received from (business)",
               required=True, target="party",
               help_vi="Mã số (id) doanh nghiệp đã đăng ký hoặc mã GLN 13 số.",
               help_en="A registered organization's id or a 13-digit GLN.")
CONDITION = _ext("condition", "select", "Tình trạng khi nhận", "Condition on receipt",
                 "condition", options=(("good", "Đạt", "Good"),
                                       ("damaged", "Hư hỏng một phần", "Partly damaged"),
                                       ("rejected", "Từ chối một phần", "Partly rejected")))


def _planting(name: str = "planting") -> Stage:
    return Stage(name, name, None, (VARIETY, SEED_SOURCE, AREA, OPERATOR, NOTES))


FERTILIZING = Stage("fertilizing", "fertilizing", None, (
    _ext("fertilizer_name", "text", "Tên phân bón", "Fertiliser", "inputProductName",
         required=True, max_length=255),
    _ext("fertilizer_type", "select", "Loại phân bón", "Fertiliser type", "fertilizerType",
         options=(("organic", "Hữu cơ", "Organic"), ("inorganic", "Vô cơ", "Mineral"),
                  ("foliar", "Phân bón lá", "Foliar"))),
    _ext("amount_applied", "text", "Lượng dùng", "Amount applied", "amountApplied",
         max_length=100, help_vi="Ví dụ: 50 kg/ha", help_en="e.g. 50 kg/ha"),
    AREA, OPERATOR, NOTES))

SPRAYING = Stage("spraying", "spraying", None, (
    _ext("product_name", "text", "Tên thuốc bảo vệ thực vật", "Plant protection product",
         "inputProductName", required=True, max_length=255),
    ACTIVE_INGREDIENT, DOSAGE,
    _ext("target_pest", "text", "Đối tượng phòng trừ", "Target pest or disease", "targetPest",
         max_length=255),
    WITHDRAWAL, AREA, OPERATOR, NOTES), sets_withdrawal=True)


def _harvesting(*extra: Field) -> Stage:
    return Stage("harvesting", "commissioning", "active", (
        QUANTITY_REQUIRED, UOM,
        Field("harvest_end_date", "date", "Ngày kết thúc thu hoạch", "Harvest end date",
              target="ilmd", key="harvestEndDate"),
        *extra,
        _ext("quality_grade", "text", "Phân loại chất lượng", "Quality grade", "qualityGrade",
             max_length=100),
        OPERATOR, NOTES), action="ADD", checks_withdrawal=True)


PACKING = Stage("packing", "packing", "in_progress", (
    QUANTITY, UOM,
    _ext("packaging_type", "text", "Quy cách đóng gói", "Packaging", "packagingType",
         max_length=255, help_vi="Ví dụ: thùng carton 10 kg", help_en="e.g. 10 kg carton"),
    _ext("package_count", "integer", "Số kiện, thùng", "Number of packages", "packageCount",
         minimum=0),
    OPERATOR, NOTES))
SHIPPING = Stage("shipping", "shipping", "in_transit", (
    DESTINATION, QUANTITY, UOM, DOCUMENT,
    _ext("vehicle_plate", "text", "Biển số xe", "Vehicle plate", "vehiclePlate", max_length=20),
    TEMPERATURE, NOTES), custody="ship")
RECEIVING = Stage("receiving", "receiving", "in_progress", (
    SOURCE, QUANTITY, UOM, CONDITION, DOCUMENT, TEMPERATURE, NOTES), custody="receive")
SELLING = Stage("selling", "retail_selling", "retail_sold", (QUANTITY, UOM, NOTES))
TRADE_STAGES = (PACKING, SHIPPING, RECEIVING, SELLING)

FEEDING = Stage("feeding", "feeding", None, (
    _ext("feed_name", "text", "Thức ăn", "Feed", "feedName", required=True, max_length=255),
    _ext("amount_applied", "text", "Lượng dùng", "Amount", "amountApplied", max_length=100),
    OPERATOR, NOTES))
TREATING = Stage("treating", "treating", None, (
    _ext("drug_name", "text", "Tên thuốc, hóa chất", "Drug or chemical", "drugName",
         required=True, max_length=255),
    ACTIVE_INGREDIENT, DOSAGE,
    _ext("reason", "text", "Lý do sử dụng", "Reason", "treatmentReason", max_length=255),
    WITHDRAWAL, OPERATOR, NOTES), sets_withdrawal=True)

TEMPLATES: tuple[Template, ...] = (
    Template("fresh_produce", "Rau quả tươi", "Fresh fruit and vegetables", "TCVN 12827", (
        _planting(), FERTILIZING, SPRAYING, _harvesting(), *TRADE_STAGES)),
    Template("rice", "Lúa gạo", "Rice", "TCVN 12850", (
        _planting("sowing"), FERTILIZING, SPRAYING,
        _harvesting(_ext("moisture_percent", "number", "Độ ẩm (%)", "Moisture (%)",
                         "moisturePercent", minimum=0, maximum=100)),
        Stage("drying", "drying", None, (
            _ext("moisture_percent", "number", "Độ ẩm sau sấy (%)", "Moisture after drying (%)",
                 "moisturePercent", minimum=0, maximum=100),
            _ext("drying_method", "select", "Cách làm khô", "Drying method", "dryingMethod",
                 options=(("sun", "Phơi nắng", "Sun drying"),
                          ("dryer", "Máy sấy", "Mechanical dryer"))),
            QUANTITY, UOM, OPERATOR, NOTES)),
        Stage("milling", "commissioning", "active", (
            Field("input", "code", "Lô lúa đầu vào", "Paddy lot used", required=True,
                  target="input", help_vi="Mã QR / Digital Link của lô lúa, hoặc số id lô.",
                  help_en="The paddy lot's QR code (Digital Link) or its batch id."),
            Field("input_quantity", "number", "Khối lượng lúa đưa vào", "Paddy quantity used",
                  required=True, target="input_quantity", minimum=0),
            Field("quantity", "number", "Khối lượng gạo thu được", "Rice obtained",
                  required=True, target="quantity", minimum=0),
            UOM, OPERATOR, NOTES), kind="transformation"),
        *TRADE_STAGES)),
    Template("meat", "Thịt gia súc, gia cầm", "Meat", "TCVN 13166", (
        Stage("raising", "raising", None, (
            _ext("breed", "text", "Giống vật nuôi", "Breed", "breed", required=True,
                 max_length=255),
            _ext("animal_count", "integer", "Số con", "Number of animals", "animalCount",
                 minimum=0),
            _ext("seed_source", "text", "Nguồn con giống", "Source of young stock",
                 "seedSource", max_length=255),
            OPERATOR, NOTES)),
        FEEDING,
        Stage("vaccinating", "vaccinating", None, (
            _ext("vaccine_name", "text", "Tên vắc xin", "Vaccine", "vaccineName", required=True,
                 max_length=255),
            _ext("animal_count", "integer", "Số con", "Number of animals", "animalCount",
                 minimum=0),
            Field("withdrawal_period_days", "integer", "Thời gian ngừng sử dụng (ngày)",
                  "Withdrawal period (days)", key="withdrawalPeriodDays", minimum=0,
                  maximum=365),
            OPERATOR, NOTES), sets_withdrawal=True),
        TREATING,
        Stage("slaughtering", "killing", "active", (
            _ext("animal_count", "integer", "Số con", "Number of animals", "animalCount",
                 minimum=0),
            QUANTITY_REQUIRED, UOM,
            _ext("veterinary_certificate", "text", "Số giấy chứng nhận kiểm dịch",
                 "Veterinary certificate number", "veterinaryCertificate", max_length=100),
            OPERATOR, NOTES), action="ADD", checks_withdrawal=True),
        *TRADE_STAGES)),
    Template("aquaculture", "Thủy sản nuôi", "Aquaculture", "TCVN 12850", (
        Stage("stocking_seed", "stocking_seed", None, (
            _ext("breed", "text", "Loài, giống", "Species or strain", "breed", required=True,
                 max_length=255),
            _ext("seed_source", "text", "Nguồn giống", "Seed source", "seedSource",
                 max_length=255),
            _ext("stocking_density", "text", "Mật độ thả", "Stocking density",
                 "stockingDensity", max_length=100, help_vi="Ví dụ: 100 con/m²",
                 help_en="e.g. 100 per m²"),
            _ext("pond_area", "number", "Diện tích ao (m²)", "Pond area (m²)", "pondArea",
                 minimum=0),
            OPERATOR, NOTES)),
        FEEDING, TREATING, _harvesting(), *TRADE_STAGES)),
)


def get_template(name: str) -> Template | None:
    return next((t for t in TEMPLATES if t.name == name), None)


COMMON_FIELDS = (
    {"name": "event_time", "type": "datetime", "label_vi": "Thời điểm thực hiện",
     "label_en": "When", "required": True,
     "help_vi": "Giờ Việt Nam nếu không ghi múi giờ.",
     "help_en": "Vietnam time unless a time zone is given."},
    {"name": "location_id", "type": "location", "label_vi": "Địa điểm", "label_en": "Where",
     "required": False,
     "help_vi": "Một địa điểm của doanh nghiệp; mặc định là nơi sản xuất của lô.",
     "help_en": "One of your locations; defaults to the batch's production location."},
)


def template_catalog() -> list[dict]:
    """Sectors → stages → fields, with Vietnamese and English labels (for forms and the API)."""
    catalog = []
    for template in TEMPLATES:
        stages = []
        for stage in template.stages:
            label_vi, label_en = stage.labels
            stages.append({
                "name": stage.name, "label_vi": label_vi, "label_en": label_en,
                "event_type": ("TransformationEvent" if stage.kind == "transformation"
                               else "ObjectEvent"),
                "biz_step": stage.biz_step_value, "disposition": stage.disposition,
                "action": None if stage.kind == "transformation" else stage.action,
                "fields": [f.to_dict() for f in stage.fields],
            })
        catalog.append({"name": template.name, "label_vi": template.label_vi,
                        "label_en": template.label_en, "standard": template.standard,
                        "common_fields": [dict(f) for f in COMMON_FIELDS], "stages": stages})
    return catalog


# --------------------------------------------------------------------------- recording


def record_stage(actor, batch: Batch, template: str, stage: str, data: dict) -> dict:
    """Record one stage of ``batch`` as an EPCIS event through the capture pipeline.

    Answers ``{"event": EPCISEvent | None, "event_id", "duplicate", "warnings", "document",
    "capture": CaptureResult}``; ``warnings`` (each ``code``, ``message_vi``, ``message_en``)
    flag what an inspector would question, such as harvesting before a withdrawal period ends.
    Flushes but does not commit (the caller commits); refusals raise like ``capture``.
    """
    writer = services.writer_organization(actor)
    if not services.can_read_batch(actor, batch):
        raise NotFound(f"Batch {batch.id} not found.")
    chosen = _choose(template, stage)
    data = data if isinstance(data, dict) else {}
    errors: dict[str, list[str]] = {}
    moment = _event_time(data.get("event_time"), errors)
    location = _location(writer, batch, data.get("location_id"), errors)
    values = _field_values(chosen, data.get("fields"), errors)
    if errors:
        raise ValidationFailed(errors, detail="Một số thông tin chưa hợp lệ. / Some fields are "
                               "not valid.")
    own = writer or (location.organization if location else batch.organization)
    document = _build(chosen, get_template(template), batch, moment, location, own, values)
    result = services.capture(actor, document, channel="template")
    row = result.captured[0] if result.captured else None
    event_id = document["epcisBody"]["eventList"][0]["eventID"]
    return {"event": row, "event_id": event_id, "duplicate": row is None,
            "warnings": _warnings(chosen, batch, moment, exclude=event_id),
            "document": document, "capture": result}


def _choose(template: str, stage: str) -> Stage:
    chosen_template = get_template(template)
    if chosen_template is None:
        names = ", ".join(t.name for t in TEMPLATES)
        raise ValidationFailed({"template": [f"Không có mẫu '{template}'; chọn một trong: "
                                             f"{names}. / No template '{template}'; use one "
                                             f"of: {names}."]})
    chosen = chosen_template.stage(stage)
    if chosen is None:
        names = ", ".join(s.name for s in chosen_template.stages)
        raise ValidationFailed({"stage": [f"Mẫu '{template}' không có công đoạn '{stage}'; "
                                          f"chọn một trong: {names}. / Template '{template}' "
                                          f"has no stage '{stage}'; use one of: {names}."]})
    return chosen


def _timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Ho_Chi_Minh")


def _event_time(value: Any, errors: dict) -> datetime | None:
    if value in (None, ""):
        errors["event_time"] = ["Nhập thời điểm thực hiện. / Give the time of the stage."]
        return None
    moment = value if isinstance(value, datetime) else None
    if moment is None and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if moment is None:
        errors["event_time"] = ["Thời điểm không hợp lệ (ví dụ 2024-05-01T08:30). / Not a "
                                "valid date and time (e.g. 2024-05-01T08:30)."]
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_timezone())
    if moment > utcnow() + FUTURE_TOLERANCE:
        errors["event_time"] = ["Thời điểm ở tương lai; ghi lại công đoạn khi đã thực hiện. / "
                                "This time is in the future; record a stage once it is done."]
        return None
    return moment


def _location(writer, batch: Batch, value: Any, errors: dict) -> Location | None:
    if value in (None, ""):
        if writer is None or writer.id == batch.organization_id:
            return batch.location
        return None
    try:
        location = db.session.get(Location, int(value))
    except (TypeError, ValueError):
        location = None
    if location is None or (writer is not None and location.organization_id != writer.id):
        errors["location_id"] = ["Chọn một địa điểm của doanh nghiệp bạn. / Choose one of your "
                                 "organization's locations."]
        return None
    return location


def _field_values(stage: Stage, given: Any, errors: dict) -> dict[str, Any]:
    given = given if isinstance(given, dict) else {}
    fields = stage.field_map
    values: dict[str, Any] = {}
    for name in given:
        if name not in fields:
            errors[name] = [f"Công đoạn này không có trường '{name}'. / This stage has no field "
                            f"'{name}'; its fields are: {', '.join(fields)}."]
    for name, spec in fields.items():
        raw = given.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if spec.required:
                errors[name] = [f"Bắt buộc nhập: {spec.label_vi}. / Required: {spec.label_en}."]
            continue
        try:
            values[name] = _convert(spec, raw)
        except ValueError as error:
            errors[name] = [str(error)]
    return values


def _convert(spec: Field, raw: Any) -> Any:
    kind = spec.type
    if kind in ("text", "textarea"):
        text = str(raw).strip()
        if len(text) > spec.max_length:
            raise ValueError(f"Tối đa {spec.max_length} ký tự. / At most {spec.max_length} "
                             "characters.")
        return text
    if kind in ("number", "integer"):
        return _number(spec, raw)
    if kind == "date":
        try:
            return raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ValueError("Ngày không hợp lệ (ví dụ 2024-05-01). / Not a valid date "
                             "(e.g. 2024-05-01).") from None
    if kind == "select":
        allowed = [value for value, _, _ in spec.options]
        if str(raw) not in allowed:
            raise ValueError(f"Chọn một trong: {', '.join(allowed)}. / Choose one of: "
                             f"{', '.join(allowed)}.")
        return str(raw)
    if kind == "party":
        return _party(raw)
    if kind == "code":
        return _input_code(raw)
    raise ValueError(f"Unsupported field type {kind}")  # pragma: no cover - templates are data


def _number(spec: Field, raw: Any) -> Decimal | int:
    if isinstance(raw, bool):
        raw = None
    try:
        amount = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValueError("Nhập một số. / Give a number.")
    if spec.type == "integer":
        if amount != amount.to_integral_value():
            raise ValueError("Nhập một số nguyên. / Give a whole number.")
        amount = int(amount)
    if spec.minimum is not None and amount < Decimal(str(spec.minimum)):
        raise ValueError(f"Không nhỏ hơn {spec.minimum:g}. / At least {spec.minimum:g}.")
    if spec.maximum is not None and amount > Decimal(str(spec.maximum)):
        raise ValueError(f"Không lớn hơn {spec.maximum:g}. / At most {spec.maximum:g}.")
    if abs(amount) >= services.QUANTITY_LIMIT:
        raise ValueError("Số quá lớn. / The number is too large.")
    return amount


def _party(raw: Any) -> PartySpec:
    """A partner given by organization id or GLN → who the event names (party GLN, or the GLN
    of one of its locations when the organization has none)."""
    text = str(raw).strip()
    if isinstance(raw, int) or (text.isdigit() and len(text) < 13):
        organization = db.session.get(Organization, int(text)) if text.isdigit() else None
        if organization is None:
            raise ValueError(f"Không có doanh nghiệp số {text}. / No organization {text}.")
        party = party_of_organization(organization)
        if party is None:
            raise ValueError(f"{organization.name} chưa có mã GLN; nhập mã GLN của đối tác. / "
                             f"{organization.name} has no GLN yet; give the partner's GLN.")
        return party
    if not (text.isdigit() and len(text) == 13):
        raise ValueError("Nhập số id doanh nghiệp hoặc mã GLN 13 chữ số. / Give an "
                         "organization id or a 13-digit GLN.")
    if not gs1.is_valid_check_digit(text):
        raise ValueError(f"Mã GLN sai số kiểm tra (số cuối phải là {gs1.check_digit(text[:-1])})."
                         f" / Wrong GLN check digit (it should end in "
                         f"{gs1.check_digit(text[:-1])}).")
    if db.session.scalar(select(Organization.id).where(Organization.gln == text)) is None and \
            db.session.scalar(select(Location.id).where(Location.gln == text)) is not None:
        return PartySpec(text, "location")
    return PartySpec(text, "owning_party")


def party_of_organization(organization: Organization | None,
                          location: Location | None = None) -> PartySpec | None:
    """How an event names an organization: its party GLN, else the GLN of a location of it."""
    if organization is None:
        return None
    if organization.gln:
        return PartySpec(organization.gln, "owning_party")
    if location is None or location.organization_id != organization.id:
        location = db.session.scalar(select(Location).where(
            Location.organization_id == organization.id).order_by(Location.id).limit(1))
    return PartySpec(location.gln, "location") if location is not None else None


def _input_code(raw: Any) -> tuple[str, str]:
    """A batch used as input: its id, or any GS1 code carrying GTIN and lot."""
    if isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit()
                                and len(raw.strip()) < 8):
        batch = db.session.get(Batch, int(raw))
        if batch is None:
            raise ValueError(f"Không có lô số {raw}. / No batch {raw}.")
        return batch.gtin, batch.lot
    try:
        parsed = gs1.parse_code(str(raw).strip())
    except gs1.GS1Error as error:
        problem = error.problems[0] if getattr(error, "problems", None) else None
        vi = getattr(problem, "message_vi", "") or "Mã không hợp lệ"
        raise ValueError(f"{vi}. / {error}") from None
    if parsed.gtin is None or parsed.get("10") is None:
        raise ValueError("Mã cần có GTIN (01) và số lô (10). / The code must carry a GTIN (01) "
                         "and a lot (10).")
    return parsed.gtin, parsed.get("10")


def _default_uom(batch: Batch) -> str | None:
    unit = (batch.unit or batch.product.unit or "").strip().lower()
    if unit.upper() in {value for value, _, _ in UOM_OPTIONS}:
        return unit.upper()
    return _UNIT_WORDS.get(unit)


def _build(stage: Stage, template: Template, batch: Batch, moment: datetime,
           location: Location | None, own: Organization | None, values: dict) -> dict:
    extensions: dict[str, Any] = {"stage": stage.name, "template": template.name}
    ilmd_extra: dict[str, Any] = {}
    quantity = values.get("quantity")
    uom = values.get("uom") or (_default_uom(batch) if quantity is not None else None)
    if quantity is not None and uom is None:
        raise ValidationFailed({"uom": ["Chọn đơn vị cho số lượng. / Choose the unit of the "
                                        "quantity."]})
    for name, value in values.items():
        spec = stage.field_map[name]
        if spec.target == "ext":
            extensions[spec.key] = value
        elif spec.target == "ilmd":
            ilmd_extra[spec.key] = value
    local_day = moment.astimezone(_timezone()).date()
    if stage.sets_withdrawal and values.get("withdrawal_period_days") is not None:
        extensions["withdrawalPeriodDays"] = values["withdrawal_period_days"]
        extensions["withdrawalEndDate"] = local_day + timedelta(
            days=values["withdrawal_period_days"])
    own_party = party_of_organization(own, location)
    sources, destinations = [], []
    if stage.custody == "ship":
        sources = [own_party] if own_party else []
        destinations = [values["destination"]]
    elif stage.custody == "receive":
        sources = [values["source"]]
        destinations = [own_party] if own_party else []
    link = registry.batch_digital_link(batch)
    common = {"event_time": moment, "biz_step": stage.biz_step_value,
              "disposition": stage.disposition,
              "location_gln": location.gln if location else None,
              "sources": sources, "destinations": destinations, "extensions": extensions}
    try:
        if stage.kind == "transformation":
            gtin, lot = values["input"]
            source_link = gs1.build_digital_link([("01", gtin), ("10", lot)],
                                                 current_app.config["RESOLVER_BASE_URL"])
            return build_transformation_event_document(
                input_quantities=[QuantitySpec(source_link, values["input_quantity"], uom)],
                output_quantities=[QuantitySpec(link, quantity, uom)],
                ilmd=_ilmd(batch, ilmd_extra), **common)
        ilmd = None
        if stage.action == "ADD":
            if stage.biz_step == "commissioning":
                ilmd_extra.setdefault("harvestStartDate", local_day)
            ilmd = _ilmd(batch, ilmd_extra)
        return build_object_event_document(action=stage.action, batch=link, quantity=quantity,
                                           uom=uom if quantity is not None else None,
                                           ilmd=ilmd, **common)
    except EPCISBuildError as error:
        raise ValidationFailed({"_event": [str(error)]},
                               detail="Không tạo được sự kiện từ các thông tin này. / These "
                               "values do not make a valid event.") from error


def _ilmd(batch: Batch, extra: dict) -> IlmdSpec:
    return IlmdSpec(lot_number=batch.lot, production_date=batch.production_date,
                    expiry_date=batch.expiry_date, extra=extra)


def _warnings(stage: Stage, batch: Batch, moment: datetime, exclude: str) -> list[dict]:
    if not stage.checks_withdrawal:
        return []
    day = moment.astimezone(_timezone()).date()
    found = []
    for earlier in chain.journey(batch):
        end = earlier["details"].get("withdrawalEndDate")
        if earlier["event_id"] == exclude or not isinstance(end, str):
            continue
        try:
            end_day = date.fromisoformat(end)
        except ValueError:
            continue
        if day < end_day and earlier["event_time"].date() <= day:
            product = (earlier["details"].get("inputProductName")
                       or earlier["details"].get("drugName")
                       or earlier["details"].get("vaccineName") or "?")
            found.append({
                "code": "withdrawal_period",
                "message_vi": f"{stage.labels[0]} ngày {day.isoformat()} khi chưa hết thời gian "
                              f"cách ly của {product} (đến ngày {end_day.isoformat()}).",
                "message_en": f"{stage.labels[1]} on {day.isoformat()} before the withdrawal "
                              f"period of {product} ends ({end_day.isoformat()}).",
            })
    return found
