"""``flask resolver …``: extra resolver links from the shell."""

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..errors import ServiceError
from ..extensions import db
from ..registry.cli import OperatorActor
from . import services


@click.group("resolver", help="GS1 resolver: extra links.")
def cli():
    pass


@cli.command("import-links")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_links(paths):
    """Record links from JSON files in the GS1 Resolver CE data-entry format."""
    total = 0
    try:
        for path in paths:
            try:
                documents = json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise click.ClickException(f"{path}: not valid JSON ({error})") from error
            total += services.import_links(OperatorActor(), documents)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        for name, messages in (error.errors or {}).items():
            click.echo(f"{name}: {' '.join(messages)}", err=True)
        raise click.ClickException(error.detail) from error
    click.echo(f"{total} link(s) recorded.")
