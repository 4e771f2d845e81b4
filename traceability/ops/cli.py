"""``flask ops backup`` / ``flask ops restore``."""

from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from . import backup as backups


@click.group("ops", help="Operations: backups and restores.")
def cli():
    pass


@cli.command("backup")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Backup file (default: instance/backups/<time>.backup).")
@with_appcontext
def backup_command(out_path):
    """Back up the database (consistent snapshot; safe while the service runs)."""
    if out_path is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out_path = Path(current_app.instance_path) / "backups" / f"traceability-{stamp}.backup"
    try:
        written = backups.backup(out_path)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {written} ({written.stat().st_size:,} bytes).")


@cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(source, yes):
    """Replace the database's content with a backup (stop the service first)."""
    if not yes:
        click.confirm(f"Replace everything in the database with {source}?", abort=True)
    try:
        backups.restore(source)
    except (RuntimeError, FileNotFoundError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Database restored from {source}. Run 'flask audit verify' to check it.")
