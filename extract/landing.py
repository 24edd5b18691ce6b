"""The raw landing zone: each distinct content stored once as `<sha256>.<pdf|html|rdata>`, written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from types import TracebackType

from darien.sniff import HEAD_BYTES, sniff
from extract.faults import Refused

class Spool:
    """A temp file inside the landing zone that hashes and sniffs a body as it arrives.

    Use as a context manager: `keep()` moves it to its sha256 name; leaving the block
    without `keep()` (a refusal, a failure, an unchanged body) removes the temp file.
    """

    def __init__(self, raw_dir: Path, kind: str, max_bytes: int):
        raw_dir.mkdir(parents=True, exist_ok=True)
        self.raw_dir = raw_dir
        self.kind = kind
        self.max_bytes = max_bytes
        self.size = 0
        self._hash = hashlib.sha256()
        self._head = b""
        fd, name = tempfile.mkstemp(dir=raw_dir, prefix=".part-", suffix=".tmp")
        self._file = os.fdopen(fd, "wb")
        self._temp = Path(name)

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, kind: type | None, err: BaseException | None, tb: TracebackType | None) -> None:
        self._file.close()
        self._temp.unlink(missing_ok=True)

    def write(self, chunk: bytes) -> None:
        """Append a chunk; Refused once the body is over the size limit or is not a `kind`."""
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise Refused(f"larger than the {self.max_bytes}-byte limit")
        if len(self._head) < HEAD_BYTES:
            self._head += chunk[: HEAD_BYTES - len(self._head)]
            if len(self._head) >= HEAD_BYTES:
                self._sniff()
        self._hash.update(chunk)
        self._file.write(chunk)

    def finish(self) -> str:
        """Flush the whole body to disk and return its sha256; Refused if it is not a `kind`."""
        if len(self._head) < HEAD_BYTES:
            self._sniff()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return self._hash.hexdigest()

    def keep(self, *, replace: bool = False) -> Path:
        """Move the finished body to `<sha256>.<kind>`; an existing file of that name is replaced only
        when `replace` says so (a damaged file being restored), never otherwise."""
        target = self.raw_dir / f"{self._hash.hexdigest()}.{self.kind}"
        if replace or not target.exists():
            self._temp.chmod(0o444)
            os.replace(self._temp, target)
        return target

    def _sniff(self) -> None:
        if sniff(self._head) != self.kind:
            shown = self._head[:16].decode("latin-1").encode("unicode_escape").decode()
            raise Refused(f"content is not {described(self.kind)} (starts {shown!r})")


def described(kind: str) -> str:
    """A document kind as messages name it: "a PDF", "a HTML", "R data"."""
    return "R data" if kind == "rdata" else f"a {kind.upper()}"


def find(raw_dir: Path, sha256: str) -> Path | None:
    """The landing-zone file of a version (`<sha256>.<kind>`), or None."""
    return next(iter(sorted(Path(raw_dir).glob(f"{sha256}.*"))), None)


def listing(raw_dir: Path) -> dict[str, Path]:
    """sha256 -> landing-zone file of every stored version, from one listing of the folder."""
    files: dict[str, Path] = {}
    for path in sorted(Path(raw_dir).glob("*.*")):
        files.setdefault(path.name.split(".", 1)[0], path)
    return files


def discard(raw_dir: Path, sha256: str) -> None:
    """Delete a version's landing-zone file, if there is one (bytes the pipeline does not keep)."""
    for path in Path(raw_dir).glob(f"{sha256}.*"):
        path.unlink(missing_ok=True)


def intact(path: Path, sha256: str) -> bool:
    """Whether a landing-zone file still hashes to its name's sha256."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest() == sha256
