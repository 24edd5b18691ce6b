"""PDFs built to hurt a parser: a decompression bomb, deep nesting, a content stream that keeps pdfminer busy."""

from __future__ import annotations

import zlib
from pathlib import Path


def pdf(objects: list[bytes]) -> bytes:
    """A well-formed PDF of `objects` (1: catalog, 2: pages, ...), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def one_page(content: bytes, *, filtered: bool = False, extra: bytes = b"") -> bytes:
    """A one-page PDF whose page content stream is `content` (already Flate-compressed if `filtered`)."""
    stream_dict = b"<< /Length %d%s >>" % (len(content), b" /Filter /FlateDecode" if filtered else b"")
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >>" + extra + b" >>",
        stream_dict + b"\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def decompression_bomb(gigabytes: float = 2.0) -> bytes:
    """A page whose ~2 MB FlateDecode content stream inflates to `gigabytes` GB of spaces."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate: header and checksum written here
    chunk = b" " * (1 << 24)
    chunks = int(gigabytes * 64)
    # After a full flush the compressor forgets its history, so every later chunk packs the same.
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    body = first + again * (chunks - 2) + packer.compress(chunk) + packer.flush()
    n, c, m = chunks * len(chunk), ord(" "), 65521
    adler = ((n + c * n * (n + 1) // 2) % m) << 16 | (1 + n * c) % m
    return one_page(b"\x78\xda" + body + adler.to_bytes(4, "big"), filtered=True)


def deeply_nested(depth: int = 100_000) -> bytes:
    """A page dictionary holding an array nested `depth` deep."""
    return one_page(b"BT /F1 9 Tf 72 720 Td (Total) Tj ET", extra=b" /Junk " + b"[" * depth + b"]" * depth)


def busy(operators: int = 3_000_000) -> bytes:
    """A page of `operators` tiny text-showing operators: cheap to store, slow to lay out."""
    body = b"BT /F1 1 Tf " + b"1 0 Td (1) Tj " * operators + b"ET"
    return one_page(zlib.compress(body, 9), filtered=True)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
