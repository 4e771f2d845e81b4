"""``flask audit verify``, ``flask gs1 parse CODE``, ``flask oversight notify``."""

import json

import click
from flask.cli import with_appcontext

from ..errors import ServiceError
from . import audit, codes


@click.group("audit", help="The audit log.")
def audit_cli():
    pass


@audit_cli.command("verify")
@with_appcontext
def verify():
    """Check the audit hash chain; name the first broken entry (exit 1)."""
    report = audit.verify_chain()
    if report.ok:
        click.echo(f"Audit chain intact: {report.checked} entries verified.")
        return
    click.echo(f"Audit chain BROKEN at entry {report.first_broken_seq}: {report.reason} "
               f"({report.checked} entries verified before it).", err=True)
    raise SystemExit(1)


@click.group("gs1", help="GS1 codes.")
def gs1_cli():
    pass


@gs1_cli.command("parse")
@click.argument("code")
@with_appcontext
def parse(code):
    """Parse a Digital Link, element string, scanner string or GTIN ({GS} for separators)."""
    try:
        parsed = codes.parse(code)
    except ServiceError as error:
        for message in (error.errors or {}).get("code", [error.detail]):
            click.echo(message, err=True)
        raise SystemExit(2) from error
    click.echo(json.dumps(codes.describe(parsed), ensure_ascii=False, indent=2))


@click.group("oversight", help="Recall notices and other oversight chores.")
def oversight_cli():
    pass


@oversight_cli.command("notify")
@with_appcontext
def notify():
    """Send the recall notices that are due (email and webhooks)."""
    from .notifications import deliver_due

    click.echo(f"{deliver_due()} notice(s) sent.")


cli = (audit_cli, gs1_cli, oversight_cli)
