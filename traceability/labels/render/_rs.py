"""Reed-Solomon error correction over GF(256), shared by the QR and Data Matrix encoders.

QR Code uses the field polynomial 0x11D with generator roots a^0..a^(n-1);
Data Matrix ECC 200 uses 0x12D with roots a^1..a^n.
"""

from __future__ import annotations

from functools import cache


class ReedSolomon:
    """Systematic RS encoder; ``ecc(data, n)`` returns the ``n`` check bytes."""

    def __init__(self, primitive: int, first_root: int) -> None:
        exp = [0] * 512
        log = [0] * 256
        x = 1
        for i in range(255):
            exp[i] = x
            log[x] = i
            x <<= 1
            if x & 0x100:
                x ^= primitive
        for i in range(255, 512):
            exp[i] = exp[i - 255]
        self._exp = exp
        self._log = log
        self._first_root = first_root
        # One table of shifted generator multiples per degree (see _table).
        self._table = cache(self._build_table)

    def mul(self, a: int, b: int) -> int:
        if a == 0 or b == 0:
            return 0
        return self._exp[self._log[a] + self._log[b]]

    def generator(self, degree: int) -> list[int]:
        """Generator polynomial coefficients, highest power first (leading 1 included)."""
        gen = [1]
        for i in range(degree):
            root = self._exp[(self._first_root + i) % 255]
            nxt = gen + [0]
            for j, coef in enumerate(gen):
                nxt[j + 1] ^= self.mul(coef, root)
            gen = nxt
        return gen

    def _build_table(self, degree: int) -> tuple[int, ...]:
        # table[f] = the non-leading generator coefficients multiplied by f, packed big-endian
        # into one integer, so one long-division step is a shift and an XOR.
        gen = self.generator(degree)[1:]
        table = []
        for factor in range(256):
            value = 0
            for coef in gen:
                value = (value << 8) | self.mul(coef, factor)
            table.append(value)
        return tuple(table)

    def ecc(self, data: bytes | bytearray, degree: int) -> bytes:
        table = self._table(degree)
        shift = 8 * (degree - 1)
        mask = (1 << (8 * degree)) - 1
        rem = 0
        for byte in data:
            rem = ((rem << 8) & mask) ^ table[(rem >> shift) ^ byte]
        return rem.to_bytes(degree, "big")


QR_RS = ReedSolomon(0x11D, 0)
DATAMATRIX_RS = ReedSolomon(0x12D, 1)
