"""The re-publication's real nationality file, read once, for reports on the whole series."""

from __future__ import annotations

import pytest

import load
from tests.republication import NAT, republication_batch


@pytest.fixture(scope="session")
def nat_batch():
    """irreg_darien_nat.rda as a Batch: 2010-2019 annual, monthly January 2020 to April 2025."""
    return republication_batch(NAT)


@pytest.fixture
def republished(engine, nat_batch):
    """A warehouse holding the re-publication's nationality file alone."""
    load.publish(engine, nat_batch)
    return engine
