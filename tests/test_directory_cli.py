"""`meldefra directory sync|show`, `meldefra org check` against the directory, and the
scheduled sync `serve` runs from org.yml's `directory:`."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.directory_cli import scheduled
from bot.scheduler import Scheduler
from handlers import directory
from handlers.org import load_org, parse_org
from handlers.services import Services
from store.db import make_engine, session_factory

from .conftest import ROOT, SAMPLE_ORG

SAMPLE = ROOT / "bot" / "sample_oneroster"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'meldefra.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MELDEFRA_ORG", str(SAMPLE_ORG))
    monkeypatch.delenv("MELDEFRA_ENCRYPTION_KEY", raising=False)
    return url


def test_the_sample_school_syncs_in_one_command(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["directory", "sync"]) == 0
    assert capsys.readouterr().out == (
        "Katalogen er synkronisert fra oneroster: elever 15 nye, 0 endret, 0 sluttet; "
        "ansatte 15 nye, 0 endret, 0 sluttet; skoler 2 nye, 0 endret.\n"
    )
    assert main(["directory", "sync", "--source", "oneroster", str(SAMPLE)]) == 0
    assert capsys.readouterr().out == "Katalogen er synkronisert fra oneroster: ingen endringer.\n"
    assert main(["directory", "show", "--school", "nordby"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Nordby skole (nordby): 13 elever, 0 sluttet, 16 foresatte, 11 ansatte, 5 klasser. "
        "Kilde: oneroster, sist "
    )
    services = Services(org=load_org(SAMPLE_ORG), sessions=session_factory(make_engine(db)))
    assert [h.name for h in directory.search_pupils(services, "nordby", "kari 8b")] == [
        "Kari Nordmann"
    ]


def test_a_broken_source_prints_one_line_per_problem(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "export"
    shutil.copytree(SAMPLE, folder)
    demographics = folder / "demographics.csv"
    demographics.write_text(demographics.read_text().replace("2013-04-02", "02.04.2013"))
    assert main(["directory", "sync", "--source", "oneroster", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "Katalogen ble ikke endret: kilden har 1 feil.",
        "  demographics.csv line 2: birthDate '02.04.2013' is not a date",
    ]
    (folder / "orgs.csv").unlink()
    assert main(["directory", "sync", "--source", "oneroster", str(folder)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "Katalogen ble ikke endret: kilden har 1 feil.",
        f"  orgs.csv: missing in {folder}",
    ]
    assert main(["directory", "show"]) == 0
    assert capsys.readouterr().out == (
        "Katalogen er tom: elevene skrives inn for hånd, slik som før.\n"
    )


def test_no_source_is_a_usage_error(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    org = tmp_path / "org.yml"
    org.write_text(
        SAMPLE_ORG.read_text().split("\ndirectory:")[0]
        + "\nschools:"
        + SAMPLE_ORG.read_text().split("\nschools:")[1]
    )
    monkeypatch.setenv("MELDEFRA_ORG", str(org))
    assert main(["directory", "sync"]) == 2
    assert "Ingen kilde" in capsys.readouterr().err
    for var in ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID"):
        monkeypatch.delenv(var, raising=False)
    assert main(["directory", "sync", "--source", "graph"]) == 2
    assert "CLIENT_ID" in capsys.readouterr().err


def test_org_check_names_people_the_directory_does_not_know(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["directory", "sync"]) == 0
    org = tmp_path / "org.yml"
    text = SAMPLE_ORG.read_text().replace("path: sample_oneroster", f"path: {SAMPLE}")
    text = text.replace("laerer4@nordby.example", "ukjent@nordby.example")
    text = text.replace(
        "members: [kontaktlaerar1@fjellvik.example, assistent@fjellvik.example]",
        "members: [kontaktlaerar1@fjellvik.example, assistent@fjellvik.example, "
        "laerer3@nordby.example]",
    )
    org.write_text(text)
    capsys.readouterr()
    assert main(["org", "check", str(org)]) == 0
    out = capsys.readouterr().out
    tail = out[out.index("Mot katalogen:") :].splitlines()
    assert tail == [
        "Mot katalogen:",
        "  nordby: ukjent@nordby.example finnes ikke i katalogen.",
        "  fjellvik: laerer3@nordby.example er i katalogen, men ved nordby, ikke ved denne skolen.",
    ]
    assert main(["org", "check"]) == 0
    assert "Alle i org.yml finnes i katalogen ved riktig skole." in capsys.readouterr().out


def test_org_yml_directory_and_repeat_reports(tmp_path: Path) -> None:
    org = load_org(SAMPLE_ORG)
    assert org.directory is not None
    assert (org.directory.source, org.directory.path, org.directory.every_minutes) == (
        "oneroster",
        SAMPLE,
        24 * 60,
    )
    text = SAMPLE_ORG.read_text()
    bad = text.replace("source: oneroster", "source: ldap").replace(
        "      plan_within_school_days: 5",
        "      plan_within_school_days: 5\n      repeat_reports: many",
    )
    with pytest.raises(Exception) as caught:
        parse_org(bad)
    message = str(caught.value)
    assert "directory: source «ldap» må være oneroster eller graph." in message
    assert "policy.repeat_reports «many»" in message
    good = text.replace("every: 24 hours", "every: 6 h").replace(
        "      plan_within_school_days: 5",
        "      plan_within_school_days: 5\n      repeat_reports: 3 per term",
    )
    parsed = parse_org(good, str(tmp_path / "org.yml"))
    assert parsed.directory is not None and parsed.directory.every_minutes == 360
    assert parsed.directory.path == tmp_path / "sample_oneroster"
    policy = parsed.school("nordby").policy
    assert policy.repeat_reports is not None
    assert (policy.repeat_reports.count, policy.repeat_reports.period) == (3, "term")
    with pytest.raises(Exception, match="every «1 minute»"):
        parse_org(text.replace("every: 24 hours", "every: 1 minute"))


def test_the_scheduler_syncs_at_start_and_then_every_interval(db: str) -> None:
    services = Services(org=load_org(SAMPLE_ORG), sessions=session_factory(make_engine(db)))
    from store.db import upgrade

    upgrade(make_engine(db))
    job = scheduled(services, Settings.from_env())
    assert job is not None and job[1] == 24 * 3600.0
    runs: list[float] = []

    def counted() -> object:
        runs.append(time.monotonic())
        return job[0]()

    scheduler = Scheduler(services, directory=counted, directory_every=3600)
    scheduler.tick()
    assert scheduler._directory_thread is not None
    scheduler._directory_thread.join(timeout=60)
    scheduler.tick()  # not due again for an hour
    assert len(runs) == 1
    assert directory.has_directory(services, "nordby")
