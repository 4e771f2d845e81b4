"""Parse throughput: traceability.gs1 vs biip on the same element strings and Digital Links.

Run: ``.venv/bin/python benchmarks/gs1_parse.py [--n 2000] [--repeat 5]``. Prints parses per
second for both libraries and the ratio. Our parser validates fully (check digits, dates,
character sets, content linters, AI associations); biip checks less.
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import biip  # noqa: E402

from traceability.gs1 import check_digit, parse_code  # noqa: E402

GS = "\x1d"
LOT_CHARS = string.ascii_uppercase + string.digits + "-/"


def _gtin(rng: random.Random) -> str:
    body = "0893" + "".join(rng.choice(string.digits) for _ in range(9))
    return body + str(check_digit(body))


def _date(rng: random.Random) -> str:
    return f"{rng.randint(24, 35):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"


def _text(rng: random.Random, low: int, high: int) -> str:
    return "".join(rng.choice(LOT_CHARS) for _ in range(rng.randint(low, high)))


def make_inputs(n: int, seed: int = 2026) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    raw: list[str] = []
    links: list[str] = []
    for i in range(n):
        gtin, lot, serial, expiry = _gtin(rng), _text(rng, 3, 12), _text(rng, 4, 16), _date(rng)
        if i % 3 == 0:
            raw.append(f"01{gtin}17{expiry}10{lot}{GS}21{serial}")
        elif i % 3 == 1:
            raw.append(f"01{gtin}10{lot}{GS}3103{rng.randint(0, 999999):06d}15{expiry}")
        else:
            raw.append(f"01{gtin}21{serial}")
        lot_q, serial_q = quote(lot, safe=""), quote(serial, safe="")
        links.append(
            f"https://qr.example.vn/01/{gtin}/10/{lot_q}/21/{serial_q}?17={expiry}"
            if i % 2 == 0
            else f"https://id.gs1.org/01/{gtin}/10/{lot_q}?15={expiry}"
        )
    return raw, links


def rate(parse: Callable[[str], object], inputs: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in inputs:
            parse(text)
        best = min(best, time.perf_counter() - start)
    return len(inputs) / best


def ours(text: str) -> object:
    return parse_code(text)


def theirs(text: str) -> object:
    return biip.parse(text)


def check(raw: list[str], links: list[str]) -> None:
    """Both libraries understand every input the same way before we time them."""
    for text in raw:
        mine = parse_code(text).elements
        other = biip.parse(text).gs1_message
        assert other is not None, text
        assert [(e.ai.ai, e.value) for e in other.element_strings] == mine, text
    for text in links:
        assert parse_code(text).kind == "digital_link"
        assert biip.parse(text).gs1_web_uri is not None, text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="inputs per kind")
    parser.add_argument("--repeat", type=int, default=5, help="timing repetitions (best kept)")
    args = parser.parse_args()
    raw, links = make_inputs(args.n)
    check(raw, links)
    print(f"{args.n} inputs per kind, best of {args.repeat} runs; parses per second")
    print(f"{'input':<22}{'traceability.gs1':>18}{'biip':>12}{'ratio':>9}")
    for label, inputs in (("element strings (GS)", raw), ("Digital Link URIs", links),
                          ("both", raw + links)):
        a = rate(ours, inputs, args.repeat)
        b = rate(theirs, inputs, args.repeat)
        print(f"{label:<22}{a:>18,.0f}{b:>12,.0f}{a / b:>8.1f}x")


if __name__ == "__main__":
    main()
