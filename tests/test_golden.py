"""Golden files are rewritten only on purpose: never under CI=true, and outside CI naming what changed."""

from __future__ import annotations

import pytest

from tests import golden


def test_regenerating_under_ci_fails(monkeypatch):
    monkeypatch.setenv("DARIEN_REGENERATE_GOLDEN", "1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="^DARIEN_REGENERATE_GOLDEN is set under CI=true"):
        golden.regenerating("DARIEN_REGENERATE_GOLDEN")


@pytest.mark.parametrize("ci", [None, "false"])
def test_golden_files_are_compared_unless_regenerating_is_asked(monkeypatch, ci):
    monkeypatch.delenv("DARIEN_REGENERATE_GOLDEN", raising=False)
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert not golden.regenerating("DARIEN_REGENERATE_GOLDEN")
    monkeypatch.setenv("DARIEN_REGENERATE_GOLDEN", "1")
    assert golden.regenerating("DARIEN_REGENERATE_GOLDEN")


def test_rewriting_writes_and_names_only_the_files_that_changed(tmp_path):
    same, changed, new = tmp_path / "same.csv", tmp_path / "changed.csv", tmp_path / "new.csv"
    same.write_text("a,b\n1,2\n")
    changed.write_text("a,b\n1,2\n")
    before = same.stat().st_mtime_ns
    with pytest.raises(pytest.skip.Exception, match="^regenerated: changed.csv, new.csv changed;"):
        golden.rewrite({same: "a,b\n1,2\n", changed: "a,b\n1,3\n", new: "a\n"})
    assert (changed.read_text(), new.read_text()) == ("a,b\n1,3\n", "a\n")
    assert same.stat().st_mtime_ns == before
    with pytest.raises(pytest.skip.Exception, match="^regenerated: no golden file changed$"):
        golden.rewrite({same: "a,b\n1,2\n", changed: "a,b\n1,3\n"})
