"""``flask registry …``: imports from the shell."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..errors import ServiceError
from ..extensions import db
from . import imports


class OperatorActor:
    """The person at the server's shell: acts with an administrator's rights."""

    id = None
    email = "cli-operator"
    role = "admin"
    organization_id = None
    provinces: list = []
    sectors: list = []
    is_admin, is_inspector, is_business = True, False, False


@click.group("registry", help="Registry records: imports.")
def cli():
    pass


@cli.command("import")
@click.argument("kind", type=click.Choice(["products", "batches"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "organization_id", type=int, required=True, help="Organization id.")
@click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
@with_appcontext
def import_file(kind, path, organization_id, dry_run):
    """Import products or batches from a .csv or .xlsx file (all or nothing)."""
    importer = imports.import_products if kind == "products" else imports.import_batches
    try:
        report = importer(OperatorActor(), path.name, path.read_bytes(),
                          organization_id=organization_id, dry_run=dry_run)
    except ServiceError as error:
        db.session.rollback()
        for line in (error.errors or {}).get("rows", []):
            click.echo(line, err=True)
        for name, messages in (error.errors or {}).items():
            if name != "rows":
                click.echo(f"{name}: {' '.join(messages)}", err=True)
        raise click.ClickException(error.detail) from error
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(f"{report.rows} rows: {report.created} created, {report.updated} updated, "
               f"{report.unchanged} unchanged{' (dry run, nothing written)' if dry_run else ''}.")
