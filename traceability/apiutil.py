"""Plumbing shared by every capability's API blueprint: authentication, paging, ETags."""

import hashlib
import json
from http import HTTPStatus

from flask import current_app, g, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from .errors import PreconditionFailed, PreconditionRequired, ServiceError, Unauthorized
from .extensions import db
from .ratelimits import limit_api

API_PREFIX = "/api/v1"
JSON_TYPES = {"application/json", "application/ld+json", "application/problem+json"}
WRITE_METHODS = {"post", "put", "patch"}
# Ids are PostgreSQL ``integer`` columns: a larger number names no record, and must not reach
# the database (SQLite cannot even bind one past 2**63).
ID_MAX = 2**31 - 1
PAGE_MAX = 1_000_000


class ApiBlueprint(Blueprint):
    """A flask-smorest blueprint whose operations document the errors they can answer.

    Every operation may answer 400 (a NUL character), 401 (a wrong API key) and 429 (past
    ``API_RATE_LIMIT``, with ``Retry-After``), and every write 415 (not JSON); ``errors`` adds
    the others an operation gives.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_common_errors_doc)

    def errors(self, *statuses: int):
        """Document these error statuses (problem+json) for the decorated operation."""

        def decorator(view):
            for status in statuses:
                view = self.alt_response(status, HTTPStatus(status).name)(view)
            return view

        return decorator

    @staticmethod
    def _prepare_common_errors_doc(doc, doc_info, *, method, **_kwargs):
        responses = doc.setdefault("responses", {})
        common = [400, 401, 429, 415] if method in WRITE_METHODS else [400, 401, 429]
        for status in common:
            responses.setdefault(status, HTTPStatus(status).name)
        return doc


class RecordIdConverter(IntegerConverter):
    """``<int:…>`` in routes: a number too large to be an id names no record (404)."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=ID_MAX, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        # Not werkzeug's ValidationError: the router would then find the same URL under the
        # rule's other methods and answer 405 to a DELETE or PATCH of it.
        if self.max is not None and int(value) > self.max:
            raise NotFound()
        return super().to_python(value)


class Id(fields.Integer):
    """A record id in a query or a body: a whole number an id column can hold, else 422."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(min=1, max=ID_MAX))
        super().__init__(**kwargs)


def page_field():
    return fields.Integer(load_default=1, validate=validate.Range(min=1, max=PAGE_MAX))


def per_page_field():
    return fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def api_blueprint(name: str, import_name: str, description: str) -> ApiBlueprint:
    """An API blueprint: under /api/v1, bearer-key authentication, JSON bodies only."""
    blueprint = ApiBlueprint(name, import_name, url_prefix=API_PREFIX, description=description)
    blueprint.before_request(authenticate_request)
    blueprint.before_request(check_content_type)
    blueprint.before_request(reject_nul_characters)
    limit_api(blueprint)
    return blueprint


def authenticate_request() -> None:
    """Resolve ``Authorization: Bearer`` once per API request into ``g.actor``.

    A missing header means an anonymous caller; a present but wrong one is refused at once,
    so a typo in a key never silently turns into anonymous access.
    """
    from .accounts.services import authenticate_key

    g.actor = None
    header = request.headers.get("Authorization")
    if not header:
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send the API key as 'Authorization: Bearer <key>'.")
    user = authenticate_key(token.strip())
    if user is None:
        raise Unauthorized("This API key is not valid or has been revoked.")
    g.actor = user


def check_content_type() -> None:
    """Writes with a body must be JSON (multipart only where an endpoint takes files)."""
    if request.method not in {"POST", "PUT", "PATCH"}:
        return
    if not request.content_length and not request.data:
        return
    mimetype = request.mimetype
    endpoint_accepts_files = getattr(current_app.view_functions.get(request.endpoint),
                                     "_accepts_files", False)
    if mimetype in JSON_TYPES or (endpoint_accepts_files and mimetype == "multipart/form-data"):
        return
    from werkzeug.exceptions import UnsupportedMediaType

    raise UnsupportedMediaType(f"Send the body as application/json (got '{mimetype or 'none'}').")


def reject_nul_characters() -> None:
    """No text kept here may hold NUL (PostgreSQL refuses it): refuse it on the way in, by name."""
    places = [name for name, value in (request.view_args or {}).items()
              if isinstance(value, str) and "\x00" in value]
    for values in (request.args, request.form):
        # A multipart part may come without a name (None).
        places += [str(name) for name, value in values.items(multi=True)
                   if "\x00" in f"{name}{value}"]
    if request.is_json:
        places += _nul_paths(request.get_json(silent=True), "")
    if places:
        raise ServiceError("Text cannot contain the NUL character (\\0); remove it and send "
                           "the request again.",
                           errors={place or "/": ["Contains a NUL character."] for place in places})


def _nul_paths(value, path: str) -> list[str]:
    """JSON paths (``/items/0/name``) of the strings and keys holding NUL."""
    if isinstance(value, str):
        return [path] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if "\x00" in key:
                found.append(path)
            found += _nul_paths(item, f"{path}/{key}")
        return found
    if isinstance(value, list):
        return [place for index, item in enumerate(value)
                for place in _nul_paths(item, f"{path}/{index}")]
    return []


def accepts_files(view):
    view._accepts_files = True
    return view


def actor():
    """The authenticated user of this API request, or None for an anonymous caller."""
    return g.get("actor")


def require_actor():
    user = actor()
    if user is None:
        raise Unauthorized("Sign in or send an API key as 'Authorization: Bearer <key>'.")
    return user


class PageArgs(Schema):
    page = page_field()
    per_page = per_page_field()


def page_schema(item_schema, name: str):
    """The documented envelope of what ``paginate`` answers, for items of ``item_schema``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
            "pages": fields.Integer(),
        },
        name=name,
    )


def paginate(query, page: int, per_page: int, serialize) -> dict:
    """Run a select with stable ordering already applied; return the page envelope."""
    limit = min(per_page, current_app.config["API_PAGE_SIZE_MAX"])
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.limit(limit).offset((page - 1) * limit)).all()
    return {
        "items": [serialize(row) for row in rows],
        "page": page,
        "per_page": limit,
        "total": total,
        "pages": (total + limit - 1) // limit if total else 0,
    }


def etag_of(payload: dict) -> str:
    body = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
    return '"' + hashlib.sha256(body.encode("utf-8")).hexdigest()[:32] + '"'


IF_MATCH = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
            "description": "The ETag of the record as you read it (or *): a change made "
                           "meanwhile by someone else answers 412, a missing one 428."}


def check_if_match(current_payload: dict, *, required: bool = False) -> None:
    """Refuse a write made against a stale copy of the record (lost-update protection)."""
    expected = request.headers.get("If-Match")
    if expected is None:
        if required:
            raise PreconditionRequired("Send If-Match with the ETag you read to change this.")
        return
    if expected.strip() == "*":
        return
    current = etag_of(current_payload)
    offered = {tag.strip().removeprefix("W/") for tag in expected.split(",")}
    if current not in offered:
        raise PreconditionFailed(
            "This record was changed by someone else since you read it; "
            "reload it and apply your change again."
        )


def with_etag(payload: dict, status: int = 200):
    return payload, status, {"ETag": etag_of(payload)}
