"""Fixtures of the load tests: the real 2023 preliminary batch (parsed once) and its generated final."""

from __future__ import annotations


import pytest

from tests.load.load_batches import final_2023

from tests.real_documents import REAL_2023


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

