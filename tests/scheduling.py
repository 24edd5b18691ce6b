"""How `make test` spreads the suite over pytest-xdist's workers (tests/conftest.py installs it).

Tests go to whichever worker is free, one by one, except the tests of a module that defines a
module-scoped fixture: they run whole on one worker, so that fixture (a served Prefect server
and its runs, a warehouse published once for many checks) is built once and not once per worker.
pytest-xdist's own `loadgroup` would do this with marks, but under pytest 9 it groups nothing:
xdist renames a node id through an attribute pytest no longer reads.
"""

from __future__ import annotations

import functools
from pathlib import Path

from xdist.scheduler import LoadScopeScheduling

MODULE_FIXTURE = 'scope="module"'


class ModulesWithTheirFixtures(LoadScopeScheduling):
    """LoadScopeScheduling whose unit is a test, or a whole module when it defines a module-scoped fixture.

    Units go out in the collection's order (tests/conftest.py puts the long modules first), not
    LoadScopeScheduling's default of the units with the most tests first.
    """

    def __init__(self, config, log=None) -> None:
        config.option.loadscopereorder = False
        super().__init__(config, log)

    def _split_scope(self, nodeid: str) -> str:
        return unit(nodeid, Path(self.config.rootpath))


def unit(nodeid: str, root: Path) -> str:
    """What goes to one worker with the test `nodeid`: its module's tests when they share a module fixture, else itself."""
    module = nodeid.split("::", 1)[0]
    return module if shares_a_module_fixture(root / module) else nodeid


@functools.cache
def shares_a_module_fixture(module: Path) -> bool:
    try:
        return MODULE_FIXTURE in module.read_text(encoding="utf-8")
    except OSError:  # not a file of ours (a doctest's id, say): spread it alone
        return False
