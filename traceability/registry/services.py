"""Registry rules, shared by the API, the web pages, the CLI and imports.

Every function takes the acting user first and checks what that user may do: a business
account sees only its own organization (anything else is "not found"), inspectors read within
their scope, admins do everything. Functions flush but never commit: the caller commits once,
so a change, its audit entry and its outbox message land together or not at all.
"""

import re
import secrets
from datetime import date, timedelta
from urllib.parse import quote

from flask import current_app
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import gs1
from ..errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from ..extensions import db
from ..oversight import audit
from ..text import fold, search_key
from .models import Batch, Certificate, CompanyPrefix, Location, Organization, Product

TAX_CODE_RE = re.compile(r"^\d{10}(-\d{3})?$")
# Vietnam's GS1 prefix is 893; a licensed company prefix is 893 plus 4 to 7 digits, but
# organizations may also hold prefixes licensed elsewhere, so any 6-12 digit GCP is accepted.
COMPANY_PREFIX_RE = re.compile(r"^\d{6,12}$")
LOT_MAX_LENGTH = 20


def outbox_enabled() -> bool:
    return current_app.extensions.get("gateway_outbox") is not None


def _outbox(kind: str, record) -> None:
    """Queue the record for the national gateway, in the caller's transaction."""
    hook = current_app.extensions.get("gateway_outbox")
    if hook is not None:
        hook(kind, record)


def _outbox_many(kind: str, records) -> None:
    """Queue many records at once (imports)."""
    hook = current_app.extensions.get("gateway_outbox_many")
    if hook is not None:
        hook(kind, records)


# --------------------------------------------------------------------------- access rules


def _require_actor(actor):
    if actor is None:
        raise Unauthorized("Sign in or send an API key as 'Authorization: Bearer <key>'.")
    return actor


def visible_organization_ids(actor):
    """The one definition of who reads what: a select of the organization ids the actor may
    read, or None when nothing is hidden from them.

    Admins read everything; a business, its own organization; an inspector, every
    organization or only those in their provinces and/or with products in their sectors.
    """
    if actor.is_admin:
        return None
    if actor.is_inspector:
        provinces, sectors = actor.provinces, actor.sectors
        if not provinces and not sectors:
            return None
        query = select(Organization.id)
        if provinces:
            query = query.where(Organization.province.in_(provinces))
        if sectors:
            query = query.where(Organization.id.in_(
                select(Product.organization_id).where(Product.sector.in_(sectors))))
        return query
    return select(Organization.id).where(Organization.id == actor.organization_id)


def can_read_organization(actor, organization: Organization | None) -> bool:
    if actor is None or organization is None:
        return False
    if actor.is_admin:
        return True
    if actor.is_inspector:
        if actor.provinces and organization.province not in actor.provinces:
            return False
        if actor.sectors:
            return db.session.scalar(select(Product.id).where(
                Product.organization_id == organization.id,
                Product.sector.in_(actor.sectors)).limit(1)) is not None
        return True
    return actor.organization_id == organization.id


def _visible_org_ids_clause(actor, column):
    """A WHERE clause limiting rows to organizations the actor may read (None: no limit)."""
    if actor.is_business:
        return column == actor.organization_id
    visible = visible_organization_ids(actor)
    return None if visible is None else column.in_(visible)


def _writable_organization(actor, organization_id: int | None) -> Organization:
    """The organization the actor may change, or the reason why not."""
    _require_actor(actor)
    if actor.is_business:
        if organization_id is not None and organization_id != actor.organization_id:
            raise NotFound(f"Organization {organization_id} not found.")
        organization = db.session.get(Organization, actor.organization_id)
        if organization.status != "approved":
            raise Forbidden(
                "Your organization is awaiting approval by the provincial authority; "
                "you can add records once it is approved."
                if organization.status == "pending"
                else "Your organization's registration was rejected: "
                + (organization.status_reason or "ask the provincial authority why.")
            )
        return organization
    if actor.is_admin:
        if organization_id is None:
            raise ValidationFailed({"organization_id": ["Name the organization this is for."]})
        organization = db.session.get(Organization, organization_id)
        if organization is None:
            raise ValidationFailed({"organization_id": [f"Organization {organization_id} "
                                                        "does not exist."]})
        return organization
    raise Forbidden("Inspectors can read records but not change them.")


def load(schema_cls, payload, *, partial: bool = False) -> dict:
    """Run an input schema; its errors become a 422 naming each field."""
    try:
        return schema_cls().load(payload or {}, partial=partial)
    except SchemaError as error:
        raise ValidationFailed(_flatten(error.messages)) from error


def _flatten(messages) -> dict:
    if isinstance(messages, dict):
        return {str(key): value if isinstance(value, list) else [str(value)]
                for key, value in messages.items()}
    return {"_schema": list(messages)}


def _require_gln(value: str | None, field: str, errors: dict) -> str | None:
    if value in (None, ""):
        return None
    value = value.strip()
    if not (value.isdigit() and len(value) == 13):
        errors[field] = ["A GLN has exactly 13 digits."]
        return None
    if not gs1.is_valid_check_digit(value):
        errors[field] = [f"The GLN's check digit is wrong; it should end in "
                         f"{gs1.check_digit(value[:-1])}."]
        return None
    return value


# --------------------------------------------------------------------------- organizations


def validate_tax_code(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if not TAX_CODE_RE.match(value):
        raise ValidationFailed({"tax_code": [
            "A tax code (MST) has 10 digits, or 10 digits, '-' and 3 digits for a branch."]})
    return value


def _clean_prefixes(values, errors: dict) -> list[str]:
    cleaned = []
    for value in values or []:
        value = str(value).strip()
        if not COMPANY_PREFIX_RE.match(value):
            errors.setdefault("gs1_company_prefixes", []).append(
                f"'{value}' is not a GS1 company prefix (6 to 12 digits, e.g. 8934567).")
            continue
        if value.startswith(("02", "04", "2")) and len(value) >= 2:
            errors.setdefault("gs1_company_prefixes", []).append(
                f"'{value}' is in a restricted-circulation range, not a company prefix.")
            continue
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _prefix_conflicts(prefixes, organization_id=None) -> list[str]:
    if not prefixes:
        return []
    query = select(CompanyPrefix.prefix).where(CompanyPrefix.prefix.in_(prefixes))
    if organization_id is not None:
        query = query.where(CompanyPrefix.organization_id != organization_id)
    return list(db.session.scalars(query))


def _org_search_text(org: Organization) -> str:
    return search_key(org.name, org.tax_code, org.province, org.address)


def create_organization(actor, data: dict) -> tuple[Organization, str | None]:
    """Register an organization. Admins create it approved; anyone else, pending.

    An anonymous caller registers themselves: ``account_email`` names the business account
    created with it, whose API key is returned once (second element of the tuple).
    """
    errors: dict = {}
    try:
        tax_code = validate_tax_code(data["tax_code"])
    except ValidationFailed as error:
        errors.update(error.errors)
        tax_code = None
    prefixes = _clean_prefixes(data.get("gs1_company_prefixes"), errors)
    gln = _require_gln(data.get("gln"), "gln", errors)
    account_email = data.get("account_email")
    if actor is None and not account_email:
        errors["account_email"] = ["To register, give the email of the account to create."]
    if actor is not None and not actor.is_admin:
        raise Forbidden("Your account already belongs to an organization; "
                        "an administrator registers further organizations.")
    if errors:
        raise ValidationFailed(errors)
    if db.session.scalar(select(Organization.id).where(Organization.tax_code == tax_code)):
        raise Conflict(f"An organization with tax code {tax_code} is already registered.")
    if gln and db.session.scalar(select(Organization.id).where(Organization.gln == gln)):
        raise Conflict(f"GLN {gln} already belongs to another organization.")
    taken = _prefix_conflicts(prefixes)
    if taken:
        raise Conflict(f"Company prefix {', '.join(taken)} is already registered to another "
                       "organization.")
    organization = Organization(
        name=data["name"].strip(), tax_code=tax_code, kind=data["kind"],
        address=data.get("address", "").strip(), province=data.get("province", "").strip(),
        gln=gln, contact_email=(data.get("contact_email") or account_email or "").strip(),
        phone=data.get("phone", "").strip(), webhook_url=data.get("webhook_url", "").strip(),
        webhook_secret=secrets.token_hex(24),
        status="approved" if actor is not None and actor.is_admin else "pending",
    )
    organization.prefixes = [CompanyPrefix(prefix=p) for p in prefixes]
    organization.search_text = _org_search_text(organization)
    db.session.add(organization)
    db.session.flush()
    plain_key = None
    if actor is None:
        from ..accounts import services as accounts

        user = accounts.create_user(account_email, "business", organization_id=organization.id,
                                    actor="self-registration")
        _, plain_key = accounts.issue_api_key(user, "registration", actor=user)
    audit.record(actor or "self-registration", "organization.create", "organization",
                 organization.id, organization_id=organization.id,
                 details={"tax_code": tax_code, "status": organization.status})
    _outbox("organization", organization)
    return organization, plain_key


def get_organization(actor, organization_id: int) -> Organization:
    _require_actor(actor)
    organization = db.session.get(Organization, organization_id)
    if organization is None or not can_read_organization(actor, organization):
        raise NotFound(f"Organization {organization_id} not found.")
    return organization


def list_organizations(actor, *, q=None, status=None, province=None):
    _require_actor(actor)
    query = select(Organization)
    clause = _visible_org_ids_clause(actor, Organization.id)
    if clause is not None:
        query = query.where(clause)
    if status:
        query = query.where(Organization.status == status)
    if province:
        query = query.where(Organization.province == province)
    query = _apply_search(query, Organization.search_text, q)
    return query.order_by(Organization.id)


def update_organization(actor, organization_id: int, data: dict) -> Organization:
    organization = get_organization(actor, organization_id)
    if actor.is_inspector:
        raise Forbidden("Inspectors can read records but not change them.")
    errors: dict = {}
    if "gln" in data:
        data["gln"] = _require_gln(data["gln"], "gln", errors)
    if "gs1_company_prefixes" in data:
        data["gs1_company_prefixes"] = _clean_prefixes(data["gs1_company_prefixes"], errors)
    if errors:
        raise ValidationFailed(errors)
    if (actor.is_business and organization.status == "approved"
            and data.get("gs1_company_prefixes", organization.company_prefixes)
            != organization.company_prefixes):
        # The prefixes decide whose GTINs the business may register without the owner's
        # authorisation; the authority checked them when it approved the registration.
        raise Forbidden("Your company prefixes were checked when your organization was "
                        "approved; ask the provincial authority to change them.")
    if data.get("gln") and db.session.scalar(select(Organization.id).where(
            Organization.gln == data["gln"], Organization.id != organization.id)):
        raise Conflict(f"GLN {data['gln']} already belongs to another organization.")
    changes = {}
    if "gs1_company_prefixes" in data:
        new = data.pop("gs1_company_prefixes")
        taken = _prefix_conflicts(new, organization.id)
        if taken:
            raise Conflict(f"Company prefix {', '.join(taken)} is already registered to "
                           "another organization.")
        if new != organization.company_prefixes:
            changes["gs1_company_prefixes"] = new
            keep = {p.prefix: p for p in organization.prefixes}
            organization.prefixes = [keep.get(p) or CompanyPrefix(prefix=p) for p in new]
    for field, value in data.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(organization, field) != value:
            changes[field] = value
            setattr(organization, field, value)
    if changes:
        organization.search_text = _org_search_text(organization)
        audit.record(actor, "organization.update", "organization", organization.id,
                     organization_id=organization.id, details=changes)
        _outbox("organization", organization)
    return organization


def decide_organization(actor, organization_id: int, decision: str, reason: str = ""):
    """Approve or reject a pending organization (admins only)."""
    _require_actor(actor)
    if not actor.is_admin:
        raise Forbidden("Only an administrator approves or rejects organizations.")
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(f"Organization {organization_id} not found.")
    if decision == "rejected" and not reason.strip():
        raise ValidationFailed({"reason": ["Say why, so the business can correct it."]})
    organization.status = decision
    organization.status_reason = reason.strip()
    audit.record(actor, f"organization.{'approve' if decision == 'approved' else 'reject'}",
                 "organization", organization.id, organization_id=organization.id,
                 details={"reason": reason.strip()})
    _outbox("organization", organization)
    return organization


def organization_to_dict(org: Organization) -> dict:
    return {
        "id": org.id, "name": org.name, "tax_code": org.tax_code, "kind": org.kind,
        "address": org.address, "province": org.province,
        "gs1_company_prefixes": org.company_prefixes, "gln": org.gln,
        "contact_email": org.contact_email, "phone": org.phone, "status": org.status,
        "status_reason": org.status_reason, "webhook_url": org.webhook_url,
        "created_at": org.created_at.isoformat(), "updated_at": org.updated_at.isoformat(),
    }


# --------------------------------------------------------------------------- locations


def create_location(actor, data: dict) -> Location:
    organization = _writable_organization(actor, data.get("organization_id"))
    errors: dict = {}
    gln = _require_gln(data.get("gln"), "gln", errors)
    if not gln and "gln" not in errors:
        errors["gln"] = ["A location needs its GLN (13 digits)."]
    if errors:
        raise ValidationFailed(errors)
    if db.session.scalar(select(Location.id).where(Location.gln == gln)):
        raise Conflict(f"GLN {gln} is already used by another location.")
    location = Location(
        organization_id=organization.id, name=data["name"].strip(), type=data["type"],
        gln=gln, address=data.get("address", "").strip(),
        province=(data.get("province") or organization.province).strip(),
        latitude=data.get("latitude"), longitude=data.get("longitude"),
        area_hectares=data.get("area_hectares"),
    )
    location.search_text = search_key(location.name, location.address, location.province, gln)
    db.session.add(location)
    db.session.flush()
    audit.record(actor, "location.create", "location", location.id,
                 organization_id=organization.id, details={"gln": gln})
    _outbox("location", location)
    return location


def get_location(actor, location_id: int) -> Location:
    _require_actor(actor)
    location = db.session.get(Location, location_id)
    if location is None or not can_read_organization(actor, location.organization):
        raise NotFound(f"Location {location_id} not found.")
    return location


def list_locations(actor, *, q=None, organization_id=None):
    _require_actor(actor)
    query = select(Location)
    clause = _visible_org_ids_clause(actor, Location.organization_id)
    if clause is not None:
        query = query.where(clause)
    if organization_id:
        query = query.where(Location.organization_id == organization_id)
    return _apply_search(query, Location.search_text, q).order_by(Location.id)


def update_location(actor, location_id: int, data: dict) -> Location:
    location = get_location(actor, location_id)
    _writable_organization(actor, location.organization_id)
    changes = _apply_changes(location, data)
    if changes:
        location.search_text = search_key(location.name, location.address, location.province,
                                          location.gln)
        audit.record(actor, "location.update", "location", location.id,
                     organization_id=location.organization_id, details=changes)
        _outbox("location", location)
    return location


def location_to_dict(location: Location) -> dict:
    return {
        "id": location.id, "organization_id": location.organization_id, "name": location.name,
        "type": location.type, "gln": location.gln, "address": location.address,
        "province": location.province, "latitude": location.latitude,
        "longitude": location.longitude, "area_hectares": location.area_hectares,
        "created_at": location.created_at.isoformat(),
        "updated_at": location.updated_at.isoformat(),
    }


# --------------------------------------------------------------------------- products


def normalize_gtin_field(value: str, field: str = "gtin") -> str:
    try:
        gtin = gs1.normalize_gtin(str(value or "").strip())
    except gs1.GS1Error as error:
        raise ValidationFailed({field: [str(error)]}) from error
    info = gs1.gtin_company_prefix_info(gtin)
    if not info.valid_for_trade_item:
        raise ValidationFailed({field: [
            f"GTIN {gtin} is in the GS1 range '{info.organisation}' ({info.prefix}), which does "
            "not identify trade items in open circulation; use a GTIN under your company "
            "prefix."]})
    return gtin


def _check_gtin_ownership(organization: Organization, gtin: str, authorization: str) -> None:
    # In a GTIN-14 the company prefix starts after the first digit (indicator or padding).
    if authorization.strip() or any(gtin[1:].startswith(p) for p in organization.company_prefixes):
        return
    prefixes = ", ".join(organization.company_prefixes) or "none registered"
    raise ValidationFailed({"gtin": [
        f"GTIN {gtin} is not under your GS1 company prefixes ({prefixes}). To register another "
        "owner's code, record their written authorisation in foreign_code_authorization "
        "(Decree 74/2018, Art. 19b)."]})


def create_product(actor, data: dict) -> Product:
    organization = _writable_organization(actor, data.get("organization_id"))
    gtin = normalize_gtin_field(data["gtin"])
    _check_gtin_ownership(organization, gtin, data.get("foreign_code_authorization", ""))
    if db.session.scalar(select(Product.id).where(Product.gtin == gtin)):
        raise Conflict(f"GTIN {gtin} is already registered.")
    product = Product(organization_id=organization.id, gtin=gtin)
    for field, value in data.items():
        if field not in {"organization_id", "gtin"}:
            setattr(product, field, value.strip() if isinstance(value, str) else value)
    product.search_text = _product_search_text(product)
    db.session.add(product)
    _flush_unique(f"GTIN {gtin} is already registered.")
    audit.record(actor, "product.create", "product", product.id,
                 organization_id=organization.id, details={"gtin": gtin, "name": product.name})
    _outbox("product", product)
    return product


def _product_search_text(product: Product) -> str:
    return search_key(product.name, product.name_en, product.brand, product.gtin)


def get_product(actor, product_id: int) -> Product:
    _require_actor(actor)
    product = db.session.get(Product, product_id)
    if product is None or not can_read_organization(actor, product.organization):
        raise NotFound(f"Product {product_id} not found.")
    return product


def list_products(actor, *, q=None, gtin=None, organization_id=None, sector=None):
    _require_actor(actor)
    # Each product is shown with its organization's name and address: one query for the page.
    query = select(Product).options(selectinload(Product.organization))
    clause = _visible_org_ids_clause(actor, Product.organization_id)
    if clause is not None:
        query = query.where(clause)
    if gtin:
        query = query.where(Product.gtin == normalize_gtin_field(gtin))
    if organization_id:
        query = query.where(Product.organization_id == organization_id)
    if sector:
        query = query.where(Product.sector == sector)
    return _apply_search(query, Product.search_text, q).order_by(Product.id)


def update_product(actor, product_id: int, data: dict) -> Product:
    product = get_product(actor, product_id)
    organization = _writable_organization(actor, product.organization_id)
    if "foreign_code_authorization" in data:
        _check_gtin_ownership(organization, product.gtin, data["foreign_code_authorization"])
    changes = _apply_changes(product, data)
    if changes:
        product.search_text = _product_search_text(product)
        audit.record(actor, "product.update", "product", product.id,
                     organization_id=product.organization_id, details=changes)
        _outbox("product", product)
    return product


# The ten data items of Circular 02/2024/TT-BKHCN, as far as a product record carries them;
# stages and production time are per batch and shown there.
COMPLETENESS_ITEMS = (
    ("name", "Product name", "Tên sản phẩm"),
    ("images", "At least one product image", "Ít nhất một hình ảnh sản phẩm"),
    ("producer", "Producer or trader name", "Tên cơ sở sản xuất, kinh doanh"),
    ("address", "Producer's address", "Địa chỉ cơ sở"),
    ("trace_code", "Traceability code (GTIN)", "Mã truy vết (GTIN)"),
    ("brand", "Brand or model", "Nhãn hiệu / kiểu mẫu"),
    ("net_content", "Net content and unit", "Khối lượng tịnh và đơn vị"),
    ("shelf_life", "Shelf life", "Hạn sử dụng"),
    ("standards", "Standards applied (TCVN, QCVN, TCCS…)", "Tiêu chuẩn áp dụng"),
)


def product_completeness(product: Product) -> dict:
    present = {
        "name": bool(product.name.strip()),
        "images": bool(product.image_urls),
        "producer": bool(product.organization and product.organization.name.strip()),
        "address": bool(product.organization and product.organization.address.strip()),
        "trace_code": bool(product.gtin),
        "brand": bool(product.brand.strip() or product.model.strip()),
        "net_content": bool(product.net_content.strip() and product.unit.strip()),
        "shelf_life": bool(product.shelf_life_days),
        "standards": bool(product.standards),
    }
    items = [{"item": key, "label_en": en, "label_vi": vi, "present": present[key]}
             for key, en, vi in COMPLETENESS_ITEMS]
    missing = [item["item"] for item in items if not item["present"]]
    return {"complete": not missing, "missing": missing, "items": items}


def product_digital_link(product: Product) -> str:
    return f"{current_app.config['RESOLVER_BASE_URL']}/01/{product.gtin}"


def product_to_dict(product: Product) -> dict:
    return {
        "id": product.id, "organization_id": product.organization_id, "gtin": product.gtin,
        "gtin_display": gs1.gtin_display(product.gtin), "name": product.name,
        "name_en": product.name_en, "description": product.description,
        "brand": product.brand, "model": product.model, "sector": product.sector,
        "net_content": product.net_content, "unit": product.unit, "origin": product.origin,
        "image_urls": list(product.image_urls or []),
        "standards": list(product.standards or []),
        "shelf_life_days": product.shelf_life_days,
        "storage_instructions": product.storage_instructions,
        "safety_warnings": product.safety_warnings,
        "foreign_code_authorization": product.foreign_code_authorization,
        "completeness": product_completeness(product),
        "digital_link": product_digital_link(product),
        "created_at": product.created_at.isoformat(),
        "updated_at": product.updated_at.isoformat(),
    }


# --------------------------------------------------------------------------- batches


def validate_lot(value) -> str:
    lot = str(value or "")
    if not lot.strip():
        raise ValidationFailed({"lot": ["Give the lot (batch) number."]})
    if lot != lot.strip():
        raise ValidationFailed({"lot": ["A lot number cannot start or end with a space."]})
    if len(lot) > LOT_MAX_LENGTH:
        raise ValidationFailed({"lot": [
            f"A lot number has at most {LOT_MAX_LENGTH} characters (GS1 AI 10); "
            f"this one has {len(lot)}."]})
    if not gs1.is_cset82(lot):
        bad = next(ch for ch in lot if not gs1.is_cset82(ch))
        raise ValidationFailed({"lot": [
            f"'{bad}' cannot be used in a lot number: use letters A-Z a-z without diacritics, "
            "digits and ! \" % & ' ( ) * + , - . / : ; < = > ? _ only (GS1 character set 82)."]})
    return lot


def _check_dates(production: date | None, expiry: date | None) -> None:
    if production and expiry and expiry < production:
        raise ValidationFailed({"expiry_date": [
            f"The expiry date {expiry.isoformat()} is before the production date "
            f"{production.isoformat()}."]})


def _check_location(organization_id: int, location_id) -> None:
    if location_id is None:
        return
    location = db.session.get(Location, location_id)
    if location is None or location.organization_id != organization_id:
        raise ValidationFailed({"location_id": [
            f"Location {location_id} is not one of this organization's locations."]})


def resolve_batch_product(actor, data: dict) -> Product:
    if data.get("product_id") is not None:
        product = db.session.get(Product, data["product_id"])
        if product is None or not can_read_organization(actor, product.organization):
            raise ValidationFailed({"product_id": [f"Product {data['product_id']} not found."]})
        return product
    if data.get("gtin"):
        gtin = normalize_gtin_field(data["gtin"])
        product = db.session.scalar(select(Product).where(Product.gtin == gtin))
        if product is None or not can_read_organization(actor, product.organization):
            raise ValidationFailed({"gtin": [f"No product with GTIN {gtin} is registered."]})
        return product
    raise ValidationFailed({"product_id": ["Name the product by product_id or gtin."]})


def create_batch(actor, data: dict) -> Batch:
    _require_actor(actor)
    product = resolve_batch_product(actor, data)
    organization = _writable_organization(actor, product.organization_id)
    lot = validate_lot(data.get("lot"))
    production, expiry = data.get("production_date"), data.get("expiry_date")
    if expiry is None and production and product.shelf_life_days:
        expiry = production + timedelta(days=product.shelf_life_days)
    _check_dates(production, expiry)
    _check_location(organization.id, data.get("location_id"))
    if db.session.scalar(select(Batch.id).where(Batch.gtin == product.gtin, Batch.lot == lot)):
        raise Conflict(f"Lot {lot} of GTIN {product.gtin} is already registered.")
    batch = Batch(
        product_id=product.id, organization_id=organization.id, gtin=product.gtin, lot=lot,
        production_date=production, expiry_date=expiry, quantity=data.get("quantity"),
        unit=(data.get("unit") or product.unit or "").strip(),
        location_id=data.get("location_id"), notes=data.get("notes", "").strip(),
        status="active",
    )
    db.session.add(batch)
    _flush_unique(f"Lot {lot} of GTIN {product.gtin} is already registered.")
    audit.record(actor, "batch.create", "batch", batch.id, organization_id=organization.id,
                 details={"gtin": product.gtin, "lot": lot})
    _outbox("batch", batch)
    return batch


def get_batch(actor, batch_id: int) -> Batch:
    _require_actor(actor)
    batch = db.session.get(Batch, batch_id)
    if batch is None or not can_read_organization(actor, batch.organization):
        raise NotFound(f"Batch {batch_id} not found.")
    return batch


def list_batches(actor, *, gtin=None, lot=None, product_id=None, status=None,
                 organization_id=None, q=None):
    _require_actor(actor)
    # Each batch is shown with its product and organization: two queries for the page, not
    # two per batch.
    query = select(Batch).options(selectinload(Batch.product), selectinload(Batch.organization))
    clause = _visible_org_ids_clause(actor, Batch.organization_id)
    if clause is not None:
        query = query.where(clause)
    if gtin:
        query = query.where(Batch.gtin == normalize_gtin_field(gtin))
    if lot:
        query = query.where(Batch.lot == lot)
    if product_id:
        query = query.where(Batch.product_id == product_id)
    if status:
        query = query.where(Batch.status == status)
    if organization_id:
        query = query.where(Batch.organization_id == organization_id)
    if q:
        query = query.join(Product, Product.id == Batch.product_id)
        query = _apply_search(query, Product.search_text, q, extra=Batch.lot)
    return query.order_by(Batch.id)


def update_batch(actor, batch_id: int, data: dict) -> Batch:
    batch = get_batch(actor, batch_id)
    _writable_organization(actor, batch.organization_id)
    if batch.status in {"recalled", "void"}:
        raise Conflict(f"A {batch.status} batch cannot be changed.")
    _check_dates(data.get("production_date", batch.production_date),
                 data.get("expiry_date", batch.expiry_date))
    if "location_id" in data:
        _check_location(batch.organization_id, data["location_id"])
    changes = _apply_changes(batch, data)
    if changes:
        audit.record(actor, "batch.update", "batch", batch.id,
                     organization_id=batch.organization_id, details=changes)
        _outbox("batch", batch)
    return batch


def void_batch(actor, batch_id: int, reason: str) -> Batch:
    """Void a batch: its codes stay resolvable and say the batch was withdrawn by its owner."""
    batch = get_batch(actor, batch_id)
    _writable_organization(actor, batch.organization_id)
    if batch.status == "recalled":
        raise Conflict("A recalled batch stays recalled; it cannot be voided.")
    if not reason.strip():
        raise ValidationFailed({"reason": ["Say why the batch is voided."]})
    batch.status, batch.status_reason = "void", reason.strip()
    batch.status_changed_at = audit.utcnow()
    audit.record(actor, "batch.void", "batch", batch.id, organization_id=batch.organization_id,
                 details={"reason": reason.strip()})
    _outbox("batch", batch)
    return batch


def delete_batch(actor, batch_id: int) -> None:
    batch = get_batch(actor, batch_id)
    _writable_organization(actor, batch.organization_id)
    if batch.codes_issued or batch.status != "active":
        raise Conflict("Codes pointing to this batch have been issued, so it cannot be deleted; "
                       "void it instead and its codes will say so when scanned.")
    audit.record(actor, "batch.delete", "batch", batch.id, organization_id=batch.organization_id,
                 details={"gtin": batch.gtin, "lot": batch.lot})
    db.session.delete(batch)
    db.session.flush()


def batch_digital_link(batch: Batch) -> str:
    return (f"{current_app.config['RESOLVER_BASE_URL']}/01/{batch.gtin}/10/"
            f"{quote(batch.lot, safe='')}")


def is_expired(expiry: date | None, today: date | None = None) -> bool:
    return expiry is not None and expiry < (today or date.today())


def batch_to_dict(batch: Batch) -> dict:
    product, organization = batch.product, batch.organization
    return {
        "id": batch.id, "product_id": batch.product_id, "organization_id": batch.organization_id,
        "gtin": batch.gtin, "lot": batch.lot,
        "production_date": batch.production_date.isoformat() if batch.production_date else None,
        "expiry_date": batch.expiry_date.isoformat() if batch.expiry_date else None,
        "quantity": None if batch.quantity is None else str(batch.quantity),
        "unit": batch.unit, "location_id": batch.location_id, "status": batch.status,
        "status_reason": batch.status_reason, "expired": is_expired(batch.expiry_date),
        "codes_issued": batch.codes_issued, "notes": batch.notes,
        "digital_link": batch_digital_link(batch),
        "product": {"id": product.id, "gtin": product.gtin, "name": product.name},
        "organization": {"id": organization.id, "name": organization.name,
                         "tax_code": organization.tax_code},
        "created_at": batch.created_at.isoformat(), "updated_at": batch.updated_at.isoformat(),
    }


# --------------------------------------------------------------------------- certificates


def _check_certificate_scope(organization_id: int, data: dict) -> None:
    scope = data.get("scope_type", "organization")
    errors = {}
    if scope == "location":
        location = db.session.get(Location, data.get("location_id") or 0)
        if location is None or location.organization_id != organization_id:
            errors["location_id"] = ["Name one of this organization's locations."]
    elif scope == "product":
        product = db.session.get(Product, data.get("product_id") or 0)
        if product is None or product.organization_id != organization_id:
            errors["product_id"] = ["Name one of this organization's products."]
    if errors:
        raise ValidationFailed(errors)


def _check_certificate_rules(cert_type: str, valid_from, valid_until, star_rating) -> None:
    errors = {}
    if valid_until and valid_from and valid_until < valid_from:
        errors["valid_until"] = ["The certificate cannot end before it starts."]
    if cert_type == "ocop" and star_rating not in (3, 4, 5):
        errors["star_rating"] = ["An OCOP certificate carries its rating: 3, 4 or 5 stars."]
    if cert_type != "ocop" and star_rating is not None:
        errors["star_rating"] = ["Only OCOP certificates carry a star rating."]
    if errors:
        raise ValidationFailed(errors)


def create_certificate(actor, data: dict) -> Certificate:
    organization = _writable_organization(actor, data.get("organization_id"))
    _check_certificate_rules(data["type"], data["valid_from"], data.get("valid_until"),
                             data.get("star_rating"))
    _check_certificate_scope(organization.id, data)
    if db.session.scalar(select(Certificate.id).where(
            Certificate.issuer == data["issuer"].strip(),
            Certificate.number == data["number"].strip())):
        raise Conflict(f"Certificate {data['number']} from {data['issuer']} is already "
                       "recorded.")
    scope = data.get("scope_type", "organization")
    certificate = Certificate(
        organization_id=organization.id, type=data["type"], number=data["number"].strip(),
        issuer=data["issuer"].strip(), valid_from=data["valid_from"],
        valid_until=data.get("valid_until"), scope_type=scope,
        location_id=data.get("location_id") if scope == "location" else None,
        product_id=data.get("product_id") if scope == "product" else None,
        scope_description=data.get("scope_description", "").strip(),
        star_rating=data.get("star_rating"), document_url=data.get("document_url", "").strip(),
    )
    db.session.add(certificate)
    db.session.flush()
    audit.record(actor, "certificate.create", "certificate", certificate.id,
                 organization_id=organization.id,
                 details={"type": certificate.type, "number": certificate.number})
    _outbox("certificate", certificate)
    return certificate


def get_certificate(actor, certificate_id: int) -> Certificate:
    _require_actor(actor)
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or not can_read_organization(actor, certificate.organization):
        raise NotFound(f"Certificate {certificate_id} not found.")
    return certificate


def list_certificates(actor, *, organization_id=None):
    _require_actor(actor)
    query = select(Certificate)
    clause = _visible_org_ids_clause(actor, Certificate.organization_id)
    if clause is not None:
        query = query.where(clause)
    if organization_id:
        query = query.where(Certificate.organization_id == organization_id)
    return query.order_by(Certificate.id)


def update_certificate(actor, certificate_id: int, data: dict) -> Certificate:
    certificate = get_certificate(actor, certificate_id)
    _writable_organization(actor, certificate.organization_id)
    _check_certificate_rules(certificate.type, data.get("valid_from", certificate.valid_from),
                             data.get("valid_until", certificate.valid_until),
                             data.get("star_rating", certificate.star_rating))
    changes = _apply_changes(certificate, data)
    if changes:
        audit.record(actor, "certificate.update", "certificate", certificate.id,
                     organization_id=certificate.organization_id, details=changes)
        _outbox("certificate", certificate)
    return certificate


def certificates_for_batch(batch: Batch) -> list[Certificate]:
    """Certificates that speak for a batch: its organization's, its location's, its product's."""
    return list(db.session.scalars(
        select(Certificate).where(
            Certificate.organization_id == batch.organization_id,
            (Certificate.scope_type == "organization")
            | ((Certificate.scope_type == "product") & (Certificate.product_id == batch.product_id))
            | ((Certificate.scope_type == "location")
               & (Certificate.location_id == batch.location_id)),
        ).order_by(Certificate.valid_until.desc(), Certificate.id)
    ))


def certificate_to_dict(certificate: Certificate) -> dict:
    return {
        "id": certificate.id, "organization_id": certificate.organization_id,
        "type": certificate.type, "number": certificate.number, "issuer": certificate.issuer,
        "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat() if certificate.valid_until else None,
        "expired": is_expired(certificate.valid_until),
        "scope_type": certificate.scope_type, "location_id": certificate.location_id,
        "product_id": certificate.product_id,
        "scope_description": certificate.scope_description,
        "star_rating": certificate.star_rating, "document_url": certificate.document_url,
        "created_at": certificate.created_at.isoformat(),
        "updated_at": certificate.updated_at.isoformat(),
    }


# --------------------------------------------------------------------------- helpers


def _apply_search(query, column, q, extra=None):
    """Every word of ``q`` must appear, compared without case or diacritics."""
    for word in fold(q).split() if q else []:
        pattern = f"%{_escape_like(word)}%"
        condition = column.like(pattern, escape="\\")
        if extra is not None:
            condition = condition | extra.ilike(pattern, escape="\\")
        query = query.where(condition)
    return query


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _apply_changes(record, data: dict) -> dict:
    changes = {}
    for field, value in data.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(record, field) != value:
            setattr(record, field, value)
            changes[field] = value if not isinstance(value, date) else value.isoformat()
    return changes


def _flush_unique(message: str) -> None:
    """Flush, turning a unique-constraint race with another writer into a 409.

    The whole transaction is rolled back: the request fails and must leave nothing behind.
    (No savepoint: with pysqlite a savepoint opened before any write commits on release.)
    """
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise Conflict(message) from error
