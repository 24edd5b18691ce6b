"""What a found document is, and the naming rules that tell a Darién transit document from noise."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit, urlunsplit
from urllib.request import url2pathname

from requests.utils import requote_uri


@dataclass(frozen=True)
class Link:
    """One document a source lists: where it is, what it was called, and what that says."""

    url: str
    text: str
    source: str  # the index page or folder it was found on
    kind: str  # "pdf" | "html" | "rdata"
    year: int | None = None


# A document is about transit through the Darién when its link text or file name says
# DARIEN together with IRREGULAR(ES) or TRANSITO, in any spelling SNM has used.
_SUBJECT = "DARIEN"
_TOPIC = ("IRREGULAR", "IRREGULARES", "TRANSITO")
# Resolutions and decrees mention the Darién too, but carry no statistics.
_NOT_STATISTICS = ("RESOLUCION", "DECRETO", "GACETA", "LEY", "COMUNICADO")
# SNM's historical summary (2010-2019, by year) may be named for its span alone: DARIEN or
# ESTADISTICAS with a range of years ("Estadísticas 2010-2019"), unless it names another of SNM's
# statistical series.
_SUMMARY = ("DARIEN", "ESTADISTICA", "ESTADISTICAS")
_OTHER_SERIES = ("MOVIMIENTO", "RESIDENCIA", "RESIDENCIAS", "VISA", "VISAS")
_YEAR_RANGE = re.compile(r"\b(20\d\d) (?:AL? )?(20\d\d)\b")  # over words(): 2010-2019, 2010_2019, 2010 al 2019

_YEAR = re.compile(r"(?<!\d)(20[1-4]\d)(?!\d)")
_JOOMLA_YEAR_FOLDER = re.compile(r"/img(20[1-4]\d)/", re.IGNORECASE)
HTML_SUFFIXES = ("", ".html", ".htm", ".php", ".aspx")
RDATA_SUFFIXES = (".rda", ".rdata")


def words(*texts: str) -> list[str]:
    """Upper-case words of `texts` with accents, %-escapes, underscores and dashes undone."""
    joined = " ".join(_unmangle(unquote(t)) for t in texts)
    plain = unicodedata.normalize("NFKD", joined)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^A-Z0-9]+", " ", plain.upper()).split()


def _unmangle(text: str) -> str:
    # UTF-8 read as Latin-1 turns "DARIÉN" into "DARIÃ\x89N"; undo it when that is what happened.
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def is_darien_transit(text: str, name: str) -> bool:
    """Whether a link text and file name together name a Darién irregular-transit document (or SNM's multi-year summary)."""
    bag = set(words(text, name))
    if bag & set(_NOT_STATISTICS):
        return False
    if _SUBJECT in bag and any(t in bag for t in _TOPIC):
        return True
    return bool(bag & set(_SUMMARY)) and not bag & set(_OTHER_SERIES) and _spans_years(text, name)


def _spans_years(*texts: str) -> bool:
    """Whether one of `texts` (a link text, a file name: never the two run together) names a range of years."""
    return any(int(first) < int(last)
               for said in texts for first, last in _YEAR_RANGE.findall(" ".join(words(said))))


def file_name(url: str) -> str:
    """The last path segment of `url`, %-decoded (for matching only, never for a path)."""
    return unquote(PurePosixPath(urlsplit(url).path).name)


def kind_of(name: str) -> str | None:
    """ "pdf", "rdata" or "html" from a link's file name suffix; None for anything else (spreadsheets, images).

    Only `.rda`/`.RData` are R data files (saved objects); an `.rds` holds one bare object, no R data file.
    """
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".pdf":
        return "pdf"
    if suffix in RDATA_SUFFIXES:
        return "rdata"
    if suffix in HTML_SUFFIXES or not re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
        return "html"
    return None


def year_of(text: str, name: str, url: str = "") -> int | None:
    """The year a link text, else its file name, else a Joomla `img<YEAR>` folder names; None if unclear.

    A text or name naming several years (a multi-year summary) has no one year, whatever its folder says.
    """
    several = False
    for said in (text, name):
        years = set(_YEAR.findall(unquote(said)))
        if len(years) == 1:
            return int(years.pop())
        several = several or len(years) > 1
    folder = _JOOMLA_YEAR_FOLDER.search(url)
    return int(folder.group(1)) if folder and not several else None


def normalize_url(url: str) -> str:
    """One spelling per URL: lower-case scheme and host, no default port or fragment, %-escapes upper-case."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or port == {"http": 80, "https": 443}.get(scheme) else f"{host}:{port}"
    path = _upper_escapes(requote_uri(parts.path or "/"))
    query = _upper_escapes(requote_uri(parts.query))
    return urlunsplit((scheme, netloc, path, query, ""))


def _upper_escapes(text: str) -> str:
    return re.sub(r"%[0-9a-fA-F]{2}", lambda m: m.group(0).upper(), text)


def local_path(url: str) -> Path:
    """The path a file:// URL names; ValueError if it names a remote host."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise ValueError(f"file URL on a remote host {parts.netloc!r}")
    return Path(url2pathname(unquote(parts.path)))
