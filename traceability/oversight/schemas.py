from marshmallow import EXCLUDE, Schema, fields, validate

from ..apiutil import Id, page_field, per_page_field
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

