"""Events API: EPCIS 2.0 capture and query, the chain, journeys, stage templates, passports."""

import json
from urllib.parse import urlencode

from flask import Response, request

from ..apiutil import actor, api_blueprint, require_actor
from ..extensions import db
from . import chain, services, stages
from .schemas import (
    EPCIS_BODY,
    EPCIS_DOCUMENT_RESPONSE,
    CaptureResultOut,
    ChainArgs,
    ChainOut,
    EventQueryArgs,
    JourneyOut,
    MassBalanceOut,
    PassportOut,
    StageInput,
    StageOut,
    TemplatesOut,
)

blp = api_blueprint("events", __name__, "Traceability events (EPCIS 2.0): capture, query, "
                    "one step back and one step forward, stage templates, product passport")

EPCIS_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}


def _json_body():
    """The request body as JSON (application/json or application/ld+json)."""
    if not request.get_data(cache=True):
        raise services.InvalidDocument({"/": ["Send the EPCIS JSON-LD as the request body."]})
    body = request.get_json(force=True, silent=True)
    if body is None:
        raise services.InvalidDocument(
            {"/": ["The request body is not valid JSON; check quotes, commas and brackets."]})
    return body


def _captured(result: services.CaptureResult):
    db.session.commit()
    return result.to_dict(), 201 if result.captured else 200


def _epcis_response(document: dict, headers: dict | None = None) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False), mimetype="application/ld+json")
    response.headers.update(EPCIS_HEADERS)
    response.headers.update(headers or {})
    return response


# ------------------------------------------------------------------- capture


@blp.route("/events", methods=["POST"])
@blp.doc(requestBody=EPCIS_BODY)
@blp.response(201, CaptureResultOut)
@blp.alt_response(200, schema=CaptureResultOut, description="Already recorded (duplicate)",
                  success=True)
@blp.errors(400, 403)
def capture_event():
    """Record one EPCIS 2.0 event (JSON-LD with its @context).

    Object, Aggregation, Transformation, Transaction and Association events. A missing
    eventID is set to the CBV 2.0 event hash; an event already recorded is reported in
    ``duplicates``. Identifiers that name nothing registered here are kept and listed in
    ``unresolved``. 400 lists every problem of an invalid event; 403 when it is about another
    organization's batch and your organization is neither its source nor its destination.
    """
    return _captured(services.capture(actor(), _json_body(), single_event=True))


@blp.route("/epcis/capture", methods=["POST"])
@blp.doc(requestBody=EPCIS_BODY)
@blp.response(201, CaptureResultOut)
@blp.alt_response(200, schema=CaptureResultOut, description="Every event was a duplicate",
                  success=True)
@blp.errors(400, 403, 413)
def capture_document():
    """Record the events of an EPCISDocument: all of them or, when anything is wrong, none."""
    return _captured(services.capture(actor(), _json_body()))


# ------------------------------------------------------------------- query


def _next_link(params: dict, token: str | None) -> dict:
    if not token:
        return {}
    pairs = []
    for name, value in params.items():
        if name in ("nextPageToken", "@context"):
            continue
        pairs.append((name, "|".join(map(str, value)) if isinstance(value, list) else value))
    pairs.append(("nextPageToken", token))
    url = f"{request.host_url.rstrip('/')}{blp.url_prefix}/epcis/events?{urlencode(pairs)}"
    return {"Link": f'<{url}>; rel="next"'}


def _query_response(params: dict) -> Response:
    page = services.query_events(require_actor(), params)
    document = services.document_for(page.rows, kind="EPCISQueryDocument")
    return _epcis_response(document, _next_link(params, page.next_page_token))


@blp.route("/epcis/events")
@blp.arguments(EventQueryArgs, location="query", as_kwargs=True)
@blp.doc(responses={"200": EPCIS_DOCUMENT_RESPONSE})
@blp.errors(400, 413)
def query_events(**_documented):
    """EPCIS SimpleEventQuery over the events you may read: an EPCISQueryDocument.

    Parameters as in EPCIS 2.0 (lists pipe-delimited or repeated), also ``GE_recordTime``,
    ``LT_recordTime``, ``EQ_disposition``, ``EQ_eventID``, ``MATCH_parentID``,
    ``MATCH_inputEPC``, ``MATCH_outputEPC``, ``MATCH_inputEPCClass``,
    ``MATCH_outputEPCClass``, quantity comparisons (``GE_quantity`` …), ``eventCountLimit``,
    ``maxEventCount``, ``EXISTS_errorDeclaration``. The next page is in the ``Link`` header
    (``rel="next"``); an unsupported parameter is refused (400) rather than ignored.
    """
    return _query_response(services.query_from_args(request.args))


@blp.route("/epcis/queries", methods=["POST"])
@blp.doc(requestBody=EPCIS_BODY, responses={"200": EPCIS_DOCUMENT_RESPONSE})
@blp.errors(400, 413)
def run_query():
    """Run an ad-hoc query given as an EPCIS 2.0 query body (query-schema.json).

    The body is validated against the EPCIS query schema (400 with every reason); the answer
    is the EPCISQueryDocument of ``GET /epcis/events`` with the same parameters.
    """
    return _query_response(services.check_query_body(_json_body()))


@blp.route("/epcis/events/<path:event_id>")
@blp.doc(responses={"200": EPCIS_DOCUMENT_RESPONSE})
@blp.errors(404)
def get_event(event_id):
    """One event by its eventID (URL-encoded), with its @context."""
    row = services.get_event(require_actor(), event_id)
    document = services.document_for([row])
    (event,) = document["epcisBody"]["eventList"]
    return _epcis_response({"@context": document["@context"], **event})


# ------------------------------------------------------------------- batches


@blp.route("/batches/<int:batch_id>/chain")
@blp.arguments(ChainArgs, location="query")
@blp.response(200, ChainOut)
@blp.errors(404)
def batch_chain(args, batch_id):
    """One step back or forward (``depth=1``), or further (up to 20 steps)."""
    batch, items = services.chain_for(actor(), batch_id, args["direction"], args["depth"])
    return {"batch": services.batch_ref(batch), "direction": args["direction"],
            "depth": args["depth"], "items": [services.link_to_dict(i) for i in items]}


@blp.route("/batches/<int:batch_id>/journey")
@blp.response(200, JourneyOut)
@blp.errors(404)
def batch_journey(batch_id):
    """The stages of the batch in time order: step, place, time, organization, details."""
    batch, journey = services.journey_for(actor(), batch_id)
    return {"batch": services.batch_ref(batch), "stages": services.plain(journey)}


@blp.route("/batches/<int:batch_id>/mass-balance")
@blp.response(200, MassBalanceOut)
@blp.errors(404)
def batch_mass_balance(batch_id):
    """Inputs against outputs of the transformations that made the batch, per unit."""
    return services.plain(services.mass_balance_for(actor(), batch_id))


@blp.route("/batches/<int:batch_id>/epcis")
@blp.doc(responses={"200": EPCIS_DOCUMENT_RESPONSE})
@blp.errors(404)
def batch_epcis(batch_id):
    """The batch's history as an EPCISDocument (every event naming it)."""
    return _epcis_response(services.batch_epcis_document(actor(), batch_id))


@blp.route("/batches/<int:batch_id>/passport")
@blp.response(200, PassportOut)
@blp.errors(404)
def batch_passport(batch_id):
    """Digital product passport of the batch (Decree 37/2026/NĐ-CP) as JSON."""
    return services.passport_for(actor(), batch_id)


# ------------------------------------------------------------------- stage templates


@blp.route("/event-templates")
@blp.response(200, TemplatesOut)
def event_templates():
    """Sector templates: stages and their form fields (Vietnamese and English labels)."""
    return {"templates": stages.template_catalog()}


@blp.route("/batches/<int:batch_id>/stages", methods=["POST"])
@blp.arguments(StageInput)
@blp.response(201, StageOut)
@blp.alt_response(200, schema=StageOut, description="The same stage was already recorded",
                  success=True)
@blp.errors(403, 404)
def record_stage(data, batch_id):
    """Record a stage of the batch from a sector template (no JSON-LD needed).

    The stage becomes an EPCIS event recorded like any other; ``warnings`` flags e.g. a
    harvest before the withdrawal period of a spraying ends. Field problems answer 422 keyed
    by the field's name.
    """
    user = require_actor()
    batch = services.get_readable_batch(user, batch_id)
    outcome = stages.record_stage(user, batch, data["template"], data["stage"], {
        "event_time": data["event_time"], "location_id": data["location_id"],
        "fields": data["fields"]})
    db.session.commit()
    row = outcome["event"]
    body = {
        "event": services.captured_to_dict(row) if row is not None else None,
        "event_id": outcome["event_id"], "duplicate": outcome["duplicate"],
        "warnings": outcome["warnings"],
        "stage": services.plain(chain.stage_of(row, batch)) if row is not None else None,
        "document": outcome["document"],
    }
    return body, 201 if row is not None else 200
