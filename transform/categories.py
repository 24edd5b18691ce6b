"""Row labels to contract breakdowns and categories: the breakdown follows the labels, not the title."""

from __future__ import annotations

import re

from darien.contract import AGE_GROUPS, UNMAPPED
from transform.countries import country_code, normalise

REGIONS = {
    "america del sur": "south_america", "antillas": "caribbean", "caribe": "caribbean",
    "asia": "asia", "africa": "africa", "europa": "europe",
    "america central": "central_america", "centroamerica": "central_america",
    "america del norte": "north_america", "norteamerica": "north_america",
    "eurasia": "eurasia", "oceania": "oceania", "otras regiones": "other",
}
SEX = {"hombres": "male", "mujeres": "female"}
SEX_AGE = {"hombres": "male_adult", "mujeres": "female_adult",
           "ninos": "male_minor", "ninas": "female_minor"}
AGE_STATUS = {"adultos": "adult", "menores": "minor"}

_AGE_RANGE = re.compile(r"^(\d{1,2})\s*-\s*(\d{1,2})$")
_AGE_OPEN = re.compile(r"^(\d{1,2})\s*(y mas|\+|o mas)$")


def condition_breakdown(labels: list[str]) -> str | None:
    """`sex`, `sex_age` or `age_status` for the labels of a Condición/Género table, None if mixed."""
    keys = {normalise(label) for label in labels}
    if keys & {"ninos", "ninas"} and keys <= set(SEX_AGE):
        return "sex_age"
    if keys <= set(SEX):
        return "sex"
    if keys <= set(AGE_STATUS):
        return "age_status"
    return None


def age_group(label: str) -> str:
    """`0 - 05` -> `00-05`, `78 y más` -> `78+`, `No especificado` -> `unknown`, else UNMAPPED.

    A range or open group the contract does not list (`60 +`) is UNMAPPED too.
    """
    key = normalise(label)
    group = UNMAPPED
    if key in ("no especificado", "no especificada", "sin especificar"):
        group = "unknown"
    elif found := _AGE_RANGE.match(key):
        group = f"{int(found.group(1)):02d}-{int(found.group(2)):02d}"
    elif found := _AGE_OPEN.match(key):
        group = f"{int(found.group(1)):02d}+"
    return group if group in AGE_GROUPS else UNMAPPED


def category(breakdown: str, label: str) -> str:
    """The contract category of one row label in a table of `breakdown`; UNMAPPED if unknown."""
    key = normalise(label)
    if breakdown == "country":
        return country_code(label)
    if breakdown == "age_group":
        return age_group(label)
    table = {"region": REGIONS, "sex": SEX, "sex_age": SEX_AGE, "age_status": AGE_STATUS}[breakdown]
    return table.get(key, UNMAPPED)
