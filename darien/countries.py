"""Country reference data every stage may import: the country labels SNM prints, and their codes.

`ALIASES` is curated by hand from the SNM files: every spelling seen in them, plus the ones
pycountry's Spanish names miss. transform/ maps printed labels with it; load/ lists each
country's spellings in dim_country from it.
"""

from __future__ import annotations

from darien.contract import OTHER_COUNTRIES

# Printed label (without footnote marker) -> ISO3. Spellings are SNM's, accents and all.
ALIASES: dict[str, str] = {
    "Otros Países": OTHER_COUNTRIES,
    "Otros Paises": OTHER_COUNTRIES,
    "Venezuela": "VEN",
    "Ecuador": "ECU",
    "Haití": "HTI",
    "Cuba": "CUB",
    "Colombia": "COL",
    "India": "IND",
    "Brasil": "BRA",
    "Chile": "CHL",
    "Rep. Dominicana": "DOM",
    "República Dominicana": "DOM",
    "Afganistán": "AFG",
    "China": "CHN",
    "Senegal": "SEN",
    "Bangladesh": "BGD",
    "Nepal": "NPL",
    "Perú": "PER",
    "Camerún": "CMR",
    "Somalia": "SOM",
    "Angola": "AGO",
    "Ghana": "GHA",
    # IOM and SNM mean the Republic of the Congo; the Democratic Republic is named in full.
    "Congo": "COG",
    "Rep. Dem. del Congo": "COD",
    "República Democrática del Congo": "COD",
    "Nigeria": "NGA",
    "Eritrea": "ERI",
    "Guinea": "GIN",
    "Uzbekistán": "UZB",
    "Burkina Faso": "BFA",
    "Mauritania": "MRT",
    "Pakistán": "PAK",
    "Sri Lanka": "LKA",
    "Siri Lanka": "LKA",
    "Kirguistán": "KGZ",
    "Kirguizistán": "KGZ",
    "Etiopía": "ETH",
    "Mali": "MLI",
    "Malí": "MLI",
    "Tayikistán": "TJK",
    "Tajikistán": "TJK",
    "Sierra Leona": "SLE",
    "Siria": "SYR",
    "Togo": "TGO",
    "Vietnam": "VNM",
    "Sudán": "SDN",
    "Guyana Francesa": "GUF",
    "Guayana Francesa": "GUF",
    "Irán": "IRN",
    "Rusia": "RUS",
    "Estados Unidos": "USA",
    "Bolivia": "BOL",
    "Costa de Marfil": "CIV",
    "Turquía": "TUR",
    "Egipto": "EGY",
    "Jordania": "JOR",
    "Guinea Conakry": "GIN",
    "Gambia": "GMB",
    "Kazajistán": "KAZ",
    "Mauricio": "MUS",
    "Benín": "BEN",
    "Kosovo": "XKX",
    "Tíbet": "TIB",
    "Tibet": "TIB",
}

# Codes outside ISO 3166-1 that the sources use: code -> (Spanish name, English name, SNM region).
NOT_ISO: dict[str, tuple[str, str, str]] = {
    "XKX": ("Kosovo", "Kosovo", "europe"),  # the user-assigned code the EU and IOM use; ISO has none
    "TIB": ("Tíbet", "Tibet", "asia"),  # not an ISO 3166 code: the re-publication counts Tibet apart, 2012-2016
}


def country_codes() -> tuple[str, ...]:
    """Every country category: the ISO 3166-1 alpha-3 codes pycountry knows, XKX, TIB, and OTHER (Otros Países)."""
    import pycountry

    return tuple(sorted({c.alpha_3 for c in pycountry.countries} | set(NOT_ISO))) + (OTHER_COUNTRIES,)
