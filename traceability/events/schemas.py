"""Input and output shapes of the events API (marshmallow).

EPCIS bodies (events, documents, queries) are free JSON-LD checked by ``epcis`` validation in
the services, so they are described here for the OpenAPI document only.
"""

from marshmallow import EXCLUDE, INCLUDE, Schema, fields, validate

from ..apiutil import Id
from ..registry.schemas import CertificateOut
from .chain import DIRECTIONS, MAX_DEPTH

EPCIS_BODY = {
    "required": True,
    "description": "EPCIS 2.0 JSON-LD (application/json or application/ld+json).",
    "content": {
        media: {"schema": {"type": "object", "additionalProperties": True}}
        for media in ("application/ld+json", "application/json")
    },
}
EPCIS_DOCUMENT_RESPONSE = {
    "description": "An EPCIS 2.0 document (JSON-LD).",
    "content": {"application/ld+json": {"schema": {"type": "object"}}},
}


class IdentifierOut(Schema):
    field = fields.String(metadata={"description": "EPCIS field naming it (epcList, "
                                                   "sourceList, bizLocation…)"})
    identifier = fields.String()


class UnresolvedOut(IdentifierOut):
    event_id = fields.String()


class CapturedEventOut(Schema):
    id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    event_time = fields.String()
    biz_step = fields.String(allow_none=True)
    error_declaration = fields.Boolean()
    organization_id = fields.Integer(allow_none=True)
    batch_ids = fields.List(fields.Integer())
    unresolved = fields.List(fields.Nested(IdentifierOut))


class CaptureResultOut(Schema):
    captured = fields.List(fields.Nested(CapturedEventOut))
    duplicates = fields.List(fields.String(), metadata={
        "description": "eventIDs already recorded with the same content (ignored)"})
    unresolved = fields.List(fields.Nested(UnresolvedOut), metadata={
        "description": "Identifiers naming nothing registered here (kept in the events)"})
    captured_count = fields.Integer()
    duplicate_count = fields.Integer()


class EventQueryArgs(Schema):
    """EPCIS 2.0 SimpleEventQuery parameters (lists: pipe-delimited or repeated)."""

    class Meta:
        unknown = INCLUDE

    eventType = fields.String(metadata={"description": "ObjectEvent|AggregationEvent|…"})
    GE_eventTime = fields.String(metadata={"description": "RFC 3339 date-time with offset"})
    LT_eventTime = fields.String()
    GE_recordTime = fields.String()
    LT_recordTime = fields.String()
    EQ_action = fields.String()
    EQ_bizStep = fields.String(metadata={"description": "CBV word (shipping) or URI"})
    EQ_disposition = fields.String()
    EQ_bizLocation = fields.String(metadata={"description": "SGLN URN or Digital Link /414/…"})
    EQ_readPoint = fields.String()
    EQ_eventID = fields.String()
    MATCH_epc = fields.String(metadata={"description": "EPC URN or Digital Link; "
                                                       "urn:epc:idpat:sgtin:…* patterns"})
    MATCH_epcClass = fields.String(metadata={"description": "e.g. urn:epc:class:lgtin:… or "
                                                            "…/01/<gtin>/10/<lot>"})
    MATCH_anyEPC = fields.String()
    MATCH_anyEPCClass = fields.String()
    orderBy = fields.String(metadata={"description": "eventTime (default) or recordTime"})
    orderDirection = fields.String(metadata={"description": "ASC (default) or DESC"})
    perPage = fields.String(metadata={"description": "Events per page (whole number)"})
    nextPageToken = fields.String()


class ChainArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    direction = fields.String(load_default="back", validate=validate.OneOf(DIRECTIONS))
    depth = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_DEPTH),
                           metadata={"description": "Steps to follow; 1 is one step"})


class ChainItemOut(Schema):
    relation = fields.String(metadata={"description": "transformed_from, received_from, "
                                                      "transformed_into, shipped_to, received_by"})
    depth = fields.Integer()
    event_id = fields.String()
    event_time = fields.String()
    quantity = fields.String(allow_none=True)
    uom = fields.String(allow_none=True)
    identifier = fields.String(allow_none=True, metadata={
        "description": "What the event named, when it is not one of our records"})
    batch = fields.Dict(allow_none=True)
    organization = fields.Dict(allow_none=True)


class ChainOut(Schema):
    batch = fields.Dict()
    direction = fields.String()
    depth = fields.Integer()
    items = fields.List(fields.Nested(ChainItemOut))


class JourneyOut(Schema):
    batch = fields.Dict()
    stages = fields.List(fields.Dict())


class MassBalanceRowOut(Schema):
    uom = fields.String()
    input = fields.String()
    output = fields.String()
    difference = fields.String()
    yield_percent = fields.String(allow_none=True)
    balanced = fields.Boolean()


class MassBalanceOut(Schema):
    batch_id = fields.Integer()
    produced_by_transformation = fields.Boolean()
    transformations = fields.List(fields.Dict())
    inputs = fields.List(fields.Dict())
    outputs = fields.List(fields.Dict())
    input_totals = fields.Dict(keys=fields.String(), values=fields.String())
    output_totals = fields.Dict(keys=fields.String(), values=fields.String())
    by_uom = fields.List(fields.Nested(MassBalanceRowOut))
    balanced = fields.Boolean()
    unknown_quantities = fields.Integer()


class StageInput(Schema):
    template = fields.String(required=True, metadata={"description": "fresh_produce, rice, "
                                                                     "meat or aquaculture"})
    stage = fields.String(required=True, metadata={"description": "A stage of the template "
                                                                  "(GET /event-templates)"})
    event_time = fields.String(load_default=None, allow_none=True, metadata={
        "description": "ISO 8601; Vietnam time when no offset is given"})
    location_id = Id(load_default=None, allow_none=True)
    fields_ = fields.Dict(data_key="fields", attribute="fields", load_default=dict,
                          metadata={"description": "The stage's form fields by name"})


class StageOut(Schema):
    event = fields.Nested(CapturedEventOut, allow_none=True)
    event_id = fields.String()
    duplicate = fields.Boolean()
    warnings = fields.List(fields.Dict())
    stage = fields.Dict(allow_none=True)
    document = fields.Dict()


class TemplatesOut(Schema):
    templates = fields.List(fields.Dict())


class PassportProductOut(Schema):
    gtin = fields.String()
    name = fields.String()
    name_en = fields.String()
    brand = fields.String()
    model = fields.String()
    description = fields.String()
    sector = fields.String()
    net_content = fields.String()
    unit = fields.String()
    image_urls = fields.List(fields.String())
    standards = fields.List(fields.String())
    shelf_life_days = fields.Integer(allow_none=True)
    storage_instructions = fields.String()


class PassportProducerOut(Schema):
    name = fields.String()
    tax_code = fields.String()
    kind = fields.String()
    address = fields.String()
    province = fields.String()
    gln = fields.String(allow_none=True)
    contact_email = fields.String()
    phone = fields.String()


class PassportPlaceOut(Schema):
    gln = fields.String()
    name = fields.String()
    type = fields.String()
    address = fields.String()
    province = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)


class PassportOriginOut(Schema):
    declared = fields.String()
    production_location = fields.Nested(PassportPlaceOut, allow_none=True)


class PassportBatchOut(Schema):
    id = fields.Integer()
    lot = fields.String()
    production_date = fields.String(allow_none=True)
    expiry_date = fields.String(allow_none=True)
    expired = fields.Boolean()
    quantity = fields.String(allow_none=True)
    unit = fields.String()
    status = fields.String()
    status_reason = fields.String()


class PassportTraceabilityOut(Schema):
    journey = fields.List(fields.Dict())
    one_step_back = fields.List(fields.Nested(ChainItemOut))
    one_step_forward = fields.List(fields.Nested(ChainItemOut))


class PassportOut(Schema):
    """Digital product passport (Decree 37/2026/NĐ-CP): public facts only."""

    passport_version = fields.String()
    issued_at = fields.String()
    digital_link = fields.String()
    gtin = fields.String()
    product = fields.Nested(PassportProductOut)
    producer = fields.Nested(PassportProducerOut)
    origin = fields.Nested(PassportOriginOut)
    batch = fields.Nested(PassportBatchOut)
    traceability = fields.Nested(PassportTraceabilityOut)
    certificates = fields.List(fields.Nested(CertificateOut))
    safety_warnings = fields.String()
