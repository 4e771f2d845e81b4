from marshmallow import EXCLUDE, Schema, fields, validate

from ..apiutil import Id, page_field, page_schema, per_page_field
from ..gateway.routes import SyncStateOut
from ..registry.schemas import (
    BatchOut,
    CertificateOut,
    OrganizationOut,
    ProductOut,
)
from ..resolver.routes import CopyAlertOut, StatsOut
from .models import INSPECTION_RESULTS, RECALL_LEVELS


class CodeInput(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                         metadata={"description": "Digital Link, (01)… element string, raw "
                                                  "scanner output with ]C1/]d2/]Q3 and GS, "
                                                  "or a bare GTIN"})


class CodeQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ElementOut(Schema):
    ai = fields.String()
    value = fields.String()
    title = fields.String()


class ParsedCodeOut(Schema):
    kind = fields.String()
    symbology = fields.String(allow_none=True)
    elements = fields.List(fields.Nested(ElementOut))
    bracketed = fields.String()
    hri = fields.List(fields.String())
    digital_link = fields.String(allow_none=True)


class ReasonInput(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class RecallInput(ReasonInput):
    level = fields.String(load_default="2", validate=validate.OneOf(RECALL_LEVELS),
                          metadata={"description": "1: serious health risk … 3: unlikely to "
                                                   "cause harm"})


class SampleSchema(Schema):
    code = fields.String(load_default="", validate=validate.Length(max=100))
    description = fields.String(load_default="", validate=validate.Length(max=500))
    result = fields.String(load_default="", validate=validate.Length(max=500))


class AttachmentSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    url = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class InspectionInput(Schema):
    organization_id = Id(required=True)
    batch_id = Id(load_default=None, allow_none=True)
    batch_ids = fields.List(Id(), load_default=list)
    date = fields.Date(load_default=None, allow_none=True)
    planned_date = fields.Date(load_default=None, allow_none=True)
    visited_at = fields.AwareDateTime(load_default=None, allow_none=True)
    place = fields.String(load_default="", validate=validate.Length(max=500))
    result = fields.String(load_default="planned", validate=validate.OneOf(INSPECTION_RESULTS))
    samples = fields.List(fields.Nested(SampleSchema), load_default=list)
    notes = fields.String(load_default="", validate=validate.Length(max=10000))
    attachments = fields.List(fields.Nested(AttachmentSchema), load_default=list)


class InspectionPatch(Schema):
    planned_date = fields.Date(allow_none=True)
    visited_at = fields.AwareDateTime(allow_none=True)
    place = fields.String(validate=validate.Length(max=500))
    result = fields.String(validate=validate.OneOf(INSPECTION_RESULTS))
    samples = fields.List(fields.Nested(SampleSchema))
    notes = fields.String(validate=validate.Length(max=10000))
    attachments = fields.List(fields.Nested(AttachmentSchema))


class AuditArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    entity = fields.String(load_default=None, metadata={"description": "type or type:id"})
    action = fields.String(load_default=None)
    page = page_field()
    per_page = per_page_field()


class InspectionListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    organization_id = Id(load_default=None)
    batch_id = Id(load_default=None)


class ReportListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default=None,
                           validate=validate.OneOf(["new", "triaged", "closed"]))
    page = page_field()
    per_page = per_page_field()


class TriageInput(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["new", "triaged", "closed"]))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


# ------------------------------------------------------------------- answers


class StatusDecisionOut(Schema):
    id = fields.Integer()
    batch_id = fields.Integer()
    action = fields.String(metadata={"description": "hold, release or recall"})
    reason = fields.String()
    level = fields.String(allow_none=True)
    previous_status = fields.String()
    decided_by = fields.String()
    decided_at = fields.String()


class PartyOut(Schema):
    id = fields.Integer()
    name = fields.String()
    tax_code = fields.String()
    address = fields.String()
    province = fields.String()
    phone = fields.String()
    contact_email = fields.String()


class LinkedBatchOut(Schema):
    id = fields.Integer()
    gtin = fields.String()
    lot = fields.String()
    status = fields.String()
    product = fields.String(metadata={"description": "The product's name"})
    digital_link = fields.String()


class LinkOut(Schema):
    """A batch one step back or forward (or further, for a recall)."""

    relation = fields.String(allow_none=True)
    event_id = fields.String(allow_none=True)
    event_time = fields.String(allow_none=True)
    quantity = fields.String(allow_none=True)
    uom = fields.String(allow_none=True)
    batch = fields.Nested(LinkedBatchOut, allow_none=True)
    organization = fields.Nested(PartyOut, allow_none=True)


class RecallNoticeOut(Schema):
    id = fields.Integer()
    decision_id = fields.Integer()
    organization = fields.Nested(PartyOut)
    batch_id = fields.Integer(allow_none=True)
    relation = fields.String()
    channel = fields.String(metadata={"description": "email or webhook"})
    target = fields.String()
    state = fields.String()
    attempts = fields.Integer()
    last_error = fields.String()
    sent_at = fields.String(allow_none=True)
    acknowledged_at = fields.String(allow_none=True)
    acknowledged_by = fields.String()


class RecallNoticeListOut(Schema):
    items = fields.List(fields.Nested(RecallNoticeOut))


class RecallReportOut(Schema):
    batch = fields.Nested(BatchOut)
    decision = fields.Nested(StatusDecisionOut, allow_none=True)
    affected = fields.List(fields.Nested(LinkOut))
    notices = fields.List(fields.Nested(RecallNoticeOut))
    acknowledged = fields.Integer()
    notified = fields.Integer()


class InspectionOut(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    organization_name = fields.String()
    inspector = fields.String()
    planned_date = fields.String(allow_none=True)
    visited_at = fields.String(allow_none=True)
    place = fields.String()
    result = fields.String(validate=validate.OneOf(INSPECTION_RESULTS))
    batch_ids = fields.List(fields.Integer())
    samples = fields.List(fields.Dict())
    notes = fields.String()
    attachments = fields.List(fields.Dict())
    created_at = fields.String()
    updated_at = fields.String()


class InspectionListOut(Schema):
    items = fields.List(fields.Nested(InspectionOut))


class ScanSummaryOut(StatsOut):
    copy_alerts = fields.List(fields.Nested(CopyAlertOut))


class BatchDetailsOut(Schema):
    """A batch as an inspector sees it: status and its history, chain, inspections, scans."""

    batch = fields.Nested(BatchOut)
    status = fields.String()
    status_history = fields.List(fields.Nested(StatusDecisionOut))
    certificates = fields.List(fields.Nested(CertificateOut))
    journey = fields.List(fields.Dict())
    one_step_back = fields.List(fields.Nested(LinkOut))
    one_step_forward = fields.List(fields.Nested(LinkOut))
    inspections = fields.List(fields.Nested(InspectionOut))
    gateway = fields.Nested(SyncStateOut)
    scans = fields.Nested(ScanSummaryOut)


class UnitOut(Schema):
    serial = fields.String()
    status = fields.String()
    void_reason = fields.String()
    issued_at = fields.String()


class TraceOut(BatchDetailsOut):
    code = fields.Nested(ParsedCodeOut)
    product = fields.Nested(ProductOut)
    organization = fields.Nested(OrganizationOut)
    unit = fields.Nested(UnitOut, allow_none=True)
    batch = fields.Nested(BatchOut, allow_none=True, metadata={
        "description": "null when the code names a product only; see batches"})
    batches = fields.List(fields.Nested(BatchOut), metadata={
        "description": "The product's latest batches, when the code names no lot"})


class AuditEntryOut(Schema):
    seq = fields.Integer()
    created_at = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor = fields.String()
    action = fields.String()
    entity_type = fields.String()
    entity_id = fields.String()
    organization_id = fields.Integer(allow_none=True)
    details = fields.Dict()
    prev_hash = fields.String()
    hash = fields.String()


class ReportOut(Schema):
    id = fields.Integer()
    created_at = fields.String()
    gtin = fields.String()
    lot = fields.String(allow_none=True)
    serial = fields.String(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    organization_id = fields.Integer(allow_none=True)
    category = fields.String()
    message = fields.String()
    contact = fields.String()
    status = fields.String(validate=validate.OneOf(["new", "triaged", "closed"]))
    region = fields.String()


AuditPage = page_schema(AuditEntryOut, "AuditPage")
ReportPage = page_schema(ReportOut, "ReportPage")
