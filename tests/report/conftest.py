"""A warehouse holding the re-publication's real nationality file, for reports on the whole series."""

from __future__ import annotations

import pytest

import load


@pytest.fixture
def republished(engine, nat_batch):
    """A warehouse holding the re-publication's nationality file alone."""
    load.publish(engine, nat_batch)
    return engine
