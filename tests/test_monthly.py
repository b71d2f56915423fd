"""The monthly report: due on the first school day at reminder_time, once per recipient (also
with two schedulers on PostgreSQL), figures only, delivered with a chart and the report."""

from __future__ import annotations

import base64
import io
import json
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.scheduler import Scheduler
from bot.teams.monthly import CARD_MAX, monthly_card
from handlers.clock import FixedClock
from handlers.followup import ALREADY, DRY_RUN, NOT_DUE, RAN
from handlers.monthly import MONTHLY_REPORT, OWNER_ROUND, monthly_due, run_monthly
from handlers.org import Org
from handlers.services import Services
from handlers.stats import ALL, SMALL
from store.db import session_factory
from store.models import FollowupRound, Outbox

from .stats_history import OWNER, SECRET_WORDS, november, oslo, three_schools

DECEMBER_1 = oslo(2026, 12, 1, 8)  # a Tuesday: the first school day of December
SCHOOLS = ["nordby", "fjellvik", "sorby"]
RECIPIENTS = {"rektor@nordby.example", "rektor@fjellvik.example", "rektor@sorby.example", OWNER}


@pytest.fixture
def history(services: Services, clock: FixedClock) -> Services:
    services.org = three_schools()
    november(services, clock)
    clock.set(DECEMBER_1)
    return services


def monthly_rows(services: Services) -> list[Outbox]:
    with services.uow() as s:
        return list(
            s.scalars(select(Outbox).where(Outbox.kind == MONTHLY_REPORT).order_by(Outbox.id))
        )


def test_due_on_the_first_school_day_of_the_month_at_reminder_time() -> None:
    org = three_schools()
    nordby = org.school("nordby")
    assert monthly_due(nordby, DECEMBER_1) == "2026-12"
    assert monthly_due(nordby, oslo(2026, 12, 1, 7, 59)) is None
    assert monthly_due(nordby, oslo(2026, 12, 1, 23, 30)) == "2026-12"  # caught up that day
    assert monthly_due(nordby, oslo(2026, 12, 2, 8)) is None
    # 1 November 2026 is a Sunday; 1 January a holiday (and nordby's Christmas break).
    assert monthly_due(nordby, oslo(2026, 11, 2, 9)) == "2026-11"
    assert monthly_due(nordby, oslo(2027, 1, 1, 9)) is None
    assert monthly_due(nordby, oslo(2027, 1, 4, 9)) == "2027-01"


def test_each_rektor_and_skoleeier_get_it_once(history: Services) -> None:
    dry = run_monthly(history, SCHOOLS, dry_run=True)
    assert {r.status for r in dry} == {DRY_RUN} and not monthly_rows(history)
    results = run_monthly(history, SCHOOLS)
    assert [(r.school_id, r.status, r.period) for r in results] == [
        ("nordby", RAN, "2026-12"),
        ("fjellvik", RAN, "2026-12"),
        ("sorby", RAN, "2026-12"),
        (OWNER_ROUND, RAN, "2026-12"),
    ]
    rows = monthly_rows(history)
    assert {r.recipient for r in rows} == RECIPIENTS and len(rows) == 4
    assert {r.dedupe_key for r in rows} >= {
        "monthly:nordby:2026-12:rektor@nordby.example",
        f"monthly:owner:2026-12:{OWNER}",
    }
    again = run_monthly(history, SCHOOLS)
    assert {r.status for r in again} == {ALREADY} and len(monthly_rows(history)) == 4
    assert run_monthly(history, SCHOOLS, at=oslo(2026, 12, 2, 8))[0].status == NOT_DUE


def test_rektor_sees_their_school_without_cases_about_the_rteam(history: Services) -> None:
    """No median school with three (from five schools up: with two, own and median give the
    other away; the figures of three were the leak)."""
    run_monthly(history, SCHOOLS)
    by = {r.recipient: json.loads(r.data) for r in monthly_rows(history)}
    rektor = by["rektor@nordby.example"]
    assert rektor["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert [row["id"] for row in rektor["rows"]] == ["nordby"]
    nordby = rektor["rows"][0]
    # G (about trinn8; rektor and the leadership excluded) is not in the R-team's view.
    assert nordby["counts"]["section_12_5"] == 0 and nordby["counts"]["reports"] == 6
    assert nordby["counts"]["open.new"] == SMALL  # F and H
    assert nordby["durations"]["ack_hours"] == {"median": 24.0, "p90": 72.0}
    trend = rektor["trend"]["nordby"]
    assert [m["month"] for m in trend][-2:] == ["2026-10", "2026-11"]
    assert trend[-1]["reports"] == 6 and trend[-2]["reports"] == SMALL
    owner = by[OWNER]
    assert [row["id"] for row in owner["rows"]] == [*SCHOOLS, ALL]
    total = owner["rows"][-1]
    assert total["counts"]["reports"] == 15 and total["counts"]["section_12_5"] == SMALL
    assert owner["trend"][ALL][-1] == {"month": "2026-11", "reports": 15, "ack_median_hours": 3.0}
    for data in by.values():
        text = json.dumps(data, ensure_ascii=False)
        assert "MF-" not in text and all(w not in text for w in SECRET_WORDS)


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_schedulers_on_postgresql_send_it_once(
    engine: Engine, history: Services, clock: FixedClock
) -> None:
    def replica() -> Scheduler:
        return Scheduler(Services(history.org, session_factory(engine), clock), interval=0)

    schedulers = [replica(), replica()]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def tick(scheduler: Scheduler) -> None:
        try:
            start.wait()
            scheduler.tick()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    rows = monthly_rows(history)
    assert sorted(r.recipient or "" for r in rows) == sorted(RECIPIENTS)
    with history.uow() as s:
        claimed = s.scalars(select(FollowupRound).where(FollowupRound.kind == "monthly")).all()
        assert sorted(r.school_id for r in claimed) == sorted([*SCHOOLS, OWNER_ROUND])
    # A later tick on either replica sends nothing more.
    for scheduler in schedulers:
        scheduler.tick()
    assert len(monthly_rows(history)) == 4


# --- Delivery: Slack (files.uploadV2 into the DM) and the Teams card -------------------------


def pending(row: Outbox) -> Any:
    from handlers.delivery import Pending

    return Pending(
        row.id, row.kind, row.recipient, row.channel, row.case_id, row.lang,
        json.loads(row.data), row.attempts, None,
    )  # fmt: skip


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_slack_dm_holds_the_summary_the_chart_and_the_report(history: Services) -> None:
    from PIL import Image
    from pypdf import PdfReader

    from .slack_harness import PEOPLE, slack_bot

    run_monthly(history, SCHOOLS)
    with slack_bot(history) as bot:
        for email, user in (
            ("rektor@fjellvik.example", "U0RFJELL"),
            ("rektor@sorby.example", "U0RSORBY"),
        ):
            bot.fake.add_user(user, email)
        bot.deliver()
        assert all(r.status == "sent" for r in monthly_rows(history))
        completes = bot.fake.calls("files.completeUploadExternal")
        assert len(completes) == 4
        to_owner = next(
            c.params for c in completes
            if c.params["channel_id"] == bot.fake.dm_channel(PEOPLE[OWNER])
        )  # fmt: skip
        comment = to_owner["initial_comment"]
        assert comment.startswith("Månedsrapport november 2026: alle skoler")
        assert "Nye meldinger i kommunen: 15." in comment
        assert "median 3,0 timer" in comment
        names = [f["title"] for f in json.loads(to_owner["files"])]
        assert names == [
            "manedsrapport-2026-11-kommunen",
            "manedsrapport-2026-11-kommunen.pdf",
            "manedsrapport-2026-11-kommunen.html",
        ]
        uploads = {u.filename: u for u in bot.fake.uploads.values()}
        png = uploads["manedsrapport-2026-11-kommunen.png"].data
        assert png is not None
        assert Image.open(io.BytesIO(png)).size == (1000, 400)
        pdf = uploads["manedsrapport-2026-11-kommunen.pdf"].data
        assert pdf is not None
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert "Sørby skole" in text and "Kommunen" in text
        html = uploads["manedsrapport-2026-11-kommunen.html"].data or b""
        for content in (comment, text, html.decode()):
            assert "MF-" not in content and all(w not in content for w in SECRET_WORDS)
        rektor = next(
            c.params for c in completes
            if c.params["channel_id"] == bot.fake.dm_channel(PEOPLE["rektor@nordby.example"])
        )  # fmt: skip
        assert "Nye meldinger: 6." in rektor["initial_comment"]
        assert "medianskolen" not in rektor["initial_comment"]
        assert not [
            c for c in bot.fake.calls("chat.postMessage")
            if "Månedsrapport" in str(c.params.get("text"))
        ]  # fmt: skip


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_teams_card_holds_the_chart_inline_under_28_kb(history: Services, org: Org) -> None:
    from PIL import Image

    run_monthly(history, SCHOOLS)
    for row in monthly_rows(history):
        summary, card = monthly_card(row.lang, json.loads(row.data))
        assert (
            summary.split(" ")[0] in ("Månedsrapport", "Månadsrapport")
            and "november 2026" in summary
        )
        assert len(json.dumps(card).encode()) <= CARD_MAX
        image = next(e for e in card["body"] if e["type"] == "Image")
        png = base64.b64decode(image["url"].removeprefix("data:image/png;base64,"))
        assert Image.open(io.BytesIO(png)).size == (600, 320)
        assert "november 2026:" in image["altText"]
        texts = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
        assert image["altText"] in texts  # the same numbers without the picture
