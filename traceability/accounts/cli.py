"""``flask users …``: bootstrap accounts from the shell."""

import click
from flask.cli import with_appcontext

from ..errors import ServiceError
from ..extensions import db
from . import services
from .models import ROLES


@click.group("users", help="Manage accounts.")
def cli():
    pass


@cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--org", "organization_id", type=int, default=None,
              help="Organization id (business accounts).")
@click.option("--name", default="")
@click.option("--password", default=None, help="Password for signing in to the web pages.")
@click.option("--province", "provinces", multiple=True,
              help="Limit an inspector to a province (repeatable).")
@click.option("--sector", "sectors", multiple=True,
              help="Limit an inspector to a sector, e.g. rice (repeatable).")
@with_appcontext
def create(email, role, organization_id, name, password, provinces, sectors):
    """Create an account; its new API key is printed alone on the last line."""
    try:
        user = services.create_user(email, role, organization_id=organization_id, name=name,
                                    password=password, scope_provinces=list(provinces),
                                    scope_sectors=list(sectors))
        _, plain = services.issue_api_key(user, "cli")
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in (error.errors or {}).items())
        raise click.ClickException(f"{error.detail} {details}".strip()) from error
    click.echo(f"Created {user.role} account {user.email} (id {user.id}).", err=True)
    click.echo(plain)


@cli.command("revoke-key")
@click.argument("prefix")
@with_appcontext
def revoke_key(prefix):
    """Revoke the API key with this public prefix."""
    from sqlalchemy import select

    from .models import ApiKey

    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None:
        raise click.ClickException(f"No API key with prefix {prefix}.")
    services.revoke_api_key(key.user, key.id)
    db.session.commit()
    click.echo(f"Revoked key {prefix}.")
