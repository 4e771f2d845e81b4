"""``create_simulator_app``: the national gateway model as its own Flask application."""

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

from . import admin, resources
from .faults import kill_connection
from .problems import Problem
from .state import EXTENSION_KEY, Simulator, current_simulator

ADMIN_PREFIX = "/_sim"


class RestOfPathConverter(BaseConverter):
    """The rest of the path, slashes included, even leading ones (a lot may be ``/A``)."""

    part_isolating = False
    regex = ".+"
    weight = 200


def create_simulator_app(config: dict | None = None) -> Flask:
    """Build the simulator. Config keys (all optional):

    ``SIM_DATABASE_URL`` (SQLite in ``instance/gateway_sim.sqlite`` by default),
    ``SIM_DATABASE_SCHEMA`` (PostgreSQL schema for the tables), ``SIM_CLIENTS`` (client id →
    secret), ``SIM_TOKEN_TTL`` (seconds, 300), ``SIM_RATE_LIMIT`` (requests a second per
    client, off), ``SIM_AUTO_ACTIVATE_AFTER`` (seconds after which new organizations become
    active, off), ``SIM_ADMIN_TOKEN`` (required in ``X-Sim-Admin-Token`` on ``/_sim`` when set),
    ``SIM_FAULT_SEED`` (seed of the fault generator), ``SIM_FAULTS`` (initial fault settings).
    """
    app = Flask(__name__)
    app.config.update(config or {})
    app.url_map.converters["rest"] = RestOfPathConverter
    # A lot or certificate number may hold "//"; merging slashes would change it.
    app.url_map.merge_slashes = False
    app.extensions[EXTENSION_KEY] = Simulator(app.config)
    app.register_blueprint(resources.bp)
    app.register_blueprint(admin.bp)
    app.before_request(_front_door)
    app.after_request(_late_faults)
    app.register_error_handler(Problem, lambda problem: problem.response())
    app.register_error_handler(HTTPException, _http_problem)
    return app


def _front_door() -> Response | None:
    """Faults first (they model the network and the portal's load), then auth and rate limit."""
    if request.path.startswith(ADMIN_PREFIX + "/"):
        return None
    simulator = current_simulator()
    decision = simulator.faults.decide(request.path)
    simulator.faults.pause(decision.latency)
    if decision.down:
        retry = simulator.faults.down_retry_after
        return Problem(503, "Service unavailable", "The gateway is down for maintenance.",
                       code="unavailable", headers={"Retry-After": str(retry)}).response()
    if decision.kind and decision.phase == "after":
        g.late_fault = decision.kind
    elif decision.kind:
        return _inject(decision.kind, handled=False)
    resources.authenticate()
    wait = simulator.rate_limiter.wait_needed(resources.rate_limit_key(),
                                              simulator.settings.rate_limit)
    if wait is not None:
        return Problem(429, "Too many requests", "Slow down and retry after the delay given.",
                       code="rate_limited", headers={"Retry-After": str(wait)}).response()
    return None


def _late_faults(response: Response) -> Response:
    kind = g.pop("late_fault", None)
    if kind is None:
        return response
    if kind == "timeout":
        current_simulator().faults.stall()
        return response
    return _inject(kind, handled=True) or response


def _inject(kind: str, *, handled: bool) -> Response | None:
    simulator = current_simulator()
    note = " (the request was applied)" if handled else ""
    if kind == "error_5xx":
        status = simulator.faults.choose_status()
        headers = {"Retry-After": "1"} if status == 503 else {}
        return Problem(status, "Injected server error", "Injected by the simulator" + note,
                       code="injected_error", headers=headers).response()
    if kind == "rate_429":
        return Problem(429, "Too many requests", "Injected by the simulator" + note,
                       code="rate_limited",
                       headers={"Retry-After": str(simulator.faults.retry_after)}).response()
    if kind == "timeout":
        simulator.faults.stall()
        return Problem(504, "Gateway timeout", "Injected by the simulator",
                       code="injected_timeout").response()
    kill_connection(request.environ)
    return Response(status=500)


def _http_problem(error: HTTPException) -> Response:
    """Routing errors, and (as a 500) any unexpected exception, as problem details."""
    return Problem(error.code or 500, error.name, error.description).response()

