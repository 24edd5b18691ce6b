"""The re-publication's real R data files (gdidata) as Batches, for tests that load them without the flow."""

from __future__ import annotations

from pathlib import Path

from darien import contract

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "republication"
NAT = FIXTURES / "irreg_darien_nat.rda"  # 2010-2019 annual by nationality, then monthly to April 2025
DMG = FIXTURES / "irreg_darien_dmg.rda"  # monthly by sex, 2021 to April 2025
RAW_URL = "https://raw.githubusercontent.com/iom/gdidata/master/data/"


def republication_batch(path: Path, *, url: str | None = None) -> contract.Batch:
    """The Batch of one gdidata .rda file as the parser gives it to the flow (source_kind `republication`)."""
    from transform.document import parse_document

    return parse_document(path, source_url=url or RAW_URL + path.name)
