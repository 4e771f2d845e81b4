"""Resolver API: scan statistics and copy alerts (thin routes over ``services``)."""

from marshmallow import Schema, fields, validate

from ..apiutil import Id, PageArgs, api_blueprint, page_schema, paginate, require_actor
from ..extensions import db
from . import services
from .models import COPY_ALERT_STATUSES

blp = api_blueprint("resolver", __name__, "Scan statistics and suspected copied labels")


class StatsArgs(Schema):
    organization_id = Id(load_default=None)
    product_id = Id(load_default=None)
    batch_id = Id(load_default=None)
    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))


class DayCount(Schema):
    date = fields.String()
    scans = fields.Integer()


class ProvinceCount(Schema):
    province = fields.String(allow_none=True,
                             metadata={"description": "Coarse region of the scanners; null "
                                                      "when the proxy did not say"})
    scans = fields.Integer()


class BatchCount(Schema):
    batch_id = fields.Integer()
    gtin = fields.String()
    lot = fields.String(allow_none=True)
    scans = fields.Integer()


class StatsOut(Schema):
    since = fields.String()
    until = fields.String()
    total = fields.Integer()
    serialised_scans = fields.Integer()
    days = fields.List(fields.Nested(DayCount))
    provinces = fields.List(fields.Nested(ProvinceCount))
    top_batches = fields.List(fields.Nested(BatchCount))


class AlertListArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(COPY_ALERT_STATUSES))
    organization_id = Id(load_default=None)
    batch_id = Id(load_default=None)


class CopyAlertOut(Schema):
    id = fields.Integer()
    status = fields.String()
    gtin = fields.String()
    lot = fields.String(allow_none=True)
    serial = fields.String()
    serial_id = fields.Integer()
    batch_id = fields.Integer(allow_none=True)
    organization_id = fields.Integer(allow_none=True)
    reasons = fields.List(fields.String(), metadata={
        "description": "scans, networks and/or regions: which limit the unit exceeded"})
    scans = fields.Integer()
    networks = fields.Integer()
    regions = fields.Integer()
    window_hours = fields.Integer()
    created_at = fields.String()
    closed_at = fields.String(allow_none=True)
    closed_by = fields.Integer(allow_none=True)
    close_note = fields.String()


CopyAlertPage = page_schema(CopyAlertOut, "CopyAlertPage")


class CloseInput(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


@blp.route("/scans/stats")
@blp.arguments(StatsArgs, location="query")
@blp.response(200, StatsOut)
@blp.errors(404)
def scan_stats(args):
    """Scans per day, per province and the most scanned batches (last ``days`` days).

    A business sees its own organization only; inspectors and admins see all (inspectors
    limited to their provinces).
    """
    return services.scan_stats(require_actor(), **args)


@blp.route("/copy-alerts")
@blp.arguments(AlertListArgs, location="query")
@blp.response(200, CopyAlertPage)
@blp.errors(404)
def list_copy_alerts(args):
    """Serialised units whose label looks copied, newest first (same visibility as stats)."""
    query = services.list_copy_alerts(require_actor(), status=args["status"],
                                      organization_id=args["organization_id"],
                                      batch_id=args["batch_id"])
    return paginate(query, args["page"], args["per_page"], services.copy_alert_to_dict)


@blp.route("/copy-alerts/<int:alert_id>")
@blp.response(200, CopyAlertOut)
@blp.errors(404)
def get_copy_alert(alert_id):
    return services.copy_alert_to_dict(services.get_copy_alert(require_actor(), alert_id))


@blp.route("/copy-alerts/<int:alert_id>/close", methods=["POST"])
@blp.arguments(CloseInput)
@blp.response(200, CopyAlertOut)
@blp.errors(404)
def close_copy_alert(data, alert_id):
    """Close an alert once looked into, saying what was found."""
    alert = services.close_copy_alert(require_actor(), alert_id, data["note"])
    db.session.commit()
    return services.copy_alert_to_dict(alert)
