"""``flask gateway …``: the sync worker, the simulator, reconciliation, requeue."""

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from . import outbox


@click.group("gateway", help="Sync with the national traceability gateway.")
def cli():
    pass


@cli.command("worker")
@click.option("--until-idle", is_flag=True, help="Stop once nothing is due.")
@click.option("--batch-size", default=20, show_default=True)
@click.option("--poll", "poll_interval", default=1.0, show_default=True,
              help="Seconds between looks when idle.")
@click.option("--dry-run", is_flag=True, default=None,
              help="Record what would be sent without sending (or GATEWAY_DRY_RUN).")
@with_appcontext
def worker_command(until_idle, batch_size, poll_interval, dry_run):
    """Deliver outbox messages until SIGTERM."""
    from .worker import SyncWorker

    worker = SyncWorker(current_app._get_current_object(), batch_size=batch_size,
                        poll_interval=poll_interval, dry_run=dry_run)
    worker.install_signal_handlers()
    click.echo(f"gateway worker {worker.worker_id} → {current_app.config['GATEWAY_URL']}"
               f"{' (dry run)' if worker.dry_run else ''}", err=True)
    delivered = worker.run(until_idle=until_idle)
    click.echo(f"worker stopped; {delivered} message(s) delivered", err=True)


@cli.command("simulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True)
def simulator_command(host, port):
    """Serve the gateway simulator (its own database and settings: SIM_* variables)."""
    from .simulator import run_simulator

    run_simulator(host=host, port=port)


@cli.command("status")
@with_appcontext
def status_command():
    """Outbox counts by state."""
    info = outbox.status()
    for state, count in info["counts"].items():
        click.echo(f"{state:>11}: {count}")
    if info["oldest_pending_age_seconds"] is not None:
        click.echo(f"oldest pending: {info['oldest_pending_age_seconds']:.0f} s")


@cli.command("requeue")
@click.argument("message_ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Requeue every dead message.")
@with_appcontext
def requeue_command(message_ids, all_dead):
    """Put dead (or rejected) messages back in the queue."""
    ids = list(message_ids)
    if all_dead:
        ids += db.session.scalars(select(outbox.OutboxMessage.id)
                                  .where(outbox.OutboxMessage.state == "dead"))
    count = sum(1 for message_id in ids if outbox.requeue(message_id) is not None)
    db.session.commit()
    click.echo(f"{count} message(s) requeued.")


@cli.command("reconcile")
@with_appcontext
def reconcile_command():
    """Compare the gateway's lots with ours and queue again what it is missing."""
    from .reconcile import reconcile

    report = reconcile()
    db.session.commit()
    click.echo(f"{report['organizations']} organization(s) checked, {report['local_lots']} "
               f"local lot(s), {report['missing']} missing at the gateway, "
               f"{report['requeued']} queued again.")
    for problem in report["errors"]:
        click.echo(f"  {problem}", err=True)
    if report["errors"]:
        raise SystemExit(1)
