"""Fixtures of the export tests: the real documents parsed once, and a warehouse they are published to."""

from __future__ import annotations

from pathlib import Path

import pytest


SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="session")
def batch_2022():
    import transform

    return transform.parse_document(SAMPLES / "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf")


@pytest.fixture(scope="session")
def batch_2023():
    import transform

    return transform.parse_document(SAMPLES / "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf")

