from marshmallow import Schema, fields, validate

from ..apiutil import Id
from .models import ROLES


class UserCreateSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=255))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    name = fields.String(load_default="", validate=validate.Length(max=255))
    organization_id = Id(load_default=None, allow_none=True)
    password = fields.String(load_default=None, allow_none=True, load_only=True)
    scope_provinces = fields.List(fields.String(validate=validate.Length(max=100)),
                                  load_default=list)
    scope_sectors = fields.List(fields.String(validate=validate.Length(max=40)),
                                load_default=list)


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    organization_id = fields.Integer(allow_none=True)
    active = fields.Boolean()
    scope_provinces = fields.List(fields.String())
    scope_sectors = fields.List(fields.String())
    created_at = fields.String()


class UserCreatedSchema(UserSchema):
    api_key = fields.String(metadata={"description": "Shown once; store it safely."})


class ApiKeyCreateSchema(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=120))


class ApiKeySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.String()
    last_used_at = fields.String(allow_none=True)
    revoked_at = fields.String(allow_none=True)


class ApiKeyCreatedSchema(ApiKeySchema):
    key = fields.String(metadata={"description": "The key itself, shown only this once."})


class ApiKeyListSchema(Schema):
    items = fields.List(fields.Nested(ApiKeySchema))
