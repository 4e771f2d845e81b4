"""One error model: services raise these, the API answers RFC 9457 problem+json, pages flash.

Every message is written for a person who has to act on it.
"""

from http import HTTPStatus

from flask import Response, json, render_template, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

PROBLEM_TYPE_BASE = "https://traceability.local/problems/"
PROBLEM_JSON = "application/problem+json"


class ServiceError(Exception):
    """Base of the errors that services raise for a request that cannot be carried out."""

    status = 400
    slug = "bad-request"

    def __init__(self, detail: str, *, errors: dict | None = None, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.code = code


class ValidationFailed(ServiceError):
    """422: field-level problems; ``errors`` maps each field to its messages."""

    status = 422
    slug = "validation-failed"

    def __init__(self, errors: dict, detail: str = "Some fields are not valid."):
        super().__init__(detail, errors=errors)


class NotFound(ServiceError):
    status = 404
    slug = "not-found"


class Forbidden(ServiceError):
    status = 403
    slug = "forbidden"


class Unauthorized(ServiceError):
    status = 401
    slug = "unauthorized"


class Conflict(ServiceError):
    status = 409
    slug = "conflict"


class PreconditionFailed(ServiceError):
    status = 412
    slug = "precondition-failed"


class PreconditionRequired(ServiceError):
    status = 428
    slug = "precondition-required"


class ProblemSchema(Schema):
    """The body of every API error, as ``problem`` writes it (for the OpenAPI document)."""

    type = fields.String(required=True, metadata={"description": "URI naming the kind"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True, metadata={"description": "What to do about it"})
    instance = fields.String(required=True, metadata={"description": "The request's path"})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={
        "description": "Validation failures: each field (or JSON path) → its messages"})
    code = fields.String(metadata={"description": "A stable code for some errors"})


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed({field: [message]})


def problem(status: int, detail: str | None = None, *, title: str | None = None,
            errors: dict | None = None, slug: str | None = None, code: str | None = None,
            headers=None) -> Response:
    """An ``application/problem+json`` response."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body = {
        "type": PROBLEM_TYPE_BASE + (slug or phrase.lower().replace(" ", "-")),
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
        "instance": request.path if request else None,
    }
    if errors:
        body["errors"] = errors
    if code:
        body["code"] = code
    response = Response(json.dumps(body, ensure_ascii=False), status=status,
                        mimetype=PROBLEM_JSON)
    for name, value in headers or ():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def wants_problem_json() -> bool:
    """API paths always speak JSON; elsewhere only when the client prefers it."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", "application/problem+json"]
    )
    return best in {"application/json", "application/problem+json"}


def _flatten_webargs_messages(messages) -> dict:
    """webargs nests messages by location (json, query…); users want field → messages."""
    if not isinstance(messages, dict):
        return {"_body": messages if isinstance(messages, list) else [str(messages)]}
    flat: dict = {}
    for location, by_field in messages.items():
        if isinstance(by_field, dict):
            for field, value in by_field.items():
                flat[field] = value
        else:
            flat[location] = by_field
    return flat


def _html_error(status: int, detail: str):
    return render_template("errors/error.html", status=status, detail=detail), status


def register_error_handlers(app) -> None:
    @app.errorhandler(ServiceError)
    def handle_service_error(error: ServiceError):
        if wants_problem_json():
            return problem(error.status, error.detail, errors=error.errors, slug=error.slug,
                           code=error.code)
        return _html_error(error.status, error.detail)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        status = error.code or 500
        errors = None
        detail = error.description
        data = getattr(error, "data", None)
        if data and "messages" in data:
            errors = _flatten_webargs_messages(data["messages"])
            detail = "Some fields are not valid." if status == 422 else detail
        if status == 400 and errors and errors.get("json") == ["Invalid JSON body."]:
            detail, errors = "The request body is not valid JSON; check quotes and commas.", None
        headers = list(error.get_headers()) if status != 500 else []
        if data and data.get("headers"):
            headers.extend(data["headers"].items())
        if wants_problem_json():
            return problem(status, detail, errors=errors, headers=headers)
        response = _html_error(status, detail)
        return response[0], status, [h for h in headers if h[0].lower() != "content-type"]

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        detail = "An unexpected error occurred; it has been logged."
        if wants_problem_json():
            return problem(500, detail)
        return _html_error(500, detail)
