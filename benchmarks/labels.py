"""Label sheet throughput vs. the plain ``qrcode`` library, plus peak memory.

    .venv/bin/python benchmarks/labels.py                   # 10,000 labels, same-run baseline
    .venv/bin/python benchmarks/labels.py --count 100000 --baseline-count 0   # memory check

The sheet: ``--count`` labels with Digital Links
https://id.example.vn/01/08931234567890/10/LOT2026A/21/<random 10-char serial>, rendered to a
PDF file (A4 3 x 8 by default) by ``render_label_sheet``. The baseline: ``qrcode.make(url)
.save(BytesIO())`` for the same URLs (the first ``--baseline-count`` of them, default all up to
10,000). Peak RSS (``ru_maxrss``) is read right after the sheet run, before the baseline.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import random
import resource
import string
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qrcode  # noqa: E402

from traceability.labels.render import LabelData, get_stock, render_label_sheet  # noqa: E402

ALPHABET = string.ascii_letters + string.digits


def serials(count: int, seed: int) -> Iterator[str]:
    rnd = random.Random(seed)
    for _ in range(count):
        yield "".join(rnd.choices(ALPHABET, k=10))


def url(serial: str) -> str:
    return f"https://id.example.vn/01/08931234567890/10/LOT2026A/21/{serial}"


def labels(count: int, seed: int) -> Iterator[LabelData]:
    for serial in serials(count, seed):
        yield LabelData(url(serial), "Cà phê sữa đá Việt Nam – hộp 20 gói", "LOT2026A",
                        date(2026, 3, 1), date(2027, 3, 1), serial)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="labels in the sheet")
    parser.add_argument("--baseline-count", type=int, default=None,
                        help="QR PNGs for the baseline (default: min(count, 10000); 0 skips)")
    parser.add_argument("--stock", default="a4-3x8-70x37")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, help="keep the PDF here (default: temporary file)")
    args = parser.parse_args(argv)
    baseline_count = (min(args.count, 10_000) if args.baseline_count is None
                      else args.baseline_count)
    stock = get_stock(args.stock)

    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs (single-threaded run)")
    print(f"sheet: {args.count:,} labels on {stock.name} ({stock.per_page} per page)")

    target = args.out
    tmp = None
    if target is None:
        tmp = tempfile.NamedTemporaryFile(suffix=".pdf", delete=False)  # noqa: SIM115
        tmp.close()
        target = Path(tmp.name)
    try:
        started = time.perf_counter()
        with open(target, "wb") as out:
            result = render_label_sheet(labels(args.count, args.seed), stock, out)
        elapsed = time.perf_counter() - started
        size = target.stat().st_size
    finally:
        if tmp is not None:
            os.unlink(tmp.name)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sheet_rate = result.labels / elapsed
    print(f"  {result.labels:,} labels, {result.pages:,} pages, {size / 1e6:.1f} MB PDF "
          f"in {elapsed:.2f} s -> {sheet_rate:,.0f} labels/s")
    print(f"  peak RSS after the sheet run: {peak_mb:.0f} MB")

    if baseline_count:
        urls = [url(s) for s in serials(baseline_count, args.seed)]
        started = time.perf_counter()
        for link in urls:
            qrcode.make(link).save(io.BytesIO())
        base_elapsed = time.perf_counter() - started
        base_rate = baseline_count / base_elapsed
        print(f"baseline: qrcode.make(url).save(BytesIO()) x {baseline_count:,} "
              f"in {base_elapsed:.2f} s -> {base_rate:,.0f} codes/s")
        print(f"ratio: {sheet_rate / base_rate:.1f}x the baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
