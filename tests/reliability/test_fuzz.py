"""Fuzz target: byte-mutated PDFs through `transform.parse_document` fail typed or give a contract Batch.

Seeds are small generated SNM-like PDFs (uncompressed content streams, so mutations reach the
text operators; ~0.1 s a parse) and, for about one case in eight, the two real SNM PDFs
(Flate streams, ~1 s a parse). Mutations flip, insert, delete, overwrite and splice bytes,
aimed mostly inside stream bodies, the xref table and the trailer. Cases: DARIEN_FUZZ_CASES
(default 100; `make fuzz` runs 5000).
"""

from __future__ import annotations

import os
import re
import signal
from dataclasses import dataclass
from pathlib import Path

import pycountry
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from tests import snm_documents as snm
import transform
from darien import contract

ROOT = Path(__file__).resolve().parents[2]
REAL = sorted((ROOT / "samples").glob("*.pdf"))
CASES = int(os.environ.get("DARIEN_FUZZ_CASES", "100"))
# In production the parser pool's time limit turns a hang into ParseTimeout; here a mutant
# that runs this long counts as that same typed failure.
HANG_S = 20.0
ISO3 = {c.alpha_3 for c in pycountry.countries}
# The parts of a PDF where a damaged byte does the most: streams, the xref table, the trailer.
_REGIONS = (re.compile(rb"stream\r?\n(.*?)endstream", re.S), re.compile(rb"xref.*?trailer", re.S),
            re.compile(rb"trailer.*?%%EOF", re.S), re.compile(rb"\d+ \d+ obj.{0,200}", re.S))


@dataclass(frozen=True)
class Seed:
    name: str
    data: bytes
    regions: tuple[tuple[int, int], ...]  # (start, end) byte ranges worth aiming at


def _regions(data: bytes) -> tuple[tuple[int, int], ...]:
    found = [(m.start(m.lastindex or 0), m.end(m.lastindex or 0)) for pattern in _REGIONS
             for m in pattern.finditer(data)]
    return tuple((a, b) for a, b in found if b > a) + ((0, len(data)),)


def _seeds(folder: Path) -> tuple[list[Seed], list[Seed]]:
    generated = []
    for style, year in (("2021", 2021), ("2023", 2023), ("2024", 2024)):
        spec = snm.document_spec(year, style=style, seed=year, countries=6, charts=False,
                                 months_reported=12 if style != "2023" else 8)
        data = snm.write_pdf(spec, folder / f"seed-{style}.pdf").read_bytes()
        generated.append(Seed(f"generated-{style}", data, _regions(data)))
    real = [Seed(p.name, p.read_bytes(), _regions(p.read_bytes())) for p in REAL]
    return generated, real


class _Hang(Exception):
    pass


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> tuple[list[Seed], list[Seed]]:
    return _seeds(tmp_path_factory.mktemp("fuzz-seeds"))


@st.composite
def mutant(draw, seeds: tuple[list[Seed], list[Seed]]) -> tuple[str, bytes]:
    generated, real = seeds
    seed = draw(st.sampled_from(real)) if draw(st.integers(0, 7)) == 0 else draw(st.sampled_from(generated))
    data = bytearray(seed.data)
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        start, end = draw(st.sampled_from(seed.regions))
        end = min(end, len(data))
        at = draw(st.integers(min(start, end), max(start, end)))
        kind = draw(st.sampled_from(("flip", "insert", "delete", "overwrite", "splice")))
        if kind == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16) | st.sampled_from(
                [b"(", b")", b"<<", b">>", b"[", b"]", b"endstream", b"0 0 R", b"-1", b"9" * 12, b"\x00"]))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=8))
            data[at:at + len(chunk)] = chunk
        elif kind == "splice":  # a piece of the seed copied elsewhere: duplicated objects, rows, xref lines
            source = draw(st.integers(0, len(seed.data) - 1))
            data[at:at] = seed.data[source:source + draw(st.integers(1, 256))]
        steps.append(f"{kind}@{at}")
    note(f"{seed.name}: {', '.join(steps)}")
    return seed.name, bytes(data)


def parse_within(path: Path, seconds: float):
    """parse_document under a wall-clock alarm; a mutant that outlasts it raises _Hang."""
    fired = []

    def expire(signum, frame):
        fired.append(True)
        raise _Hang()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return transform.parse_document(path)
    except Exception:
        if fired:  # pdfminer re-wraps what it catches: once the alarm fired, it was a hang
            raise _Hang() from None
        raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_contract(batch: contract.Batch) -> None:
    rows = batch.rows
    assert rows.dtypes.astype(str).to_dict() == contract.COLUMNS
    required = [c for c in contract.COLUMNS if c not in contract.NULLABLE]
    assert not rows[required].isna().any().any()
    assert rows[list(contract.LINEAGE_SET_BY_LOAD)].isna().all().all()
    assert len(rows) > 0 and (rows.year == batch.year).all()
    assert rows.month.between(1, 12).all() and (rows.persons >= 0).all()
    for breakdown, categories in rows.groupby("breakdown").category:
        allowed = contract.BREAKDOWNS[breakdown]
        known = ISO3 | {contract.OTHER_COUNTRIES} if allowed is None else set(allowed)
        assert set(categories) <= known | {contract.UNMAPPED}, breakdown
    assert batch.reconciliation.dtypes.astype(str).to_dict() == contract.RECONCILIATION_COLUMNS
    assert batch.as_of.year == batch.year


@pytest.mark.slow
@settings(max_examples=CASES, deadline=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_pdfs_fail_typed_or_parse_to_the_contract(seeds, tmp_path, data):
    name, body = data.draw(mutant(seeds))
    path = tmp_path / "mutant.pdf"
    path.write_bytes(body)
    try:
        batch = parse_within(path, HANG_S)
    except _Hang:
        event("hang: the pool's time limit would stop it")
        return
    except transform.ParseError as err:
        event(f"{name}: {type(err).__name__}")
        message = str(err)
        assert message.startswith("mutant.pdf: ") and "\n" not in message, message
        return
    event(f"{name}: parsed")
    assert_contract(batch)
