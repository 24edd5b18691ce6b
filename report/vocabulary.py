"""The words and colours every report uses: month names, region names, one colour per region."""

from __future__ import annotations

from darien import contract

REGION_NAMES = {
    "south_america": "South America", "caribbean": "the Caribbean", "asia": "Asia",
    "africa": "Africa", "europe": "Europe", "central_america": "Central America",
    "north_america": "North America", "eurasia": "Eurasia", "oceania": "Oceania",
    "other": "other regions",
    # Only in derived region rows: a nationality without an SNM region (OTHER, Otros Países).
    "unassigned": "not assigned to a region",
}
# SNM's footnotes (the warehouse's `note`, in Spanish as printed) -> what they mean, for a table cell and in full.
NOTES = {
    "Hijos de ciudadanos haitianos cuyos registros de nacimiento corresponde a estos países.": (
        "children of Haitian parents",
        "children of Haitian parents whose birth was registered there, not migrants of that nationality "
        "in the usual sense"),
}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def note_meaning(note: str) -> tuple[str, str]:
    """An SNM footnote as a table cell and as a line below the table, in English; SNM's words quoted in both lines."""
    short, full = NOTES.get(note, ("see SNM's note below", ""))
    return short, (f"{full} (SNM's note: “{note}”)" if full else f"SNM's note: “{note}”")


def region_names(engine) -> dict[str, str]:
    """Each region's English name as the warehouse gives it (dim_region.name_en), as the tables name them; and
    `unassigned`, which only derived rows have."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        names = dict(conn.execute(sa.text("select category, name_en from dim_region")).all())
    return {**names, "unassigned": REGION_NAMES["unassigned"]}


def region_colours() -> dict[str, tuple]:
    """One colour per region, the same in every chart; `unassigned` grey."""
    import matplotlib

    palette = matplotlib.colormaps["tab10"].colors
    colours = {region: palette[i % len(palette)] for i, region in enumerate(contract.REGIONS)}
    colours["unassigned"] = (0.75, 0.75, 0.75)
    return colours
