"""Problem details (RFC 9457), the only shape in which the simulator reports an error."""

import json
from collections.abc import Mapping

from flask import Response

PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://gateway-simulator.invalid/problems/"


class Problem(Exception):
    """An error answer; raising it anywhere in a request ends the request with it.

    ``code`` is the machine-readable reason (``organization_not_active``…); ``errors`` maps a
    field to the messages a person needs to fix it.
    """

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: object,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.errors = dict(errors) if errors else None
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self) -> dict:
        body: dict[str, object] = {
            "type": PROBLEM_TYPE_BASE + self.code if self.code else "about:blank",
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        if self.code:
            body["code"] = self.code
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body

    def response(self) -> Response:
        return Response(
            json.dumps(self.body(), ensure_ascii=False),
            status=self.status,
            headers=self.headers,
            mimetype=PROBLEM_MIMETYPE,
        )


class FieldErrors:
    """Collects validation messages per field, then raises them together as one 422."""

    def __init__(self) -> None:
        self.messages: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.messages.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def raise_if_any(self, title: str = "The data is incomplete or invalid") -> None:
        if self.messages:
            raise Problem(
                422,
                title,
                "Correct the fields listed in errors and send the record again.",
                code="validation_failed",
                errors=self.messages,
            )
