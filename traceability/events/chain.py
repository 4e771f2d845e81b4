"""One step back, one step forward (Circular 02/2024): the chain between batches and businesses.

Every captured event leaves ``TraceLink`` rows (see ``models``); these functions read them. They
take a registry ``Batch`` and answer plain dicts holding ORM objects (``Batch``,
``Organization``), aware datetimes and ``Decimal`` quantities. They apply no access rules:
callers decide what a user may see (``services`` does for the API).

Relations:

* back: ``transformed_from`` (an input of a transformation that made this batch) and
  ``received_from`` (someone received this batch from that organization);
* forward: ``transformed_into`` (a batch made from this one), ``shipped_to`` (this batch was
  shipped to that organization) and ``received_by`` (that organization received it).

Events later declared erroneous (EPCIS error declarations) no longer count.
"""

from collections.abc import Iterable
from datetime import timedelta, timezone
from decimal import Decimal

from sqlalchemy import or_, select, union
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..registry.models import Batch
from .epcis.builder import PROJECT_NAMESPACE
from .epcis.context import Namespaces
from .epcis.identifiers import location_of
from .epcis.timeutil import parse_offset
from .epcis.validation import EVENT_FIELDS
from .models import EPCISEvent, EventObject, EventParty, TraceLink

DIRECTIONS = ("back", "forward")
MAX_DEPTH = 20
#: Key of quantities given without a unit: EPCIS reads them as a count of objects.
COUNT_UOM = "count"

INPUT_FIELDS = ("inputEPCList", "inputQuantityList")
OUTPUT_FIELDS = ("outputEPCList", "outputQuantityList")
INSTANCE_FIELDS = ("epcList", "parentID", "childEPCs", "inputEPCList", "outputEPCList")

#: What each business step or stage is called on the consumer page and for the inspector
#: (Vietnamese, English). CBV 2.0 business steps first, then the stages of the sector templates.
STEP_LABELS: dict[str, tuple[str, str]] = {
    "accepting": ("Chấp nhận hàng", "Accepting"),
    "arriving": ("Hàng đến", "Arriving"),
    "assembling": ("Lắp ráp", "Assembling"),
    "collecting": ("Thu gom", "Collecting"),
    "commissioning": ("Khởi tạo lô, mã", "Commissioning"),
    "consigning": ("Ký gửi", "Consigning"),
    "creating_class_instance": ("Tạo lô", "Creating a lot"),
    "cycle_counting": ("Kiểm đếm", "Cycle counting"),
    "decommissioning": ("Ngừng sử dụng mã", "Decommissioning"),
    "departing": ("Rời đi", "Departing"),
    "destroying": ("Tiêu hủy", "Destroying"),
    "disassembling": ("Tháo dỡ", "Disassembling"),
    "dispensing": ("Cấp phát", "Dispensing"),
    "encoding": ("Ghi mã", "Encoding"),
    "entering_exiting": ("Ra vào", "Entering or exiting"),
    "holding": ("Tạm giữ", "Holding"),
    "inspecting": ("Kiểm tra", "Inspecting"),
    "installing": ("Lắp đặt", "Installing"),
    "killing": ("Giết mổ", "Slaughtering"),
    "loading": ("Bốc hàng lên phương tiện", "Loading"),
    "other": ("Công đoạn khác", "Other step"),
    "packing": ("Đóng gói", "Packing"),
    "picking": ("Lấy hàng", "Picking"),
    "receiving": ("Nhận hàng", "Receiving"),
    "removing": ("Gỡ bỏ", "Removing"),
    "repackaging": ("Đóng gói lại", "Repackaging"),
    "repairing": ("Sửa chữa", "Repairing"),
    "replacing": ("Thay thế", "Replacing"),
    "reserving": ("Đặt giữ hàng", "Reserving"),
    "retail_selling": ("Bán lẻ", "Retail selling"),
    "sampling": ("Lấy mẫu", "Sampling"),
    "sensor_reporting": ("Ghi nhận cảm biến", "Sensor reporting"),
    "shipping": ("Xuất hàng", "Shipping"),
    "staging_outbound": ("Chuẩn bị xuất hàng", "Staging outbound"),
    "stock_taking": ("Kiểm kê", "Stock taking"),
    "stocking": ("Bày lên kệ", "Stocking"),
    "storing": ("Lưu kho", "Storing"),
    "transporting": ("Vận chuyển", "Transporting"),
    "unloading": ("Dỡ hàng", "Unloading"),
    "unpacking": ("Mở gói", "Unpacking"),
    "void_shipping": ("Hủy xuất hàng", "Shipping cancelled"),
    # Stages of the sector templates (``stages``).
    "planting": ("Gieo trồng", "Planting"),
    "sowing": ("Gieo sạ", "Sowing"),
    "fertilizing": ("Bón phân", "Fertilising"),
    "spraying": ("Phun thuốc bảo vệ thực vật", "Spraying (plant protection)"),
    "harvesting": ("Thu hoạch", "Harvesting"),
    "drying": ("Phơi, sấy", "Drying"),
    "milling": ("Xay xát", "Milling"),
    "raising": ("Chăn nuôi", "Raising"),
    "stocking_seed": ("Thả giống", "Stocking fingerlings"),
    "feeding": ("Cho ăn", "Feeding"),
    "vaccinating": ("Tiêm phòng", "Vaccinating"),
    "treating": ("Dùng thuốc thú y, hóa chất", "Veterinary treatment"),
    "slaughtering": ("Giết mổ", "Slaughtering"),
    "selling": ("Bán lẻ", "Selling"),
}

#: Labels of the details shown with a stage (extension and ILMD fields by local name).
DETAIL_LABELS: dict[str, tuple[str, str]] = {
    "quantity": ("Số lượng", "Quantity"),
    "uom": ("Đơn vị", "Unit"),
    "sources": ("Nhận từ", "Received from"),
    "destinations": ("Giao đến", "Delivered to"),
    "inputs": ("Nguyên liệu đầu vào", "Inputs"),
    "outputs": ("Sản phẩm đầu ra", "Outputs"),
    "lotNumber": ("Số lô", "Lot number"),
    "productionDate": ("Ngày sản xuất", "Production date"),
    "itemExpirationDate": ("Hạn sử dụng", "Expiry date"),
    "bestBeforeDate": ("Sử dụng tốt nhất trước", "Best before"),
    "harvestStartDate": ("Ngày bắt đầu thu hoạch", "Harvest start"),
    "harvestEndDate": ("Ngày kết thúc thu hoạch", "Harvest end"),
    "countryOfOrigin": ("Xuất xứ", "Country of origin"),
    "cropVariety": ("Giống cây trồng", "Crop variety"),
    "seedSource": ("Nguồn giống", "Seed source"),
    "areaHectares": ("Diện tích (ha)", "Area (ha)"),
    "inputProductName": ("Tên vật tư, thuốc", "Input product"),
    "activeIngredient": ("Hoạt chất", "Active ingredient"),
    "dosage": ("Liều lượng", "Dosage"),
    "targetPest": ("Đối tượng phòng trừ", "Target pest or disease"),
    "withdrawalPeriodDays": ("Thời gian cách ly (ngày)", "Withdrawal period (days)"),
    "withdrawalEndDate": ("Hết thời gian cách ly", "Withdrawal period ends"),
    "fertilizerType": ("Loại phân bón", "Fertiliser type"),
    "amountApplied": ("Lượng dùng", "Amount applied"),
    "operator": ("Người thực hiện", "Done by"),
    "qualityGrade": ("Phân loại chất lượng", "Quality grade"),
    "packagingType": ("Quy cách đóng gói", "Packaging"),
    "packageCount": ("Số kiện, thùng", "Number of packages"),
    "documentNumber": ("Số chứng từ", "Document number"),
    "vehiclePlate": ("Biển số xe", "Vehicle plate"),
    "temperatureCelsius": ("Nhiệt độ (°C)", "Temperature (°C)"),
    "condition": ("Tình trạng khi nhận", "Condition on receipt"),
    "moisturePercent": ("Độ ẩm (%)", "Moisture (%)"),
    "dryingMethod": ("Cách làm khô", "Drying method"),
    "treatmentReason": ("Lý do sử dụng", "Reason for treatment"),
    "breed": ("Giống vật nuôi", "Breed"),
    "animalCount": ("Số con", "Number of animals"),
    "feedName": ("Thức ăn", "Feed"),
    "vaccineName": ("Vắc xin", "Vaccine"),
    "drugName": ("Thuốc, hóa chất", "Drug or chemical"),
    "veterinaryCertificate": ("Giấy chứng nhận kiểm dịch", "Veterinary certificate"),
    "stockingDensity": ("Mật độ thả", "Stocking density"),
    "pondArea": ("Diện tích ao (m²)", "Pond area (m²)"),
    "inputQuantity": ("Khối lượng đầu vào", "Input quantity"),
    "outputQuantity": ("Khối lượng đầu ra", "Output quantity"),
    "notes": ("Ghi chú", "Notes"),
}

_HIDDEN_DETAILS = frozenset({"stage", "template"})
_PROJECT_STEP_PREFIX = PROJECT_NAMESPACE + "BizStep-"


def step_labels(name: str) -> tuple[str, str]:
    """(Vietnamese, English) label of a business step or stage short name."""
    if name in STEP_LABELS:
        return STEP_LABELS[name]
    readable = name.replace("_", " ").strip() or "?"
    return readable, readable


def short_step(biz_step: str | None) -> str | None:
    """Short name of a stored bizStep: the CBV word, or the last part of a custom URI."""
    if not biz_step:
        return None
    if biz_step.startswith(_PROJECT_STEP_PREFIX):
        return biz_step[len(_PROJECT_STEP_PREFIX):]
    if ":" not in biz_step:
        return biz_step
    tail = biz_step.rstrip("/#")
    for separator in ("#", "/", ":"):
        tail = tail.rsplit(separator, 1)[-1]
    return tail.removeprefix("BizStep-") or biz_step


# --------------------------------------------------------------------------- one step


def one_step_back(batch: Batch) -> list[dict]:
    """Where this batch came from: inputs it was made of, organizations it was received from."""
    return _steps([batch.id], "back").get(batch.id, [])


def one_step_forward(batch: Batch) -> list[dict]:
    """Where this batch went: batches made from it, organizations it was shipped to or
    received by."""
    return _steps([batch.id], "forward").get(batch.id, [])


def full_chain(batch: Batch, direction: str, max_depth: int = MAX_DEPTH) -> list[dict]:
    """Every step back or forward up to ``max_depth`` steps; each item carries its ``depth``.

    Breadth first, one query per level; a batch is expanded once, so cycles end.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
    depth_limit = max(1, min(int(max_depth), MAX_DEPTH))
    visited = {batch.id}
    frontier = [batch.id]
    result: list[dict] = []
    for depth in range(1, depth_limit + 1):
        steps = _steps(frontier, direction)
        following: list[int] = []
        for batch_id in frontier:
            for item in steps.get(batch_id, []):
                result.append({**item, "depth": depth})
                neighbour = item["batch"]
                if neighbour is not None and neighbour.id not in visited:
                    visited.add(neighbour.id)
                    following.append(neighbour.id)
        if not following:
            break
        frontier = following
    return result


def affected_by_recall(batch: Batch) -> list[dict]:
    """Every batch and organization downstream of ``batch`` (its full forward chain).

    One entry per (organization, batch) pair, nearest first: ``organization`` (an
    ``Organization`` or None when the party is not registered here), ``contact`` (name,
    tax_code, contact_email, phone, address, province) for notifying it, ``batch`` (the
    ``Batch`` it holds or that was made from the recalled one, or None), ``relation``,
    ``depth``, ``event_id``, ``event_time``, ``quantity``, ``uom`` and ``identifier`` (what the
    event named when it is not one of our records).
    """
    entries: list[dict] = []
    seen: set[tuple] = set()
    for item in full_chain(batch, "forward", MAX_DEPTH):
        organization, affected = item["organization"], item["batch"]
        key = (organization.id if organization else item["identifier"],
               affected.id if affected else None)
        if key in seen:
            continue
        seen.add(key)
        entries.append({
            "organization": organization,
            "contact": _contact(organization),
            "batch": affected,
            "relation": item["relation"],
            "depth": item["depth"],
            "event_id": item["event_id"],
            "event_time": item["event_time"],
            "quantity": item["quantity"],
            "uom": item["uom"],
            "identifier": item["identifier"],
        })
    return entries


def _contact(organization) -> dict | None:
    if organization is None:
        return None
    return {"id": organization.id, "name": organization.name, "tax_code": organization.tax_code,
            "contact_email": organization.contact_email, "phone": organization.phone,
            "address": organization.address, "province": organization.province}


def _steps(batch_ids: Iterable[int], direction: str) -> dict[int, list[dict]]:
    """One step from each batch: ``{batch_id: [item, …]}`` in event time order."""
    ids = list(batch_ids)
    if not ids:
        return {}
    column = TraceLink.to_batch_id if direction == "back" else TraceLink.from_batch_id
    query = (
        select(TraceLink, EPCISEvent.event_id)
        .join(EPCISEvent, EPCISEvent.id == TraceLink.event_pk)
        .where(column.in_(ids), EPCISEvent.erroneous.is_(False))
        .options(selectinload(TraceLink.from_batch).selectinload(Batch.organization),
                 selectinload(TraceLink.to_batch).selectinload(Batch.organization),
                 selectinload(TraceLink.from_organization),
                 selectinload(TraceLink.to_organization))
        .order_by(TraceLink.event_time, TraceLink.id)
    )
    if direction == "back":
        query = query.where(TraceLink.relation.in_(("transformation", "receipt")))
    found: dict[int, list[dict]] = {}
    for link, event_id in db.session.execute(query):
        item = _back_item(link) if direction == "back" else _forward_item(link)
        if item is not None:
            item["event_id"] = event_id
            item["event_time"] = link.event_time
            anchor = link.to_batch_id if direction == "back" else link.from_batch_id
            found.setdefault(anchor, []).append(item)
    return found


def tidy(quantity: Decimal | None) -> Decimal | None:
    """A stored quantity without the column's trailing zeros (``600.000000`` → ``600``)."""
    if quantity is None:
        return None
    if quantity == quantity.to_integral_value():
        return quantity.quantize(Decimal(1))
    return quantity.normalize()


def _item(batch, organization, relation, quantity, uom, identifier) -> dict:
    return {"batch": batch, "organization": organization, "relation": relation,
            "event_id": None, "event_time": None, "quantity": tidy(quantity), "uom": uom,
            "identifier": identifier}


def _back_item(link: TraceLink) -> dict | None:
    if link.relation == "transformation":
        source = link.from_batch
        return _item(source, source.organization if source else None, "transformed_from",
                     link.from_quantity, link.from_uom, link.from_identifier)
    if link.from_organization is None and not link.from_identifier:
        return None  # a receipt that names no source says nothing about where it came from
    return _item(link.to_batch, link.from_organization, "received_from", link.from_quantity,
                 link.from_uom, link.from_identifier)


def _forward_item(link: TraceLink) -> dict | None:
    if link.relation == "transformation":
        made = link.to_batch
        return _item(made, made.organization if made else None, "transformed_into",
                     link.to_quantity, link.to_uom, link.to_identifier)
    if link.to_organization is None and not link.to_identifier:
        return None
    relation = "shipped_to" if link.relation == "shipment" else "received_by"
    return _item(link.from_batch, link.to_organization, relation, link.from_quantity,
                 link.from_uom, link.to_identifier)


# --------------------------------------------------------------------------- journey


def events_of_batch(batch_id: int):
    """Ids of the events about a batch: naming it, or moving a logistic unit it was packed in
    (a subquery)."""
    return union(
        select(EventObject.event_pk).where(EventObject.batch_id == batch_id),
        select(TraceLink.event_pk).where(or_(TraceLink.from_batch_id == batch_id,
                                             TraceLink.to_batch_id == batch_id)),
    )


def journey(batch: Batch) -> list[dict]:
    """The stages of this batch in time order (events naming it that still count).

    Each stage: ``event_id``, ``event_time`` (aware, in the event's own time zone offset),
    ``biz_step`` (the template stage, else the CBV word or custom step name), ``biz_step_vi``,
    ``biz_step_en``, ``disposition``, ``location`` ({gln, name, address, province} or None),
    ``organization`` ({id, name} of the recorder, or None), ``details`` (quantity of this batch,
    parties, inputs/outputs, ILMD and extension fields by local name; labels in
    ``DETAIL_LABELS``), plus ``event_type`` and ``action``.
    """
    rows = db.session.scalars(
        select(EPCISEvent)
        .where(EPCISEvent.id.in_(events_of_batch(batch.id)),
               EPCISEvent.erroneous.is_(False), EPCISEvent.is_error_declaration.is_(False))
        .options(selectinload(EPCISEvent.location), selectinload(EPCISEvent.organization),
                 selectinload(EPCISEvent.objects).selectinload(EventObject.batch),
                 selectinload(EPCISEvent.parties).selectinload(EventParty.organization))
        .order_by(EPCISEvent.event_time, EPCISEvent.id)
    )
    return [stage_of(row, batch) for row in rows]


def stage_of(row: EPCISEvent, batch: Batch | None = None) -> dict:
    """One event as a journey stage (``batch``: whose quantity to show)."""
    extensions = event_extensions(row)
    stage = extensions.get("stage") if isinstance(extensions.get("stage"), str) else None
    name = stage or short_step(row.biz_step) or row.event_type
    label_vi, label_en = step_labels(name)
    offset = parse_offset(row.event_time_zone_offset) or timedelta(0)
    return {
        "event_id": row.event_id,
        "event_time": row.event_time.astimezone(timezone(offset)),
        "biz_step": name,
        "biz_step_vi": label_vi,
        "biz_step_en": label_en,
        "disposition": row.disposition,
        "location": _location(row),
        "organization": ({"id": row.organization.id, "name": row.organization.name}
                         if row.organization else None),
        "details": _details(row, batch, extensions),
        "event_type": row.event_type,
        "action": row.action,
    }


def event_extensions(row: EPCISEvent) -> dict:
    """Extension fields of the event and its ILMD, keyed by local name for the project's
    namespace and the CBV master data attributes, as written otherwise."""
    event = row.event
    namespaces = Namespaces.from_context(row.context).extended(event.get("@context"))
    standard = EVENT_FIELDS.get(row.event_type, frozenset())
    found: dict = {}
    ilmd = event.get("ilmd")
    items = list(ilmd.items()) if isinstance(ilmd, dict) else []
    items += [(key, value) for key, value in event.items()
              if key not in standard and not key.startswith("@")]
    for key, value in items:
        split = namespaces.extension_key(key)
        if split and split[0] in (PROJECT_NAMESPACE, "urn:epcglobal:cbv:mda:"):
            found[split[1]] = value
        else:
            found[key] = value
    return found


def _location(row: EPCISEvent) -> dict | None:
    if row.location is not None:
        return {"gln": row.location.gln, "name": row.location.name,
                "address": row.location.address, "province": row.location.province}
    for name in ("bizLocation", "readPoint"):
        node = row.event.get(name)
        reference = location_of(node.get("id")) if isinstance(node, dict) else None
        if reference is not None:
            return {"gln": reference.gln, "name": "", "address": "", "province": ""}
    return None


def _details(row: EPCISEvent, batch: Batch | None, extensions: dict) -> dict:
    details: dict = {}
    if batch is not None:
        mine = [o for o in row.objects if o.batch_id == batch.id and o.quantity is not None]
        if mine:
            details["quantity"] = tidy(sum((o.quantity for o in mine), Decimal(0)))
            details["uom"] = mine[0].uom
    for role, key in (("source", "sources"), ("destination", "destinations")):
        names = [party.organization.name if party.organization else (party.gln or
                                                                       party.identifier)
                 for party in row.parties if party.role == role]
        if names:
            details[key] = list(dict.fromkeys(names))
    if row.event_type == "TransformationEvent":
        details["inputs"] = [_object_detail(o) for o in row.objects if o.field in INPUT_FIELDS]
        details["outputs"] = [_object_detail(o) for o in row.objects if o.field in OUTPUT_FIELDS]
    for key, value in extensions.items():
        if key not in _HIDDEN_DETAILS:
            details.setdefault(key, value)
    return details


def _object_detail(obj: EventObject) -> dict:
    return {"batch_id": obj.batch_id, "gtin": obj.gtin, "lot": obj.lot,
            "product": obj.batch.product.name if obj.batch else None,
            "quantity": _amount(obj), "uom": obj.uom, "identifier": obj.identifier}


def _amount(obj: EventObject) -> Decimal | None:
    if obj.field in INSTANCE_FIELDS:
        return Decimal(1)
    return tidy(obj.quantity)


# --------------------------------------------------------------------------- mass balance


def mass_balance(batch: Batch) -> dict:
    """Inputs against outputs of the transformations that produced ``batch``, per unit.

    Quantities without a unit are counts (key ``"count"``); an object named by its own EPC
    counts as one. ``by_uom`` compares the totals: ``difference`` = input − output,
    ``yield_percent`` = output / input × 100; ``balanced`` is False when any unit's output
    exceeds its input. ``unknown_quantities`` counts inputs and outputs given without a
    quantity (left out of the totals).
    """
    events = db.session.scalars(
        select(EPCISEvent)
        .where(EPCISEvent.event_type == "TransformationEvent",
               EPCISEvent.erroneous.is_(False), EPCISEvent.is_error_declaration.is_(False),
               EPCISEvent.id.in_(select(EventObject.event_pk).where(
                   EventObject.batch_id == batch.id, EventObject.field.in_(OUTPUT_FIELDS))))
        .options(selectinload(EPCISEvent.objects).selectinload(EventObject.batch)
                 .selectinload(Batch.organization))
        .order_by(EPCISEvent.event_time, EPCISEvent.id)
    ).all()
    inputs: list[dict] = []
    outputs: list[dict] = []
    totals = {"input": {}, "output": {}}
    unknown = 0
    for event in events:
        for obj in event.objects:
            side = ("input" if obj.field in INPUT_FIELDS
                    else "output" if obj.field in OUTPUT_FIELDS else None)
            if side is None:
                continue
            amount = _amount(obj)
            entry = {"event_id": event.event_id, "identifier": obj.identifier,
                     "batch": obj.batch, "batch_id": obj.batch_id, "gtin": obj.gtin,
                     "lot": obj.lot,
                     "organization": ({"id": obj.batch.organization.id,
                                       "name": obj.batch.organization.name}
                                      if obj.batch else None),
                     "quantity": amount, "uom": obj.uom}
            (inputs if side == "input" else outputs).append(entry)
            if amount is None:
                unknown += 1
                continue
            unit = obj.uom or COUNT_UOM
            totals[side][unit] = totals[side].get(unit, Decimal(0)) + amount
    by_uom = []
    for unit in sorted(set(totals["input"]) | set(totals["output"])):
        given = totals["input"].get(unit, Decimal(0))
        made = totals["output"].get(unit, Decimal(0))
        by_uom.append({
            "uom": unit, "input": given, "output": made, "difference": given - made,
            "yield_percent": (made * 100 / given).quantize(Decimal("0.01")) if given else None,
            "balanced": made <= given,
        })
    return {
        "batch_id": batch.id,
        "produced_by_transformation": bool(events),
        "transformations": [{"event_id": e.event_id, "event_time": e.event_time}
                            for e in events],
        "inputs": inputs,
        "outputs": outputs,
        "input_totals": totals["input"],
        "output_totals": totals["output"],
        "by_uom": by_uom,
        "balanced": all(row["balanced"] for row in by_uom),
        "unknown_quantities": unknown,
    }
