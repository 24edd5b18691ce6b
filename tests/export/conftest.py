"""Fixtures of the export tests: the real documents parsed once, and a warehouse they are published to."""

from __future__ import annotations

import sys
from pathlib import Path

# tests/export must not shadow the real `export` package: the project root comes first.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import pytest  # noqa: E402

import load  # noqa: E402

SAMPLES = Path(_ROOT) / "samples"


@pytest.fixture(scope="session")
def batch_2022():
    import transform

    return transform.parse_document(SAMPLES / "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf")


@pytest.fixture(scope="session")
def batch_2023():
    import transform

    return transform.parse_document(SAMPLES / "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf")


@pytest.fixture
def engine(warehouse_url):
    engine = load.connect(warehouse_url)
    load.ensure_schema(engine)
    yield engine
    engine.dispose()
