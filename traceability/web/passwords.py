"""Password reset links: signed, expiring and single-use, with no table.

The token is signed with the application's secret and carries the user's id and a digest of
the user's current password hash. Setting a password changes that hash, so a link works once;
it also stops working after ``PASSWORD_RESET_MAX_AGE`` seconds (one hour by default).
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db

SALT = "password-reset"
DEFAULT_MAX_AGE = 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _state(user) -> str:
    material = f"{user.id}:{user.email}:{user.password_hash or ''}:{user.active}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def make_token(user) -> str:
    return _serializer().dumps({"u": user.id, "s": _state(user)})


def max_age() -> int:
    return int(current_app.config.get("PASSWORD_RESET_MAX_AGE", DEFAULT_MAX_AGE))


def user_for_token(token: str):
    """The active user the token was made for, or None (bad, expired or already used)."""
    from ..accounts.models import User

    try:
        data = _serializer().loads(token, max_age=max_age())
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.active or data.get("s") != _state(user):
        return None
    return user
