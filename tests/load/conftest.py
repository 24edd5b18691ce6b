"""Fixtures of the load tests: the real 2023 preliminary batch (parsed once) and its generated final."""

from __future__ import annotations

import sys
from pathlib import Path

# pytest puts tests/ first on sys.path, where this folder would shadow the real `load`
# package (and tests/transform the real `transform`); the project root must come first.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import pytest  # noqa: E402

import load  # noqa: E402
from load_batches import final_2023  # noqa: E402

REAL_2023 = Path(__file__).resolve().parents[2] / "samples" / "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf"


@pytest.fixture(scope="session")
def prelim_2023_batch():
    import transform

    return transform.parse_document(REAL_2023)


@pytest.fixture
def prelim_2023(prelim_2023_batch):
    return prelim_2023_batch


@pytest.fixture
def final(prelim_2023_batch):
    return final_2023(prelim_2023_batch)


@pytest.fixture
def engine(warehouse_url):
    engine = load.connect(warehouse_url)
    load.ensure_schema(engine)
    yield engine
    engine.dispose()
