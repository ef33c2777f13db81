"""relkap.pdf: A4 PDFs rendered by headless Chromium, one browser for many pages."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from relkap import pdf
from relkap.errors import RelkapError

pytestmark = pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("pdftotext") is None,
                                reason="needs Debian's chromium and poppler-utils (`make browser`)")

PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8"><title>{title}</title>
<style>@media print {{ .screen-only {{ display: none; }} }}</style></head>
<body><h1>{title}</h1><p class="screen-only">kun på skærmen</p><table><caption>Ændring</caption>
<tr><th>Relation</th><th>Hedges' g</th><th>p (FDR)</th></tr><tr><td>Skole → PPR</td><td>+0,42</td>
<td>0,031</td></tr></table></body></html>"""


def test_each_html_becomes_an_a4_pdf_with_its_text_and_print_styles(tmp_path):
    pairs = []
    for name in ("Stevns", "Hedensted"):
        html = tmp_path / f"{name}.html"
        html.write_text(PAGE.format(title=f"Rapport for {name}"), encoding="utf-8")
        pairs.append((html, tmp_path / f"{name}.pdf"))
    written = pdf.html_to_pdf(pairs)
    assert written == [p for _, p in pairs]
    for (_, p), name in zip(pairs, ("Stevns", "Hedensted"), strict=True):
        info = subprocess.run(["pdfinfo", str(p)], capture_output=True, text=True, check=True).stdout
        assert "(A4)" in info
        text = subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True, check=True).stdout
        assert f"Rapport for {name}" in text and "Hedges' g" in text and "p (FDR)" in text
        assert "Skole → PPR" in text and "+0,42" in text
        assert "kun på skærmen" not in text  # the print stylesheet applies
    assert not list(tmp_path.glob(".*.tmp")), "no temporary files left behind"


def test_missing_chromium_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("RELKAP_CHROMIUM", str(tmp_path / "no-such-chromium"))
    with pytest.raises(RelkapError, match="make browser"):
        pdf.chromium_path()
