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
}
