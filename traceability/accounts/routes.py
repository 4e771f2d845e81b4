"""Accounts API: who am I, users (admin), API keys."""

from ..apiutil import api_blueprint, require_actor
from ..extensions import db
from . import services
from .schemas import (
    ApiKeyCreatedSchema,
    ApiKeyCreateSchema,
    ApiKeyListSchema,
    ApiKeySchema,
    UserCreatedSchema,
    UserCreateSchema,
    UserSchema,
)

blp = api_blueprint("accounts", __name__, "Accounts, roles and API keys")


@blp.route("/me")
@blp.response(200, UserSchema)
def me():
    """The account behind the API key."""
    return require_actor().to_dict()


@blp.route("/users", methods=["POST"])
@blp.arguments(UserCreateSchema)
@blp.response(201, UserCreatedSchema)
@blp.errors(403, 409)
def create_user(data):
    """Create an account (admin); the answer carries its first API key, shown once."""
    actor = services.require_role(require_actor(), "admin")
    user = services.create_user(
        data["email"], data["role"], organization_id=data["organization_id"],
        name=data["name"], password=data["password"], actor=actor,
        scope_provinces=data["scope_provinces"], scope_sectors=data["scope_sectors"],
    )
    _, plain = services.issue_api_key(user, "initial", actor=actor)
    db.session.commit()
    return {**user.to_dict(), "api_key": plain}


@blp.route("/api-keys")
@blp.response(200, ApiKeyListSchema)
def list_keys():
    """Your API keys (never the keys themselves, only their public prefixes)."""
    return {"items": [k.to_dict() for k in services.list_api_keys(require_actor())]}


@blp.route("/api-keys", methods=["POST"])
@blp.arguments(ApiKeyCreateSchema)
@blp.response(201, ApiKeyCreatedSchema)
def create_key(data):
    """Issue a new API key for yourself; the key is in this answer only."""
    actor = require_actor()
    key, plain = services.issue_api_key(actor, data["name"], actor=actor)
    db.session.commit()
    return {**key.to_dict(), "key": plain}


@blp.route("/api-keys/<int:key_id>/revoke", methods=["POST"])
@blp.response(200, ApiKeySchema)
@blp.errors(404)
def revoke_key(key_id):
    """Revoke a key at once; requests made with it are then refused with 401."""
    key = services.revoke_api_key(require_actor(), key_id)
    db.session.commit()
    return key.to_dict()
