"""Registry API: thin routes over ``services``."""

from werkzeug.datastructures import FileStorage

from ..apiutil import (
    IF_MATCH,
    accepts_files,
    actor,
    api_blueprint,
    check_if_match,
    etag_of,
    page_schema,
    paginate,
)
from ..errors import ValidationFailed
from ..extensions import db, limiter
from . import imports, services
from .schemas import (
    BatchInput,
    BatchListArgs,
    BatchOut,
    BatchPatch,
    CertificateInput,
    CertificateOut,
    CertificatePatch,
    DecisionInput,
    ImportForm,
    ImportReportOut,
    ListArgs,
    LocationInput,
    LocationOut,
    LocationPatch,
    OrganizationInput,
    OrganizationListArgs,
    OrganizationOut,
    OrganizationPatch,
    ProductInput,
    ProductListArgs,
    ProductOut,
    ProductPatch,
)

blp = api_blueprint("registry", __name__, "Organizations, locations, products, batches, "
                    "certificates")

ETAG_HEADER = {"ETag": {"description": "Version of the record; send it back as If-Match",
                        "schema": {"type": "string"}}}


def _one(payload: dict, status: int = 200):
    return payload, status, {"ETag": etag_of(payload)}


def _patch(load_current, serialize, update, data):
    """Apply a PATCH only when If-Match names the version the client read."""
    record = load_current()
    check_if_match(serialize(record), required=True)
    record = update(data)
    db.session.commit()
    return _one(serialize(record))


# ------------------------------------------------------------------- organizations


@blp.route("/organizations", methods=["POST"])
@limiter.limit("20 per hour", exempt_when=lambda: actor() is not None)
@blp.arguments(OrganizationInput)
@blp.response(201, OrganizationOut, headers=ETAG_HEADER)
@blp.errors(403, 409, 429)
def create_organization(data):
    """Register an organization.

    An admin's is approved at once; anyone else's is pending until approved. Without an API
    key, this is self-registration: ``account_email`` names the business account created with
    the organization, and its API key is in this answer only.
    """
    organization, plain_key = services.create_organization(actor(), data)
    db.session.commit()
    payload = services.organization_to_dict(organization)
    if plain_key:
        payload["api_key"] = plain_key
    return _one(payload, 201)


@blp.route("/organizations")
@blp.arguments(OrganizationListArgs, location="query")
@blp.response(200, page_schema(OrganizationOut, "OrganizationPage"))
def list_organizations(args):
    """Organizations you may see, filtered and paged, oldest first."""
    query = services.list_organizations(actor(), q=args["q"], status=args["status"],
                                        province=args["province"])
    return paginate(query, args["page"], args["per_page"], services.organization_to_dict)


@blp.route("/organizations/<int:organization_id>")
@blp.response(200, OrganizationOut, headers=ETAG_HEADER)
@blp.errors(404)
def get_organization(organization_id):
    """One organization."""
    return _one(services.organization_to_dict(
        services.get_organization(actor(), organization_id)))


@blp.route("/organizations/<int:organization_id>", methods=["PATCH"])
@blp.arguments(OrganizationPatch)
@blp.response(200, OrganizationOut, headers=ETAG_HEADER)
@blp.errors(403, 404, 409, 412, 428)
@blp.doc(parameters=[IF_MATCH])
def update_organization(data, organization_id):
    """Change an organization's details (send If-Match with the ETag you read)."""
    return _patch(lambda: services.get_organization(actor(), organization_id),
                  services.organization_to_dict,
                  lambda d: services.update_organization(actor(), organization_id, d), data)


@blp.route("/organizations/<int:organization_id>/approve", methods=["POST"])
@blp.arguments(DecisionInput)
@blp.response(200, OrganizationOut)
@blp.errors(403, 404)
def approve_organization(data, organization_id):
    """Approve a pending organization (admin)."""
    organization = services.decide_organization(actor(), organization_id, "approved",
                                                data["reason"])
    db.session.commit()
    return services.organization_to_dict(organization)


@blp.route("/organizations/<int:organization_id>/reject", methods=["POST"])
@blp.arguments(DecisionInput)
@blp.response(200, OrganizationOut)
@blp.errors(403, 404)
def reject_organization(data, organization_id):
    """Reject an organization's registration with the reason (admin)."""
    organization = services.decide_organization(actor(), organization_id, "rejected",
                                                data["reason"])
    db.session.commit()
    return services.organization_to_dict(organization)


# ------------------------------------------------------------------- locations


@blp.route("/locations", methods=["POST"])
@blp.arguments(LocationInput)
@blp.response(201, LocationOut, headers=ETAG_HEADER)
@blp.errors(403, 404, 409)
def create_location(data):
    """Register a location (farm, growing area, factory, warehouse, shop…) with its GLN."""
    location = services.create_location(actor(), data)
    db.session.commit()
    return _one(services.location_to_dict(location), 201)


@blp.route("/locations")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(LocationOut, "LocationPage"))
def list_locations(args):
    """Locations you may see."""
    query = services.list_locations(actor(), q=args["q"], organization_id=args["organization_id"])
    return paginate(query, args["page"], args["per_page"], services.location_to_dict)


@blp.route("/locations/<int:location_id>")
@blp.response(200, LocationOut, headers=ETAG_HEADER)
@blp.errors(404)
def get_location(location_id):
    """One location."""
    return _one(services.location_to_dict(services.get_location(actor(), location_id)))


@blp.route("/locations/<int:location_id>", methods=["PATCH"])
@blp.arguments(LocationPatch)
@blp.response(200, LocationOut, headers=ETAG_HEADER)
@blp.errors(403, 404, 412, 428)
@blp.doc(parameters=[IF_MATCH])
def update_location(data, location_id):
    """Change a location (If-Match required)."""
    return _patch(lambda: services.get_location(actor(), location_id),
                  services.location_to_dict,
                  lambda d: services.update_location(actor(), location_id, d), data)


# ------------------------------------------------------------------- products


@blp.route("/products", methods=["POST"])
@blp.arguments(ProductInput)
@blp.response(201, ProductOut, headers=ETAG_HEADER)
@blp.errors(403, 404, 409)
def create_product(data):
    """Register a product by its GTIN (stored and returned as 14 digits)."""
    product = services.create_product(actor(), data)
    db.session.commit()
    return _one(services.product_to_dict(product), 201)


@blp.route("/products")
@blp.arguments(ProductListArgs, location="query")
@blp.response(200, page_schema(ProductOut, "ProductPage"))
def list_products(args):
    """Products you may see; ``q`` matches name, brand or GTIN with or without diacritics."""
    query = services.list_products(actor(), q=args["q"], gtin=args["gtin"],
                                   organization_id=args["organization_id"],
                                   sector=args["sector"])
    return paginate(query, args["page"], args["per_page"], services.product_to_dict)


@blp.route("/products/<int:product_id>")
@blp.response(200, ProductOut, headers=ETAG_HEADER)
@blp.errors(404)
def get_product(product_id):
    """One product, with what it still lacks under Circular 02/2024."""
    return _one(services.product_to_dict(services.get_product(actor(), product_id)))


@blp.route("/products/<int:product_id>", methods=["PATCH"])
@blp.arguments(ProductPatch)
@blp.response(200, ProductOut, headers=ETAG_HEADER)
@blp.errors(403, 404, 412, 428)
@blp.doc(parameters=[IF_MATCH])
def update_product(data, product_id):
    """Change a product (If-Match required)."""
    return _patch(lambda: services.get_product(actor(), product_id),
                  services.product_to_dict,
                  lambda d: services.update_product(actor(), product_id, d), data)


# ------------------------------------------------------------------- batches


@blp.route("/batches", methods=["POST"])
@blp.arguments(BatchInput)
@blp.response(201, BatchOut, headers=ETAG_HEADER)
@blp.errors(403, 404, 409)
def create_batch(data):
    """Register a production batch (lot); the answer carries its Digital Link."""
    batch = services.create_batch(actor(), data)
    db.session.commit()
    return _one(services.batch_to_dict(batch), 201)


@blp.route("/batches")
@blp.arguments(BatchListArgs, location="query")
@blp.response(200, page_schema(BatchOut, "BatchPage"))
def list_batches(args):
    """Batches you may see, by GTIN, lot, product, status or organization."""
    query = services.list_batches(actor(), gtin=args["gtin"], lot=args["lot"],
                                  product_id=args["product_id"], status=args["status"],
                                  organization_id=args["organization_id"], q=args["q"])
    return paginate(query, args["page"], args["per_page"], services.batch_to_dict)


@blp.route("/batches/<int:batch_id>")
@blp.response(200, BatchOut, headers=ETAG_HEADER)
@blp.errors(404)
def get_batch(batch_id):
    """One batch with its product, organization and status."""
    return _one(services.batch_to_dict(services.get_batch(actor(), batch_id)))


@blp.route("/batches/<int:batch_id>", methods=["PATCH"])
@blp.arguments(BatchPatch)
@blp.response(200, BatchOut, headers=ETAG_HEADER)
@blp.errors(403, 404, 409, 412, 428)
@blp.doc(parameters=[IF_MATCH])
def update_batch(data, batch_id):
    """Change a batch's dates, quantity or location (If-Match required)."""
    return _patch(lambda: services.get_batch(actor(), batch_id), services.batch_to_dict,
                  lambda d: services.update_batch(actor(), batch_id, d), data)


@blp.route("/batches/<int:batch_id>/void", methods=["POST"])
@blp.arguments(DecisionInput)
@blp.response(200, BatchOut)
@blp.errors(403, 404, 409)
def void_batch(data, batch_id):
    """Void a batch: its printed codes stay and say so when scanned."""
    batch = services.void_batch(actor(), batch_id, data["reason"])
    db.session.commit()
    return services.batch_to_dict(batch)


@blp.route("/batches/<int:batch_id>", methods=["DELETE"])
@blp.response(204)
@blp.errors(403, 404, 409)
def delete_batch(batch_id):
    """Delete a batch no code points to yet (otherwise 409: void it instead)."""
    services.delete_batch(actor(), batch_id)
    db.session.commit()
    return ""


# ------------------------------------------------------------------- certificates


@blp.route("/certificates", methods=["POST"])
@blp.arguments(CertificateInput)
@blp.response(201, CertificateOut, headers=ETAG_HEADER)
@blp.errors(403, 404, 409)
def create_certificate(data):
    """Record a certificate (VietGAP, GlobalGAP, organic, OCOP, HACCP, ISO 22000, hợp quy…)."""
    certificate = services.create_certificate(actor(), data)
    db.session.commit()
    return _one(services.certificate_to_dict(certificate), 201)


@blp.route("/certificates")
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(CertificateOut, "CertificatePage"))
def list_certificates(args):
    """Certificates you may see; expired ones are marked ``expired``."""
    query = services.list_certificates(actor(), organization_id=args["organization_id"])
    return paginate(query, args["page"], args["per_page"], services.certificate_to_dict)


@blp.route("/certificates/<int:certificate_id>")
@blp.response(200, CertificateOut, headers=ETAG_HEADER)
@blp.errors(404)
def get_certificate(certificate_id):
    """One certificate."""
    return _one(services.certificate_to_dict(services.get_certificate(actor(), certificate_id)))


@blp.route("/certificates/<int:certificate_id>", methods=["PATCH"])
@blp.arguments(CertificatePatch)
@blp.response(200, CertificateOut, headers=ETAG_HEADER)
@blp.errors(403, 404, 412, 428)
@blp.doc(parameters=[IF_MATCH])
def update_certificate(data, certificate_id):
    """Change a certificate's validity or details (If-Match required)."""
    return _patch(lambda: services.get_certificate(actor(), certificate_id),
                  services.certificate_to_dict,
                  lambda d: services.update_certificate(actor(), certificate_id, d), data)




# ------------------------------------------------------------------- imports


def _run_import(importer, form: dict):
    upload = form["file"]
    if not isinstance(upload, FileStorage) or not upload.filename:
        raise ValidationFailed({"file": ["Attach the .csv or .xlsx file as 'file'."]})
    report = importer(actor(), upload.filename, upload.read(),
                      organization_id=form["organization_id"], dry_run=form["dry_run"])
    if form["dry_run"]:
        db.session.rollback()
    else:
        db.session.commit()
    return report.to_dict()


@blp.route("/imports/products", methods=["POST"])
@accepts_files
@blp.arguments(ImportForm, location="files")
@blp.response(200, ImportReportOut)
@blp.errors(403, 404)
def import_products(form):
    """Import products from CSV or .xlsx (all or nothing; re-running is harmless).

    Columns are the API's field names (gtin, name, brand, net_content, unit, image_urls,
    standards, shelf_life_days…); list cells are separated by '|'. Form fields:
    ``organization_id`` (admins), ``dry_run``.
    """
    return _run_import(imports.import_products, form)


@blp.route("/imports/batches", methods=["POST"])
@accepts_files
@blp.arguments(ImportForm, location="files")
@blp.response(200, ImportReportOut)
@blp.errors(403, 404)
def import_batches(form):
    """Import batches from CSV or .xlsx: gtin, lot, production_date, expiry_date, quantity,
    unit, location_id, notes (all or nothing; re-running is harmless)."""
    return _run_import(imports.import_batches, form)
