"""Account rules shared by the API, the web pages and the CLI."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from ..extensions import db
from ..oversight import audit
from .models import ROLES, ApiKey, User

KEY_SCHEME = "trc"
MIN_PASSWORD_LENGTH = 10
_LAST_USED_RESOLUTION = timedelta(minutes=10)


def _digest(key: str) -> str:
    # Keys carry 256 bits of randomness, so a fast digest is enough; no salt needed.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or len(email) > 255:
        raise field_error("email", "Enter a valid email address.")
    return email


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def create_user(email: str, role: str, *, organization_id: int | None = None,
                name: str = "", password: str | None = None, actor=None,
                scope_provinces: list[str] | None = None,
                scope_sectors: list[str] | None = None) -> User:
    """Create an account. The caller commits."""
    from ..registry.models import SECTORS, Organization

    errors: dict = {}
    try:
        email = normalize_email(email)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if role not in ROLES:
        errors["role"] = [f"Role must be one of: {', '.join(ROLES)}."]
    if role == "business":
        if organization_id is None:
            errors["organization_id"] = ["A business account belongs to one organization."]
        elif db.session.get(Organization, organization_id) is None:
            errors["organization_id"] = [f"Organization {organization_id} does not exist."]
    elif organization_id is not None:
        errors["organization_id"] = ["Only business accounts belong to an organization."]
    unknown_sectors = sorted(set(scope_sectors or []) - set(SECTORS))
    if unknown_sectors:
        errors["scope_sectors"] = [f"Unknown sector(s): {', '.join(unknown_sectors)}; "
                                   f"choose from {', '.join(SECTORS)}."]
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [f"Use at least {MIN_PASSWORD_LENGTH} characters."]
    if errors:
        raise ValidationFailed(errors)
    if get_user_by_email(email) is not None:
        raise Conflict(f"An account for {email} already exists.")
    user = User(
        email=email,
        role=role,
        name=name.strip(),
        organization_id=organization_id,
        password_hash=generate_password_hash(password) if password else None,
        scope_provinces=",".join(scope_provinces or []),
        scope_sectors=",".join(scope_sectors or []),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor or "system", "user.create", "user", user.id,
                 organization_id=organization_id, details={"email": email, "role": role})
    return user


def set_password(user: User, password: str, actor=None) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise field_error("password", f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = generate_password_hash(password)
    audit.record(actor or user, "user.password", "user", user.id,
                 organization_id=user.organization_id)


def check_password(email: str, password: str) -> User | None:
    """The active user with that email and password, or None."""
    user = get_user_by_email((email or "").strip())
    if user is None or not user.password_hash or not user.active:
        # Same work either way, so timing does not reveal which emails exist.
        check_password_hash(generate_password_hash("x"), password or "")
        return None
    return user if check_password_hash(user.password_hash, password or "") else None


def issue_api_key(user: User, name: str = "", actor=None) -> tuple[ApiKey, str]:
    """Create a key; the plain key is returned once and never stored."""
    prefix = secrets.token_hex(6)
    plain = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(user=user, name=name.strip()[:120], prefix=prefix, digest=_digest(plain))
    db.session.add(key)
    db.session.flush()
    audit.record(actor or user, "api_key.issue", "api_key", key.id,
                 organization_id=user.organization_id, details={"prefix": prefix})
    return key, plain


def authenticate_key(plain: str) -> User | None:
    """The user owning an active, unrevoked key, or None."""
    parts = (plain or "").split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == parts[1]))
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.digest, _digest(plain)):
        return None
    user = key.user
    if not user.active:
        return None
    now = audit.utcnow()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION:
        key.last_used_at = now
        db.session.commit()
    return user


def list_api_keys(actor: User, user_id: int | None = None) -> list[ApiKey]:
    owner = _key_owner(actor, user_id)
    return list(db.session.scalars(select(ApiKey).where(ApiKey.user_id == owner.id)
                                   .order_by(ApiKey.id)))


def revoke_api_key(actor: User, key_id: int) -> ApiKey:
    key = db.session.get(ApiKey, key_id)
    if key is None or (key.user_id != actor.id and not actor.is_admin):
        raise NotFound(f"API key {key_id} not found.")
    if key.revoked_at is None:
        key.revoked_at = audit.utcnow()
        audit.record(actor, "api_key.revoke", "api_key", key.id,
                     organization_id=key.user.organization_id, details={"prefix": key.prefix})
    return key


def _key_owner(actor: User, user_id: int | None) -> User:
    if user_id is None or user_id == actor.id:
        return actor
    if not actor.is_admin:
        raise NotFound(f"User {user_id} not found.")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    return user


def require_role(actor: User | None, *roles: str) -> User:
    if actor is None:
        from ..errors import Unauthorized

        raise Unauthorized("Sign in or send an API key as 'Authorization: Bearer <key>'.")
    if actor.role not in roles:
        raise Forbidden("Your account's role may not do this.")
    return actor


def get_inspector(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role != "inspector":
        raise NotFound(f"Inspector {user_id} not found.")
    return user


def update_inspector(actor, user_id: int, *, name: str, provinces: list[str]) -> User:
    """Rename an inspector or change the provinces they oversee (admins only)."""
    require_role(actor, "admin")
    user = get_inspector(user_id)
    cleaned = list(dict.fromkeys(p.strip() for p in provinces if p.strip()))
    if any(len(p) > 100 for p in cleaned):
        raise ValidationFailed({"provinces": ["Longer than maximum length 100."]})
    changes = {}
    if user.name != name.strip():
        changes["name"] = user.name = name.strip()
    if user.provinces != cleaned:
        user.scope_provinces = ",".join(cleaned)
        changes["scope_provinces"] = cleaned
    if changes:
        audit.record(actor, "user.update", "user", user.id, details=changes)
    return user


def set_active(actor, user_id: int, active: bool) -> User:
    """Switch an inspector off (no sign-in, no API key works) or on again (admins only)."""
    require_role(actor, "admin")
    user = get_inspector(user_id)
    if user.active != active:
        user.active = active
        audit.record(actor, "user.activate" if active else "user.deactivate", "user", user.id)
    return user
