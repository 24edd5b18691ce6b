"""The real SNM documents, as transform/ parses them, pass every suite."""

from __future__ import annotations

import pytest

import expectations


@pytest.fixture(scope="module")
def dirs(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("real")
    return {"gx_dir": root / "gx", "docs_dir": root / "docs"}


def test_the_real_2022_document_passes_with_its_two_november_drops(batch_2022, dirs):
    verdict = expectations.validate(batch_2022, **dirs)
    assert verdict.success, verdict.failures
    # Cuadro No. 003: Perú 438 in October, 34 in November; Venezuela 40,593 then 668.
    assert verdict.warnings == [
        "month-over-month change in country PER (label 'Perú') month 11 of 2022: 438 -> 34 (x12.9, beyond factor 10)",
        "month-over-month change in country VEN (label 'Venezuela') month 11 of 2022: 40593 -> 668 "
        "(x60.8, beyond factor 10)",
    ]


def test_the_real_2023_preliminary_document_passes(batch_2023, dirs):
    batch = batch_2023
    verdict = expectations.validate(batch, **dirs)
    assert verdict.success, verdict.failures
    assert verdict.warnings == []
    assert sorted(batch.rows["month"].unique()) == list(range(1, 9))  # January to August
