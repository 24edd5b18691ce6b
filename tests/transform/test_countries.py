"""Country labels to ISO3 through the curated aliases and pycountry's Spanish names, never a guess."""

from __future__ import annotations

import pytest

from darien.contract import OTHER_COUNTRIES, UNMAPPED
from darien.countries import ALIASES
from transform.categories import age_group, category, condition_breakdown
from transform.countries import MARKERS, country_code, marker_note, split_marker


@pytest.mark.parametrize("label,code", [
    ("Venezuela", "VEN"), ("Haití", "HTI"), ("Haiti", "HTI"), ("Siri Lanka", "LKA"),
    ("Sri Lanka", "LKA"), ("Tajikistán", "TJK"), ("Tayikistán", "TJK"), ("Mali", "MLI"),
    ("Malí", "MLI"), ("Rep. Dominicana", "DOM"), ("Guyana Francesa", "GUF"), ("Congo", "COG"),
    ("Otros Países", OTHER_COUNTRIES), ("Chile(1)", "CHL"), ("Chile (1)", "CHL"),
    ("Brasil (1)", "BRA"), ("  Perú ", "PER"), ("PAKISTÁN", "PAK"),
    ("Reino Unido", "GBR"), ("Marruecos", "MAR"),  # from pycountry's Spanish catalogue
])
def test_country_code(label, code):
    assert country_code(label) == code


@pytest.mark.parametrize("label", ["Atlántida", "Otras regiones", "", "Guinea Xyz"])
def test_unknown_names_are_not_guessed(label):
    assert country_code(label) == UNMAPPED


def test_markers_are_split_and_explained():
    assert split_marker("Chile(1)") == ("Chile", "(1)") and split_marker("Chile (1)") == ("Chile", "(1)")
    assert split_marker("Venezuela") == ("Venezuela", None)
    assert marker_note("Brasil (1)") == MARKERS["(1)"] and marker_note("Cuba") is None


def test_every_alias_names_a_real_country_or_the_aggregate():
    import pycountry

    codes = {c.alpha_3 for c in pycountry.countries} | {OTHER_COUNTRIES}
    assert all(isinstance(k, str) for k in ALIASES)
    assert set(ALIASES.values()) - codes == {"XKX", "TIB"}  # the two codes outside ISO 3166 (NOT_ISO)


def test_kosovo_and_tibet_have_codes_of_their_own():
    assert country_code("Kosovo") == "XKX" and country_code("Tíbet") == "TIB"


@pytest.mark.parametrize("labels,breakdown", [
    (["Hombres", "Mujeres"], "sex"), (["Hombres", "Mujeres", "Niños", "Niñas"], "sex_age"),
    (["Adultos", "Menores"], "age_status"), (["Hombres", "Menores"], None),
])
def test_condition_tables_follow_their_labels(labels, breakdown):
    assert condition_breakdown(labels) == breakdown


@pytest.mark.parametrize("label,group", [
    ("0 - 05", "00-05"), ("06 - 11", "06-11"), ("72 - 77", "72-77"), ("78 y más", "78+"),
    ("No especificado", "unknown"), ("Otros", UNMAPPED), ("60 +", UNMAPPED), ("01 - 02", UNMAPPED),
])
def test_age_groups(label, group):
    assert age_group(label) == group


def test_regions():
    assert category("region", "Antillas") == "caribbean"
    assert category("region", "América del Norte") == "north_america"
    assert category("region", "Otras regiones") == "other"
    assert category("region", "Atlántida") == UNMAPPED
