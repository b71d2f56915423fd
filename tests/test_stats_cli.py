"""`meldefra stats` in every format, the chart as a real PNG, and nothing private in any output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot import charts
from bot.cli import main
from handlers import stats
from handlers.clock import FixedClock
from handlers.services import Services
from handlers.stats import ALL, SMALL
from store.db import make_engine, session_factory, upgrade

from .conftest import ROOT, SAMPLE_ORG
from .stats_history import SECRET_WORDS, SORBY, november, three_schools

OSLO = ZoneInfo("Europe/Oslo")
ARGS = ["stats", "--from", "2026-11-01", "--to", "2026-11-30"]


@pytest.fixture(scope="module")
def on_disk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scripted November in a SQLite file, and its org.yml, for the CLI to open."""
    tmp = tmp_path_factory.mktemp("stats")
    org_file = tmp / "org.yml"
    org_file.write_text(SAMPLE_ORG.read_text(encoding="utf-8").rstrip() + "\n" + SORBY)
    url = f"sqlite:///{tmp / 'meldefra.db'}"
    engine = make_engine(url)
    upgrade(engine)
    clock = FixedClock(datetime(2026, 11, 1, tzinfo=OSLO))
    services = Services(org=three_schools(), sessions=session_factory(engine), clock=clock)
    november(services, clock)
    engine.dispose()
    return tmp


@pytest.fixture
def env(on_disk: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{on_disk / 'meldefra.db'}")
    monkeypatch.setenv("MELDEFRA_ORG", str(on_disk / "org.yml"))
    return on_disk


def run(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> bytes:
    assert main([*ARGS, *args]) == 0
    return capsysbinary.readouterr().out


def assert_private(text: str) -> None:
    for word in SECRET_WORDS:
        assert word not in text, word
    assert "MF-" not in text and "@" not in text


def test_csv_and_json_for_spreadsheets_and_dashboards(
    env: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    table = run(capsysbinary, "--format", "csv").decode()
    assert_private(table)
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [r["school"] for r in rows] == ["nordby", "fjellvik", "sorby", ALL]
    by = {r["school"]: r for r in rows}
    assert by[ALL]["reports"] == "15" and by["fjellvik"]["reports"] == SMALL
    assert by["nordby"]["ack_hours.median"] == "24.0" and by["nordby"]["ack_hours.p90"] == "72.0"
    assert by[ALL]["ack_hours.median"] == "3.0" and by["fjellvik"]["ack_hours.median"] == ""
    assert by["nordby"]["period_from"] == "2026-11-01"
    report = json.loads(run(capsysbinary, "--format", "json"))
    assert report["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    nordby = next(r for r in report["rows"] if r["id"] == "nordby")
    assert nordby["counts"]["plan.within"] == SMALL and nordby["counts"]["section_12_5"] == SMALL
    assert_private(json.dumps(report, ensure_ascii=False))


def test_text_in_three_languages_and_one_school_as_in_the_whole_table(
    env: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    """One school is its row of skoleeier's table (shown alone it would show cells the whole
    table hides); no median school below five schools (three here)."""
    text = run(capsysbinary).decode()
    assert "Skolemiljøsaker: tall for november 2026" in text
    assert "Kommunen" in text and "Fra melding til bekreftet mottatt" in text
    assert_private(text)
    assert "Skulemiljøsaker" in run(capsysbinary, "--lang", "nn").decode()
    english = run(capsysbinary, "--lang", "en", "--school", "fjellvik").decode()
    assert "Median school" not in english and "Nordby" not in english
    assert_private(english)
    whole = json.loads(run(capsysbinary, "--format", "json"))
    alone = json.loads(run(capsysbinary, "--format", "json", "--school", "fjellvik"))
    [row] = alone["rows"]
    assert row == next(r for r in whole["rows"] if r["id"] == "fjellvik")


def test_html_and_pdf_hold_the_tables_and_the_chart(
    env: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from pypdf import PdfReader

    page = run(capsysbinary, "--format", "html").decode()
    assert page.startswith("<!doctype html>") and 'src="data:image/png;base64,' in page
    assert "Siste 12 måneder" in page  # the chart's text alternative
    assert_private(page)
    pdf = run(capsysbinary, "--format", "pdf")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Kommunen" in text and "Nordby skole" in text
    assert_private(text)


def test_bad_arguments_are_refused_with_a_message(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--from", "1. november"]) == 2
    assert "Ugyldig dato" in capsys.readouterr().err
    assert main(["stats", "--school", "nowhere"]) == 2
    assert main(["stats", "--from", "2026-12-01", "--to", "2026-11-01"]) == 2
    capsys.readouterr()
    # Only whole months, terms and school years that have ended: September–October gave
    # October's 2 away (8 in the table, 6 in September's bar).
    refused = ["stats", "--school", "fjellvik", "--from", "2026-09-01", "--to", "2026-10-31"]
    assert main(refused) == 2
    err = capsys.readouterr().err
    assert "hel måned" in err and "halvår" in err and "skoleår" in err and "--from" in err
    assert main(["stats", "--from", "2026-11-02", "--to", "2026-11-30"]) == 2
    with pytest.raises(SystemExit):
        main(["stats", "--format", "xlsx"])


def test_the_cli_never_loads_matplotlib() -> None:
    code = "import sys, bot.cli; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


# --- The chart -----------------------------------------------------------------------------


def published(services: Services) -> dict[str, object]:
    period = stats.Period(date(2026, 11, 1), date(2026, 11, 30))
    with services.uow() as s:
        return stats.Publisher.read(s, services.org, period).owner()


@pytest.mark.parametrize("compact", [False, True])
def test_the_chart_is_a_real_png_of_the_expected_size_and_not_blank(
    on_disk: Path, compact: bool
) -> None:
    from PIL import Image, ImageStat

    engine = make_engine(f"sqlite:///{on_disk / 'meldefra.db'}")
    services = Services(org=three_schools(), sessions=session_factory(engine))
    report = published(services)
    drawn = charts.chart(report, "nb", compact=compact)
    assert drawn.png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(drawn.png))
    image.load()
    assert image.format == "PNG"
    assert image.size == (drawn.width, drawn.height)
    assert image.size == ((600, 320) if compact else (1000, 400))
    pixels = image.convert("RGB")
    colours = pixels.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 20  # bars, a line, text: not one flat colour
    assert any(b > r + 40 for _, (r, _g, b) in colours)  # the blue bars are there
    assert max(ImageStat.Stat(pixels).stddev) > 10
    # The text alternative holds the same numbers as the chart.
    months = report["trend"][ALL]  # type: ignore[index]
    assert len(months) == 12 and months[-1]["month"] == "2026-11"
    assert months[-1]["reports"] == 15 and months[-1]["ack_median_hours"] == 3.0
    assert months[-2]["reports"] == SMALL  # H, the one October report
    assert "november 2026: 15 nye meldinger, median 3,0 timer til bekreftet." in drawn.alt
    assert "oktober 2026: <5 nye meldinger, median – timer til bekreftet." in drawn.alt
    if not compact:
        assert "Nordby skole: 90-persentil 3,0 skoledager, frist 1." in drawn.alt
        assert "Fjellvik skule: 90-persentil – skoledager, frist 1." in drawn.alt
    assert_private(drawn.alt)
    engine.dispose()


def test_monthly_dry_run_names_who_would_get_it_and_the_month_covered(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The round on 1 December covers November: both the run and the dry run say so."""
    assert main(["monthly", "--dry-run", "--at", "2026-12-01 08:00"]) == 0
    out = capsys.readouterr().out
    assert "nordby: månedsrapport for november 2026 ville blitt sendt til 1." in out
    assert "→ rektor: rektor@nordby.example" in out
    assert "→ skoleeier: skoleeier@kommune.example" in out
    assert "2026-12" not in out


def test_org_check_warns_when_rektor_is_not_in_the_rteam(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "org.yml"
    path.write_text(
        SAMPLE_ORG.read_text(encoding="utf-8").replace(
            "members: [rektor@nordby.example, radgiver@nordby.example",
            "members: [radgiver@nordby.example",
        )
    )
    assert main(["org", "check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "nordby: rektor rektor@nordby.example er ikke med i R-teamet" in out
    assert "fjellvik: rektor" not in out
    assert main(["org", "check", str(SAMPLE_ORG)]) == 0
    assert "R-teamet (rteam.members)" not in capsys.readouterr().out
