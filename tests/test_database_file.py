"""Issue 19 finding 19: a SQLite file deleted or replaced under a running server swallowed
reports (pooled connections wrote on into the old, unlinked file; after a restart the report was
gone) and /healthz still said 200.

Now the server knows its file by device and inode from the first connection and checks it before
every transaction: a report is refused with the form kept and a clear line, /healthz is 503 and
says why, and nothing is sent. Over real HTTP with signed Slack requests, as a person would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot import bootstrap
from bot.config import Settings
from handlers.clock import FixedClock
from handlers.i18n import t
from handlers.services import Services
from store.models import Case
from tests.conftest import NOW, SAMPLE_ORG
from tests.fakes.signing import checkboxes, plain_text_input, view_submission
from tests.slack_harness import PEOPLE, SlackBot, slack_bot

TEACHER = "laerer1@nordby.example"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "meldefra.db"


@pytest.fixture
def bot(db: Path) -> Iterator[SlackBot]:
    """`serve`'s wiring: bootstrap creates and upgrades the file, then reopens it."""
    settings = Settings(database_url=f"sqlite:///{db}", org_path=SAMPLE_ORG)
    app = bootstrap.build(settings, clock=FixedClock(NOW))
    with slack_bot(app.services) as running:
        yield running
    app.services.sessions.kw["bind"].dispose()


def report(bot: SlackBot, n: int) -> httpx.Response:
    payload = view_submission(
        "meldefra_report",
        {
            "pupils": {"value": plain_text_input("P.Q.")},
            "what": {"value": plain_text_input("Ble holdt utenfor")},
            "categories": {"categories": checkboxes(["utestenging"])},
        },
        user_id=PEOPLE[TEACHER],
        view_id=f"V{n}",
    )
    return bot.interact(payload)


def cases_in(services: Services) -> int:
    with services.uow() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def healthz(bot: SlackBot) -> httpx.Response:
    return bot.http.get(f"{bot.base}/healthz")


def remove(db: Path) -> None:
    for path in db.parent.glob(db.name + "*"):  # the file, its -wal and -shm
        path.unlink()


def refused_with_the_form_kept(answer: httpx.Response) -> None:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["response_action"] == "errors"  # the modal stays open, with what was typed
    assert list(body["errors"].values()) == [t("nb", "chat.error.try_again")]


@pytest.mark.parametrize("change", ["deleted", "replaced_without_schema", "replaced_by_a_copy"])
def test_a_changed_sqlite_file_refuses_reports_and_fails_health(
    bot: SlackBot, db: Path, change: str
) -> None:
    assert healthz(bot).status_code == 200
    first = report(bot, 1)
    assert first.status_code == 200 and first.text in ("", "{}"), first.text
    assert cases_in(bot.services) == 1  # the pool now holds connections to this file
    copy = db.with_name("copy.db")
    if change == "replaced_by_a_copy":  # e.g. a backup restored over the live file
        with sqlite3.connect(db) as live, sqlite3.connect(copy) as target:
            live.backup(target)
    remove(db)
    if change == "replaced_without_schema":
        with sqlite3.connect(db) as other:
            other.execute("CREATE TABLE unrelated (x)")
    elif change == "replaced_by_a_copy":
        copy.rename(db)
    posts_before = len(bot.fake.calls("chat.postMessage"))

    refused_with_the_form_kept(report(bot, 2))

    answer = healthz(bot)
    assert answer.status_code == 503
    reason = "database_file_missing" if change == "deleted" else "database_file_replaced"
    assert answer.json()["database"] == {"ok": False, "reason": reason}
    assert len(bot.fake.calls("chat.postMessage")) == posts_before  # nothing told
    if change == "deleted":
        assert not db.exists()  # and no empty database made in its place
    elif change == "replaced_by_a_copy":
        with sqlite3.connect(db) as restored:  # the copy holds only the first report
            assert restored.execute("SELECT count(*) FROM cases").fetchone() == (1,)


def test_a_file_that_lost_its_schema_fails_health(bot: SlackBot, db: Path) -> None:
    assert healthz(bot).status_code == 200
    with sqlite3.connect(db) as other:
        other.execute("DROP TABLE alembic_version")
    answer = healthz(bot)
    assert answer.status_code == 503
    assert answer.json()["database"]["reason"] == "schema_not_current"
