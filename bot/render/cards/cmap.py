"""Which characters a font file has: its Unicode character map, read straight from the file.

fontTools would decompile the glyph order first, which for Noto Sans CJK means parsing its
30 MB CFF table (26 MB resident, for good); this reads only the 'cmap' table (format 12 or 4).
"""

from __future__ import annotations

import struct
from pathlib import Path

#: Preferred subtables, best first: (platform, encoding) of full Unicode, then the BMP.
_PREFERRED = ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3))


def code_points(file: Path, number: int = 0) -> frozenset[int]:
    """Return the code points a font (the number-th of a collection) maps to a glyph."""
    with file.open("rb") as stream:
        start = 0
        if stream.read(4) == b"ttcf":
            stream.seek(12 + 4 * number)
            (start,) = struct.unpack(">I", stream.read(4))
        stream.seek(start + 4)
        (tables,) = struct.unpack(">H", stream.read(2))
        stream.seek(start + 12)
        directory = stream.read(16 * tables)
        for entry in range(tables):
            tag, _, offset, length = struct.unpack_from(">4sIII", directory, 16 * entry)
            if tag == b"cmap":
                stream.seek(offset)
                return _parse(stream.read(length))
    raise ValueError(f"{file.name} has no cmap table")


def _parse(table: bytes) -> frozenset[int]:
    """Return the code points of a cmap table's best Unicode subtable."""
    (count,) = struct.unpack_from(">H", table, 2)
    subtables = {}
    for entry in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", table, 4 + 8 * entry)
        (fmt,) = struct.unpack_from(">H", table, offset)
        if fmt in (4, 12):
            subtables.setdefault((platform, encoding), (fmt, offset))
    for key in _PREFERRED:
        if key in subtables:
            fmt, offset = subtables[key]
            return _format12(table, offset) if fmt == 12 else _format4(table, offset)
    raise ValueError("no Unicode cmap subtable of format 4 or 12")


def _format12(table: bytes, offset: int) -> frozenset[int]:
    """Return the code points of a format 12 subtable (groups of consecutive characters)."""
    (groups,) = struct.unpack_from(">I", table, offset + 12)
    codes: set[int] = set()
    for group in range(groups):
        first, last, glyph = struct.unpack_from(">III", table, offset + 16 + 12 * group)
        codes.update(range(first + (glyph == 0), last + 1))
    return frozenset(codes)


def _format4(table: bytes, offset: int) -> frozenset[int]:
    """Return the code points of a format 4 subtable (segments of the BMP)."""
    (doubled,) = struct.unpack_from(">H", table, offset + 6)
    segments = doubled // 2
    ends = struct.unpack_from(f">{segments}H", table, offset + 14)
    starts = struct.unpack_from(f">{segments}H", table, offset + 16 + doubled)
    deltas = struct.unpack_from(f">{segments}h", table, offset + 16 + 2 * doubled)
    ranges_at = offset + 16 + 3 * doubled
    ranges = struct.unpack_from(f">{segments}H", table, ranges_at)
    codes: set[int] = set()
    for index, (first, last, delta, shift) in enumerate(
        zip(starts, ends, deltas, ranges, strict=True)
    ):
        for code in range(first, last + 1):
            if code == 0xFFFF:
                continue
            if shift == 0:
                glyph = (code + delta) & 0xFFFF
            else:
                at = ranges_at + 2 * index + shift + 2 * (code - first)
                (glyph,) = struct.unpack_from(">H", table, at)
                glyph = (glyph + delta) & 0xFFFF if glyph else 0
            if glyph:
                codes.add(code)
    return frozenset(codes)
