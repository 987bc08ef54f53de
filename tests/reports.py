"""Reading the reports the registry renders, shared by the report, export and access-matrix tests: the text of a PDF
(poppler's pdftotext), a table row pattern, and the year of the rekapitulasi data set (`rekap_data` in conftest.py)."""

import os
import re
import shutil
import subprocess

import pytest

# The year whose figures `rekap_data` (tests/conftest.py) fills and the rekap tests count.
YEAR = 2025


def pdf_text(pdf: bytes, *, layout: bool = True) -> str:
    """The text of a PDF by poppler's pdftotext; `-layout` (the default) keeps a table row on one line, without it
    the text comes in reading order. Missing pdftotext skips locally and fails under CI=true."""
    if shutil.which("pdftotext") is None:
        message = "pdftotext not found (apt-get install poppler-utils)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    command = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(command, input=pdf, capture_output=True, check=True).stdout.decode()


def row_pattern(label: str, *numbers: str) -> re.Pattern:
    """A table row: `label` followed by `numbers` separated by white space (as pdftotext -layout prints it)."""
    return re.compile(re.escape(label) + r"\s+" + r"\s+".join(re.escape(n) for n in numbers) + r"(\s|$)", re.M)
