"""Country labels as SNM prints them, mapped to ISO 3166-1 alpha-3 without guessing.

The curated table `darien.countries.ALIASES` comes first; pycountry's Spanish catalog backs
it for the rest. `MARKERS` gives the meaning of the footnote markers printed after some names.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache

from darien.contract import UNMAPPED
from darien.countries import ALIASES

# Footnote marker -> its meaning. The 2022 file prints (1) without the footnote text.
MARKERS: dict[str, str] = {
    "(1)": "Hijos de ciudadanos haitianos cuyos registros de nacimiento corresponde a estos países.",
}

_MARKER = re.compile(r"\s*(\(\d+\))\s*$")


def split_marker(label: str) -> tuple[str, str | None]:
    """A printed label without its trailing footnote marker, and the marker (`Chile(1)` -> `Chile`, `(1)`)."""
    found = _MARKER.search(label)
    if not found:
        return label.strip(), None
    return label[: found.start()].strip(), found.group(1)


def normalise(name: str) -> str:
    """Lower case, no accents, no dots, single spaces: the key names are compared by."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(plain.replace(".", " ").lower().split())


@cache
def _index() -> dict[str, str]:
    import pycountry

    spanish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])
    index: dict[str, str] = {}
    short: dict[str, set[str]] = {}
    for country in pycountry.countries:
        name = spanish.gettext(country.name)
        index.setdefault(normalise(name), country.alpha_3)
        # "Venezuela, República Bolivariana de" is printed "Venezuela": keep the part before
        # the comma too, unless two countries share it (both Congos).
        short.setdefault(normalise(name.split(",")[0]), set()).add(country.alpha_3)
    for key, codes in short.items():
        if len(codes) == 1:
            index.setdefault(key, next(iter(codes)))
    # The curated table wins over pycountry.
    index.update({normalise(label): code for label, code in ALIASES.items()})
    return index


def country_code(label: str) -> str:
    """ISO3 of a printed country label, "OTHER" for the aggregate, "UNMAPPED" when nothing explains it."""
    name, _ = split_marker(label)
    return _index().get(normalise(name), UNMAPPED)


def marker_note(label: str) -> str | None:
    """The curated meaning of a label's footnote marker, or None."""
    _, marker = split_marker(label)
    return MARKERS.get(marker) if marker else None
