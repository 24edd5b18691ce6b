"""Fixtures of the load tests: the real 2023 preliminary batch (the session's) and its generated final."""

from __future__ import annotations

import pytest

from tests.load.load_batches import final_2023


@pytest.fixture
def prelim_2023(batch_2023):
    return batch_2023


@pytest.fixture
def final(batch_2023):
    return final_2023(batch_2023)
