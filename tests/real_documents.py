"""The two original SNM publications in samples/, for tests that need their paths outside a fixture."""

from __future__ import annotations

import shutil
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
REAL_2022 = SAMPLES / "IRREGULARES_POR_DARIEN_DICIEMBRE_2022.pdf"  # 2022, final: 248,284
REAL_2023 = SAMPLES / "TRÁNSITO_IRREGULAR_POR_DARIÉN.pdf"  # 2023 to August, preliminary: 333,704


def pdf_archive(folder: Path) -> Path:
    """`folder` holding copies of the two PDFs alone, for runs meant to read just them (samples/ holds R data too)."""
    folder.mkdir(parents=True, exist_ok=True)
    for pdf in (REAL_2022, REAL_2023):
        shutil.copy(pdf, folder / pdf.name)
    return folder
