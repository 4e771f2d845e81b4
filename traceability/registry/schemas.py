"""Input and output shapes of the registry API (marshmallow).

Input schemas check types and lengths; the services check the rules (GS1 keys, ownership,
uniqueness) so that the API, the pages, the CLI and imports all answer alike.
"""

from flask import request
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from ..apiutil import Id, page_field, per_page_field
from .models import (
    BATCH_STATUSES,
    CERTIFICATE_SCOPES,
    CERTIFICATE_TYPES,
    LOCATION_TYPES,
    ORG_KINDS,
    ORG_STATUSES,
    SECTORS,
)

_name = validate.Length(min=1, max=255)
_text = validate.Length(max=500)
# apispec would write the Range bound as the field serialises it (the string "0.000").
_QUANTITY_DOC = {"minimum": 0, "description": "A number, or a string of one (up to 3 decimals)"}


class StrictSchema(Schema):
    class Meta:
        ordered = True


class OrganizationInput(StrictSchema):
    name = fields.String(required=True, validate=_name)
    tax_code = fields.String(required=True, metadata={"description": "MST: 10 digits, or 10-3"})
    kind = fields.String(required=True, validate=validate.OneOf(ORG_KINDS))
    address = fields.String(load_default="", validate=_text)
    province = fields.String(load_default="", validate=validate.Length(max=100))
    gs1_company_prefixes = fields.List(fields.String(), load_default=list)
    gln = fields.String(load_default=None, allow_none=True)
    contact_email = fields.String(load_default="", validate=validate.Length(max=255))
    phone = fields.String(load_default="", validate=validate.Length(max=40))
    webhook_url = fields.String(load_default="", validate=validate.Length(max=500))
    account_email = fields.String(
        load_default=None, allow_none=True, load_only=True,
        metadata={"description": "Self-registration: the business account to create with a "
                                 "pending organization (anonymous callers)."})


class OrganizationPatch(StrictSchema):
    name = fields.String(validate=_name)
    kind = fields.String(validate=validate.OneOf(ORG_KINDS))
    address = fields.String(validate=_text)
    province = fields.String(validate=validate.Length(max=100))
    gs1_company_prefixes = fields.List(fields.String())
    gln = fields.String(allow_none=True)
    contact_email = fields.String(validate=validate.Length(max=255))
    phone = fields.String(validate=validate.Length(max=40))
    webhook_url = fields.String(validate=validate.Length(max=500))


class DecisionInput(StrictSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class OrganizationOut(Schema):
    id = fields.Integer()
    name = fields.String()
    tax_code = fields.String()
    kind = fields.String()
    address = fields.String()
    province = fields.String()
    gs1_company_prefixes = fields.List(fields.String())
    gln = fields.String(allow_none=True)
    contact_email = fields.String()
    phone = fields.String()
    status = fields.String(validate=validate.OneOf(ORG_STATUSES))
    status_reason = fields.String()
    webhook_url = fields.String()
    created_at = fields.String()
    updated_at = fields.String()
    api_key = fields.String(metadata={"description": "Self-registration only: shown once."})


class LocationInput(StrictSchema):
    organization_id = Id(load_default=None, allow_none=True)
    name = fields.String(required=True, validate=_name)
    type = fields.String(required=True, validate=validate.OneOf(LOCATION_TYPES))
    gln = fields.String(required=True)
    address = fields.String(load_default="", validate=_text)
    province = fields.String(load_default="", validate=validate.Length(max=100))
    latitude = fields.Float(load_default=None, allow_none=True,
                            validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(load_default=None, allow_none=True,
                             validate=validate.Range(min=-180, max=180))
    area_hectares = fields.Float(load_default=None, allow_none=True,
                                 validate=validate.Range(min=0))


class LocationPatch(StrictSchema):
    name = fields.String(validate=_name)
    type = fields.String(validate=validate.OneOf(LOCATION_TYPES))
    address = fields.String(validate=_text)
    province = fields.String(validate=validate.Length(max=100))
    latitude = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    area_hectares = fields.Float(allow_none=True, validate=validate.Range(min=0))


class LocationOut(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    name = fields.String()
    type = fields.String()
    gln = fields.String()
    address = fields.String()
    province = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    area_hectares = fields.Float(allow_none=True)
    created_at = fields.String()
    updated_at = fields.String()


class ProductInput(StrictSchema):
    organization_id = Id(load_default=None, allow_none=True)
    gtin = fields.String(required=True, metadata={"description": "8, 12, 13 or 14 digits"})
    name = fields.String(required=True, validate=_name)
    name_en = fields.String(load_default="", validate=validate.Length(max=255))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    brand = fields.String(load_default="", validate=validate.Length(max=255))
    model = fields.String(load_default="", validate=validate.Length(max=255))
    sector = fields.String(load_default="other", validate=validate.OneOf(SECTORS))
    net_content = fields.String(load_default="", validate=validate.Length(max=32))
    unit = fields.String(load_default="", validate=validate.Length(max=16))
    origin = fields.String(load_default="", validate=validate.Length(max=255))
    image_urls = fields.List(fields.String(validate=validate.Length(min=1, max=500)),
                             load_default=list)
    standards = fields.List(fields.String(validate=validate.Length(min=1, max=120)),
                            load_default=list)
    shelf_life_days = fields.Integer(load_default=None, allow_none=True,
                                     validate=validate.Range(min=1, max=36500))
    storage_instructions = fields.String(load_default="", validate=validate.Length(max=2000))
    safety_warnings = fields.String(load_default="", validate=validate.Length(max=2000))
    foreign_code_authorization = fields.String(
        load_default="", validate=validate.Length(max=2000),
        metadata={"description": "Decree 74/2018: reference of the code owner's written "
                                 "authorisation, required for a GTIN outside your prefixes."})


class ProductPatch(StrictSchema):
    name = fields.String(validate=_name)
    name_en = fields.String(validate=validate.Length(max=255))
    description = fields.String(validate=validate.Length(max=5000))
    brand = fields.String(validate=validate.Length(max=255))
    model = fields.String(validate=validate.Length(max=255))
    sector = fields.String(validate=validate.OneOf(SECTORS))
    net_content = fields.String(validate=validate.Length(max=32))
    unit = fields.String(validate=validate.Length(max=16))
    origin = fields.String(validate=validate.Length(max=255))
    image_urls = fields.List(fields.String(validate=validate.Length(min=1, max=500)))
    standards = fields.List(fields.String(validate=validate.Length(min=1, max=120)))
    shelf_life_days = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=36500))
    storage_instructions = fields.String(validate=validate.Length(max=2000))
    safety_warnings = fields.String(validate=validate.Length(max=2000))
    foreign_code_authorization = fields.String(validate=validate.Length(max=2000))


class CompletenessOut(Schema):
    complete = fields.Boolean()
    missing = fields.List(fields.String())
    items = fields.List(fields.Dict())


class ProductOut(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    gtin = fields.String()
    gtin_display = fields.String()
    name = fields.String()
    name_en = fields.String()
    description = fields.String()
    brand = fields.String()
    model = fields.String()
    sector = fields.String()
    net_content = fields.String()
    unit = fields.String()
    origin = fields.String()
    image_urls = fields.List(fields.String())
    standards = fields.List(fields.String())
    shelf_life_days = fields.Integer(allow_none=True)
    storage_instructions = fields.String()
    safety_warnings = fields.String()
    foreign_code_authorization = fields.String()
    completeness = fields.Nested(CompletenessOut)
    digital_link = fields.String()
    created_at = fields.String()
    updated_at = fields.String()


class BatchInput(StrictSchema):
    product_id = Id(load_default=None, allow_none=True)
    gtin = fields.String(load_default=None, allow_none=True)
    lot = fields.String(required=True)
    production_date = fields.Date(load_default=None, allow_none=True)
    expiry_date = fields.Date(load_default=None, allow_none=True)
    quantity = fields.Decimal(load_default=None, allow_none=True, places=3,
                              validate=validate.Range(min=0), as_string=True,
                              metadata=_QUANTITY_DOC)
    unit = fields.String(load_default="", validate=validate.Length(max=16))
    location_id = Id(load_default=None, allow_none=True)
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class BatchPatch(StrictSchema):
    production_date = fields.Date(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    quantity = fields.Decimal(allow_none=True, places=3, validate=validate.Range(min=0),
                              as_string=True, metadata=_QUANTITY_DOC)
    unit = fields.String(validate=validate.Length(max=16))
    location_id = Id(allow_none=True)
    notes = fields.String(validate=validate.Length(max=2000))


class BatchOut(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    organization_id = fields.Integer()
    gtin = fields.String()
    lot = fields.String()
    production_date = fields.String(allow_none=True)
    expiry_date = fields.String(allow_none=True)
    quantity = fields.String(allow_none=True)
    unit = fields.String()
    location_id = fields.Integer(allow_none=True)
    status = fields.String(validate=validate.OneOf(BATCH_STATUSES))
    status_reason = fields.String()
    expired = fields.Boolean()
    codes_issued = fields.Boolean()
    notes = fields.String()
    digital_link = fields.String()
    product = fields.Dict()
    organization = fields.Dict()
    created_at = fields.String()
    updated_at = fields.String()


class CertificateInput(StrictSchema):
    organization_id = Id(load_default=None, allow_none=True)
    type = fields.String(required=True, validate=validate.OneOf(CERTIFICATE_TYPES))
    number = fields.String(required=True, validate=validate.Length(min=1, max=100))
    issuer = fields.String(required=True, validate=_name)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(load_default=None, allow_none=True)
    scope_type = fields.String(load_default="organization",
                               validate=validate.OneOf(CERTIFICATE_SCOPES))
    location_id = Id(load_default=None, allow_none=True)
    product_id = Id(load_default=None, allow_none=True)
    scope_description = fields.String(load_default="", validate=validate.Length(max=2000))
    star_rating = fields.Integer(load_default=None, allow_none=True,
                                 validate=validate.Range(min=1, max=5))
    document_url = fields.String(load_default="", validate=validate.Length(max=500))


class CertificatePatch(StrictSchema):
    issuer = fields.String(validate=_name)
    valid_from = fields.Date()
    valid_until = fields.Date(allow_none=True)
    scope_description = fields.String(validate=validate.Length(max=2000))
    star_rating = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=5))
    document_url = fields.String(validate=validate.Length(max=500))


class CertificateOut(Schema):
    id = fields.Integer()
    organization_id = fields.Integer()
    type = fields.String()
    number = fields.String()
    issuer = fields.String()
    valid_from = fields.String()
    valid_until = fields.String(allow_none=True)
    expired = fields.Boolean()
    scope_type = fields.String()
    location_id = fields.Integer(allow_none=True)
    product_id = fields.Integer(allow_none=True)
    scope_description = fields.String()
    star_rating = fields.Integer(allow_none=True)
    document_url = fields.String()
    created_at = fields.String()
    updated_at = fields.String()


class ListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    page = page_field()
    per_page = per_page_field()
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    organization_id = Id(load_default=None)


class ProductListArgs(ListArgs):
    gtin = fields.String(load_default=None)
    sector = fields.String(load_default=None, validate=validate.OneOf(SECTORS))


class BatchListArgs(ListArgs):
    gtin = fields.String(load_default=None)
    lot = fields.String(load_default=None, validate=validate.Length(max=20))
    product_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(BATCH_STATUSES))


class OrganizationListArgs(ListArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(ORG_STATUSES))
    province = fields.String(load_default=None)


class ImportForm(Schema):
    """The multipart body of an import: the file, and the form fields sent beside it."""

    FORM_FIELDS = ("organization_id", "dry_run")

    class Meta:
        unknown = EXCLUDE

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
    organization_id = Id(load_default=None, metadata={
        "description": "Admins: the organization whose records these are"})
    dry_run = fields.Boolean(load_default=False, metadata={
        "description": "Check every row and report, but write nothing"})

    @pre_load
    def _with_form_fields(self, data, **_kwargs):
        # Arguments are read from one location: the file from the files, these from the form.
        return {**{name: request.form[name] for name in self.FORM_FIELDS
                   if name in request.form}, **data}


class ImportReportOut(Schema):
    kind = fields.String()
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    dry_run = fields.Boolean()
