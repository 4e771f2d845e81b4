"""Gateway sync API: status, messages, requeue."""

from marshmallow import EXCLUDE, Schema, fields, validate

from ..accounts.services import require_role
from ..apiutil import (
    Id,
    actor,
    api_blueprint,
    page_field,
    page_schema,
    paginate,
    per_page_field,
    require_actor,
)
from ..errors import NotFound
from ..extensions import db
from ..registry import services as registry
from . import outbox

blp = api_blueprint("gateway", __name__, "Sync with the national traceability gateway")


class StatusOut(Schema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    pending = fields.Integer()
    sent = fields.Integer()
    failed = fields.Integer(metadata={"description": "Rejected by the gateway: fix the record"})
    dead = fields.Integer()
    oldest_pending_age_seconds = fields.Float(allow_none=True)
    last_error = fields.Dict(allow_none=True)
    dry_run = fields.Boolean()


class MessageOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    entity_id = fields.String()
    organization_id = fields.Integer(allow_none=True)
    resource_key = fields.String()
    method = fields.String()
    path = fields.String()
    state = fields.String()
    attempts = fields.Integer()
    waits = fields.Integer()
    last_status = fields.Integer(allow_none=True)
    last_error = fields.String()
    dry_run = fields.Boolean()
    created_at = fields.String()
    next_attempt_at = fields.String()
    sent_at = fields.String(allow_none=True)


class SyncStateOut(Schema):
    state = fields.String(metadata={"description": "not_queued, pending, sent, rejected, "
                                                   "dead…"})
    message_id = fields.Integer()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True, metadata={"description": "The gateway's "
                                                                         "refusal, if any"})
    sent_at = fields.String(allow_none=True)


class MessageListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    state = fields.String(load_default=None, validate=validate.OneOf(outbox.STATES))
    organization_id = Id(load_default=None)
    page = page_field()
    per_page = per_page_field()


MessagePage = page_schema(MessageOut, "OutboxMessagePage")


@blp.route("/gateway/status")
@blp.response(200, StatusOut)
@blp.errors(403)
def gateway_status():
    """Outbox messages by state, the oldest pending message's age and the last error."""
    require_role(actor(), "admin", "inspector")
    return outbox.status()


@blp.route("/gateway/messages")
@blp.arguments(MessageListArgs, location="query")
@blp.response(200, MessagePage)
def list_messages(args):
    """Outbox messages; a business sees its own organization's, to fix what was rejected,
    an inspector those of the organizations in their scope."""
    query = outbox.messages_for(actor(), state=args["state"],
                                organization_id=args["organization_id"])
    return paginate(query, args["page"], args["per_page"], lambda m: m.to_dict())


class SyncStateArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.String(required=True, validate=validate.OneOf(
        ["organization", "location", "product", "batch", "certificate"]))
    id = Id(required=True)


RECORD_READERS = {
    "organization": registry.get_organization, "location": registry.get_location,
    "product": registry.get_product, "batch": registry.get_batch,
    "certificate": registry.get_certificate,
}


@blp.route("/gateway/sync-state")
@blp.arguments(SyncStateArgs, location="query")
@blp.response(200, SyncStateOut)
@blp.errors(404)
def sync_state(args):
    """Where one of your records stands with the national gateway (and the gateway's message
    if it was refused)."""
    RECORD_READERS[args["kind"]](require_actor(), args["id"])  # 404 unless you may read it
    return outbox.sync_state(args["kind"], args["id"])


@blp.route("/gateway/messages/<int:message_id>/retry", methods=["POST"])
@blp.response(200, MessageOut)
@blp.errors(403, 404)
def retry_message(message_id):
    """Requeue a dead (or rejected) message now (admin)."""
    require_role(actor(), "admin")
    message = outbox.requeue(message_id)
    if message is None:
        raise NotFound(f"Outbox message {message_id} not found.")
    db.session.commit()
    return message.to_dict()
