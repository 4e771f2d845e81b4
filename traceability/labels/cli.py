"""``flask labels print BATCH_ID --serials N --out FILE.pdf``."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..errors import ServiceError
from ..extensions import db
from ..registry.cli import OperatorActor
from . import render, services


@click.group("labels", help="Codes and label sheets.")
def cli():
    pass


@cli.command("print")
@click.argument("batch_id", type=int)
@click.option("--serials", "serial_count", type=click.IntRange(0, 1_000_000), default=0,
              help="Issue this many new serials and print one label each.")
@click.option("--copies", type=click.IntRange(0, 1_000_000), default=0,
              help="Without serials: this many labels of the batch code.")
@click.option("--stock", type=click.Choice(sorted(render.STOCKS)), default="a4-3x8-70x37",
              show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True)
@with_appcontext
def print_labels(batch_id, serial_count, copies, stock, out_path):
    """Issue serials for a batch (if asked) and print them on a PDF label sheet."""
    operator = OperatorActor()
    try:
        batch = services._issuable_batch(operator, batch_id)
        run = services.issue_serials(operator, batch_id, serial_count) if serial_count else None
        services.mark_codes_issued(batch)
        total = run.count if run else (copies or render.get_stock(stock).per_page)
        db.session.commit()
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.detail + " " + "; ".join(
            f"{k}: {' '.join(v)}" for k, v in (error.errors or {}).items())) from error
    partial = out_path.with_name(out_path.name + ".part")
    with click.progressbar(length=total, label="Labels", file=click.get_text_stream("stderr")) \
            as bar, open(partial, "wb") as out:
        done_before = 0

        def progress(done, _pages):
            nonlocal done_before
            bar.update(done - done_before)
            done_before = done

        result = services.write_sheet(batch, out, stock=stock, run=run, copies=total,
                                      progress=progress)
    partial.replace(out_path)
    click.echo(f"{result.labels} labels on {result.pages} pages written to {out_path}"
               + (f" (print run {run.id})" if run else ""))
