"""Property-based tests of the number parser, the label/marker splitter and the country mapper (1000 cases each, fewer where a case draws more)."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from darien.contract import BREAKDOWNS, UNMAPPED
from darien.countries import ALIASES, country_codes
from transform.categories import AGE_STATUS, REGIONS, SEX, SEX_AGE, category
from transform.countries import country_code, split_marker
from transform.tables import cell_value

MANY = settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COUNTRIES = set(country_codes())  # ISO 3166-1 alpha-3, XKX, TIB and OTHER


def snm_printed(n: int) -> str:
    """A figure as SNM prints it: thousands separated by commas, `-` for zero."""
    return "-" if n == 0 else f"{n:,}"


def split_apart(text: str, gaps: list[int]) -> str:
    """`text` with spaces slipped between its characters, as pdfplumber reads Excel's PDFs (`1 ,071`)."""
    return "".join(char + " " * gap for char, gap in zip(text, gaps + [0] * len(text)))


@MANY
@given(st.integers(0, 10**9), st.lists(st.integers(0, 2), max_size=13))
@example(1071, [1]).via("pdfplumber reads '1 ,071' on the 2022 PDF")
@example(238185, [0, 1]).via("pdfplumber reads '2 38,185'")
def test_printed_numbers_round_trip(n, gaps):
    printed = split_apart(snm_printed(n), gaps)
    assert cell_value(printed) == (None if n == 0 else n)


def read_as_number(compact: str) -> bool:
    """Whether SNM's way of printing figures allows `compact`: decimal digits, in comma groups of three after a first of one to three."""
    first, *rest = compact.split(",")
    return (all(group.isdecimal() for group in [first, *rest]) and len(first) >= 1
            and (not rest or (len(first) <= 3 and all(len(group) == 3 for group in rest))))


# Text made mostly of what figures are printed with, so numbers, dashes and near misses all come up.
FIGURE_LIKE = st.text(alphabet=st.sampled_from("0123456789,,  -—–\t\n²٣x"), max_size=20)


@MANY
@given(st.one_of(st.text(max_size=40), FIGURE_LIKE))
@example(" - ").via("SNM's dash, for zero or not yet reported")
@example("1 ,071").via("a figure pdfplumber split apart")
@example("²").via("a digit that is no decimal digit")
def test_cell_value_never_raises_and_returns_text_it_cannot_read(text):
    value = cell_value(text)
    compact = "".join(text.split())
    if compact in ("-", "—", "–"):
        event("a dash")
        assert value is None
    elif read_as_number(compact):
        event("a number")
        assert value == int(compact.replace(",", ""))
    else:
        event("text")
        assert value == text


@st.composite
def comma_grouped(draw) -> tuple[str, int, bool]:
    """A number's digits with commas slipped in: where SNM puts them, one of them moved or missing, or anywhere.

    Returns the printed text, the number, and whether its commas are where SNM puts them.
    """
    number = draw(st.integers(0, 10**12))
    digits = str(number)
    right = [i for i in range(1, len(digits)) if (len(digits) - i) % 3 == 0]
    way = draw(st.sampled_from(["where SNM puts them", "one moved", "one missing", "anywhere"]))
    if way == "one moved" and right:
        k = draw(st.integers(0, len(right) - 1))
        commas = sorted(right[:k] + [right[k] + draw(st.sampled_from([-1, 1]))] + right[k + 1:])
    elif way == "one missing" and len(right) > 1:  # with one comma only, none left is a plain number
        k = draw(st.integers(0, len(right) - 1))
        commas = right[:k] + right[k + 1:]
    elif way == "anywhere":  # twice at one place, first or last too
        commas = sorted(draw(st.integers(0, len(digits))) for _ in range(draw(st.integers(1, 3))))
    else:
        commas = right
    printed = "".join("," * commas.count(i) + digit for i, digit in enumerate(digits)) + "," * commas.count(len(digits))
    return printed, number, commas == right


@settings(MANY, max_examples=400)  # each case draws several times: 400 take what 1000 of plain text took
@given(comma_grouped())
@example(("1 ,071", 1071, True)).via("pdfplumber reads '1 ,071' on the 2022 PDF")
@example(("10,71", 1071, False))
def test_cell_value_refuses_misplaced_commas(printed):
    text, number, grouped_right = printed
    value = cell_value(text)
    if grouped_right:
        event("commas where SNM puts them" if "," in text else "too short for a comma")
        assert value == number
    else:
        event("a comma misplaced")
        assert not isinstance(value, int), f"{text!r} read as {value}"


NAMES = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll"), max_codepoint=0x24F)
                | st.sampled_from(" .-'"), min_size=1, max_size=40).filter(lambda s: s.strip())


@MANY
@given(NAMES, st.integers(0, 99), st.sampled_from(["", " ", "  "]))
def test_marker_splits_off_and_back(name, number, gap):
    label = f"{name}{gap}({number})"
    assert split_marker(label) == (name.strip(), f"({number})")
    assert split_marker(name) == (name.strip(), None)


# Labels ending like a footnote marker, right or nearly so, besides any text.
MARKED = st.builds(str.__add__, st.text(max_size=20),
                   st.sampled_from(["(1)", " (12) ", "(1 )", "(x)", "(1", "1)", "()", "(١)"]))


@settings(MANY, max_examples=800)  # as long as 1000 cases of plain text took
@given(st.text() | MARKED)
def test_split_marker_never_raises(label):
    name, marker = split_marker(label)
    if marker is None:
        event("no marker")
        assert name == label.strip()
    else:
        event("a marker")
        assert re.fullmatch(r"\(\d+\)", marker) and name == label.rstrip().removesuffix(marker).strip()


# SNM's country spellings, some with a character or two around them, besides any text.
NEAR_COUNTRIES = st.builds(lambda before, alias, after: before + alias + after, st.sampled_from(["", " ", "x", "¿"]),
                           st.sampled_from(sorted(ALIASES)), st.sampled_from(["", "  ", "s", " (1)", "-"]))


@settings(MANY, max_examples=800)  # as long as 1000 cases of plain text took
@given(st.text() | NEAR_COUNTRIES)
def test_country_mapper_gives_a_code_or_unmapped(label):
    code = country_code(label)
    event("unmapped" if code == UNMAPPED else "a code")
    assert code in COUNTRIES | {UNMAPPED}


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@MANY
@given(st.sampled_from(sorted(ALIASES)), st.sampled_from(["", "(1)", " (1)", " (2)"]),
       st.sampled_from([str, str.upper, str.lower, _strip_accents]), st.sampled_from(["", " ", "  "]))
def test_country_spelling_variants_map_alike(alias, marker, spelling, padding):
    printed = f"{padding}{spelling(alias)}{marker}{padding}"
    assert country_code(printed) == ALIASES[alias]


# Each breakdown's printed labels (as their keys: case and accents do not matter to them).
LABELS = {"region": sorted(REGIONS), "sex": sorted(SEX), "sex_age": sorted(SEX_AGE), "age_status": sorted(AGE_STATUS),
          "age_group": ["0 - 05", "06-11", "78 y más", "60 +", "No especificado", "5 - 100"], "country": sorted(ALIASES)}
PRINTED_LABELS = sorted({(breakdown, spelling) for breakdown, labels in LABELS.items() for label in labels
                         for spelling in (label, label.upper(), f" {label.title()} ")})


@MANY
@given(st.sampled_from(PRINTED_LABELS) | st.tuples(st.sampled_from(sorted(set(BREAKDOWNS) - {"total"})), st.text(max_size=80)))
@example(("age_group", "60 +")).via("an open age group the contract does not list")
def test_category_is_allowed_or_unmapped(case):
    # "total" rows never reach category(): the document's Total row is read apart.
    breakdown, label = case
    found = category(breakdown, label)
    event(f"{breakdown}: {'unmapped' if found == UNMAPPED else 'a category'}")
    allowed = BREAKDOWNS[breakdown]
    assert found in (COUNTRIES if allowed is None else set(allowed)) | {UNMAPPED}
