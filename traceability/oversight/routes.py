"""Oversight API: codes, trace, holds and recalls, notices, inspections, audit."""


from ..apiutil import actor, api_blueprint, paginate
from ..extensions import db
from . import codes, services
from .schemas import (
    AuditArgs,
    AuditPage,
    BatchDetailsOut,
    CodeInput,
    CodeQuery,
    InspectionInput,
    InspectionListArgs,
    InspectionListOut,
    InspectionOut,
    InspectionPatch,
    ParsedCodeOut,
    ReasonInput,
    RecallInput,
    RecallNoticeListOut,
    RecallNoticeOut,
    RecallReportOut,
    ReportListArgs,
    ReportOut,
    ReportPage,
    TraceOut,
    TriageInput,
)

blp = api_blueprint("oversight", __name__, "Codes, trace, holds and recalls, inspections, audit")


@blp.route("/codes/parse", methods=["POST"])
@blp.arguments(CodeInput)
@blp.response(200, ParsedCodeOut)
@blp.errors(400)
def parse_code(data):
    """Parse anything a person or a scanner gives into GS1 elements and a Digital Link.

    A code that is not valid GS1 data answers 400 saying what is wrong (check digit, length,
    character, date, forbidden AI combination…), in English and Vietnamese.
    """
    return codes.describe(codes.parse(data["code"]))


@blp.route("/trace")
@blp.arguments(CodeQuery, location="query")
@blp.response(200, TraceOut)
@blp.errors(400, 404)
def trace(args):
    """Everything about the batch or unit behind any code: chain, scans, inspections, status.

    A code that parses but is unknown answers 404 saying so; one that does not parse, 400.
    """
    return services.trace(actor(), args["code"])


@blp.route("/batches/<int:batch_id>/hold", methods=["POST"])
@blp.arguments(ReasonInput)
@blp.response(200, BatchDetailsOut)
@blp.errors(403, 404, 409)
def hold(data, batch_id):
    """Put a batch on hold (inspector or admin); scans show it at once."""
    batch = services.hold(actor(), batch_id, data["reason"])
    db.session.commit()
    return services.batch_details(actor(), batch)


@blp.route("/batches/<int:batch_id>/release", methods=["POST"])
@blp.arguments(ReasonInput)
@blp.response(200, BatchDetailsOut)
@blp.errors(403, 404, 409)
def release(data, batch_id):
    """Release a batch from hold."""
    batch = services.release(actor(), batch_id, data["reason"])
    db.session.commit()
    return services.batch_details(actor(), batch)


@blp.route("/batches/<int:batch_id>/recall", methods=["POST"])
@blp.arguments(RecallInput)
@blp.response(200, RecallReportOut)
@blp.errors(403, 404, 409)
def recall(data, batch_id):
    """Recall a batch (final): notify the businesses downstream and the national gateway."""
    batch = services.recall(actor(), batch_id, data["reason"], data["level"])
    db.session.commit()
    return services.recall_report(actor(), batch.id)


@blp.route("/batches/<int:batch_id>/recall-report")
@blp.response(200, RecallReportOut)
@blp.errors(403, 404)
def recall_report(batch_id):
    """Who is affected by the batch's recall, who was notified, who acknowledged."""
    return services.recall_report(actor(), batch_id)


@blp.route("/recall-notices")
@blp.response(200, RecallNoticeListOut)
def list_notices():
    """Recall notices: a business sees the ones addressed to it."""
    return {"items": [n.to_dict() for n in services.notices_for(actor())]}


@blp.route("/recall-notices/<int:notice_id>/acknowledge", methods=["POST"])
@blp.response(200, RecallNoticeOut)
@blp.errors(403, 404)
def acknowledge(notice_id):
    """Acknowledge a recall notice addressed to your organization."""
    notice = services.acknowledge_notice_as(actor(), notice_id)
    db.session.commit()
    return notice.to_dict()


@blp.route("/inspections", methods=["POST"])
@blp.arguments(InspectionInput)
@blp.response(201, InspectionOut)
@blp.errors(403, 404)
def create_inspection(data):
    """Record an inspection: plan, visit, batches checked, samples, result, notes."""
    inspection = services.create_inspection(actor(), data)
    db.session.commit()
    return inspection.to_dict()


@blp.route("/inspections")
@blp.arguments(InspectionListArgs, location="query")
@blp.response(200, InspectionListOut)
def list_inspections(args):
    """Inspections you may see."""
    rows = services.list_inspections(actor(), organization_id=args["organization_id"],
                                     batch_id=args["batch_id"])
    return {"items": [row.to_dict() for row in rows]}


@blp.route("/inspections/<int:inspection_id>")
@blp.response(200, InspectionOut)
@blp.errors(404)
def get_inspection(inspection_id):
    """One inspection."""
    return services.get_inspection(actor(), inspection_id).to_dict()


@blp.route("/inspections/<int:inspection_id>", methods=["PATCH"])
@blp.arguments(InspectionPatch)
@blp.response(200, InspectionOut)
@blp.errors(403, 404)
def update_inspection(data, inspection_id):
    """Update an inspection's visit, samples, result or notes."""
    inspection = services.update_inspection(actor(), inspection_id, data)
    db.session.commit()
    return inspection.to_dict()


@blp.route("/audit")
@blp.arguments(AuditArgs, location="query")
@blp.response(200, AuditPage)
def audit_log(args):
    """Who changed what and when (``entity=batch`` or ``entity=batch:12``), newest first."""
    query = services.audit_query(actor(), entity=args["entity"], action=args["action"])
    return paginate(query, args["page"], args["per_page"], lambda entry: entry.to_dict())


@blp.route("/reports")
@blp.arguments(ReportListArgs, location="query")
@blp.response(200, ReportPage)
@blp.errors(403)
def list_reports(args):
    """The inbox of consumer reports (inspectors and admins), newest first."""
    query = services.list_reports(actor(), status=args["status"])
    return paginate(query, args["page"], args["per_page"], services.report_to_dict)


@blp.route("/reports/<int:report_id>/triage", methods=["POST"])
@blp.arguments(TriageInput)
@blp.response(200, ReportOut)
@blp.errors(403, 404)
def triage_report(data, report_id):
    """Move a report to triaged or closed (with a note), or reopen it."""
    report = services.triage_report(actor(), report_id, data["status"], data["note"])
    db.session.commit()
    return services.report_to_dict(report)
