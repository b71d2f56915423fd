"""No pupil name or free text in any log line, at DEBUG, whatever reaches the server.

Sentinel texts go in as a pupil's name and "what happened" through every path that carries
them (a slash command's text, a submission, a stale or forged submission, an unsigned body, the
case dialog that views.open sends, a Teams dialog), and every log line is searched for them.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from bot import logs
from handlers.services import Services
from store.db import make_engine, session_factory, transaction
from store.models import Case, Outbox
from tests.conftest import SAMPLE_ORG
from tests.fakes.signing import (
    block_actions,
    button,
    checkboxes,
    interactive_body,
    plain_text_input,
    signed_headers,
    slash_command_body,
    view_submission,
)
from tests.fakes.slack_api import FakeSlack
from tests.processes import stop
from tests.slack_harness import PEOPLE, SECRET, TOKEN, SlackBot, free_port, slack_bot
from tests.teams_harness import TeamsHarness, dialog_card, teams_bot, texts

PUPIL = "Sentinella Qvistborg"
WHAT = "Zyxwvu-hendelsen i garderoben"
SENTINELS = ("sentinella", "qvistborg", "zyxwvu", "garderoben")
TEACHER = "laerer1@nordby.example"
REKTOR = "rektor@nordby.example"


def leaks(output: str) -> list[str]:
    lowered = output.casefold()
    return [s for s in SENTINELS if s in lowered]


def report(user: str = TEACHER, view_id: str = "V0SENTINEL") -> bytes:
    payload = view_submission(
        "meldefra_report",
        {
            "pupils": {"value": plain_text_input(PUPIL)},
            "what": {"value": plain_text_input(WHAT)},
            "when": {"value": plain_text_input(None)},
            "categories": {"categories": checkboxes(["utestenging"])},
        },
        user_id=PEOPLE[user],
        view_id=view_id,
        private_metadata=json.dumps({"lang": "nb"}),
    )
    return interactive_body(payload)


def open_case_click(fake: FakeSlack, ref: str, ts: str) -> bytes:
    return interactive_body(
        block_actions(
            button("case_open", ref, block_id=f"case:{ref}"),
            user_id=PEOPLE[REKTOR],
            channel_id=fake.dm_channel(PEOPLE[REKTOR]),
            message_ts=ts,
        )
    )


def garbage_bodies() -> list[tuple[bytes, dict[str, str]]]:
    """What anyone can send: stale, forged, unsigned, oversized, not UTF-8, not JSON."""
    body = report(view_id="V0GARBAGE")
    big = b"payload=" + (WHAT.encode() + b" " + PUPIL.encode() + b" ") * 60_000  # ~2.5 MB
    return [
        (body, signed_headers(body, SECRET, int(time.time()) - 600)),  # stale: clock skew
        (body, signed_headers(body, "rotated-secret")),  # secret rotated
        (body, {"Content-Type": "application/x-www-form-urlencoded"}),  # unsigned
        (big, {"Content-Type": "application/x-www-form-urlencoded"}),
        (big[:900_000], signed_headers(big[:900_000], "not-the-secret")),
        (b"payload=\xff\xfe" + PUPIL.encode("latin-1"), signed_headers(b"x", "x")),
        (b"payload={not json " + PUPIL.encode(), {"X-Slack-Signature": "v0=zz"}),
    ]


# --- `meldefra serve --http` at DEBUG, as an operator runs it --------------------------------


@contextmanager
def serve_http(tmp_path: Path, fake: FakeSlack, **env: str) -> Iterator[tuple[str, list[str]]]:
    port = free_port()
    out = tmp_path / "serve.log"
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1",
             "--port", str(port)],
            env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
                 "MELDEFRA_ORG": str(SAMPLE_ORG), "SLACK_BOT_TOKEN": TOKEN,
                 "SLACK_API_URL": fake.url, "SLACK_SIGNING_SECRET": SECRET,
                 "MELDEFRA_LOG_LEVEL": "DEBUG", **env},
            cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        lines: list[str] = []
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 90
            while True:
                try:
                    httpx.get(f"{url}/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, out.read_text()
                    assert time.monotonic() < deadline, "serve --http did not come up"
                    time.sleep(0.1)
            yield url, lines
        finally:
            stop(proc)
            lines.extend(out.read_text().splitlines())


def delivered_to_rektor(db: Path) -> tuple[str, str]:
    """The case's ref and the ts of rektor's DM about it, once the delivery process recorded it."""
    engine = make_engine(f"sqlite:///{db}")
    deadline = time.monotonic() + 20
    try:
        while True:
            with transaction(session_factory(engine)) as s:
                ref = str(s.scalar(select(Case.ref)))
                sent = s.scalar(
                    select(Outbox.platform_ref).where(
                        Outbox.recipient == REKTOR, Outbox.kind == "new_case"
                    )
                )
            if sent:
                return ref, sent.partition(":")[2]
            assert time.monotonic() < deadline, "rektor's DM was not recorded"
            time.sleep(0.1)
    finally:
        engine.dispose()


def drive_slack_over_http(url: str, fake: FakeSlack, db: Path) -> None:
    """The whole flow with the sentinels in every place they can be."""
    with httpx.Client(base_url=url, timeout=30) as http:
        for body, headers in garbage_bodies():
            answer = http.post("/slack/events", content=body, headers=headers)
            assert answer.status_code in (401, 413), answer.status_code
        command = slash_command_body(text=WHAT, user_id=PEOPLE[TEACHER],
                                     response_url=fake.response_url())  # fmt: skip
        assert http.post("/slack/events", content=command,
                         headers=signed_headers(command, SECRET)).status_code == 200  # fmt: skip
        fake.wait_for("views.open")  # its body holds WHAT
        body = report()
        assert http.post("/slack/events", content=body,
                         headers=signed_headers(body, SECRET)).status_code == 200  # fmt: skip
        fake.wait_for("chat.postMessage", count=3, timeout=20)
        ref, ts = delivered_to_rektor(db)
        click = open_case_click(fake, ref, ts)
        assert http.post("/slack/events", content=click,
                         headers=signed_headers(click, SECRET)).status_code == 200  # fmt: skip
        fake.wait_for("views.open", count=2)  # the case dialog: PUPIL and WHAT
    shown = json.dumps([c.params for c in fake.calls("views.open")], ensure_ascii=False)
    assert PUPIL in shown and WHAT in shown  # the sentinels did pass through the server


def test_serve_http_at_debug_logs_no_body_and_no_name(tmp_path: Path) -> None:
    with FakeSlack(token=TOKEN) as fake:
        for email, user in PEOPLE.items():
            fake.add_user(user, email)
        with serve_http(tmp_path, fake) as (url, lines):
            drive_slack_over_http(url, fake, tmp_path / "m.db")
    assert any("DEBUG" in line for line in lines), lines  # DEBUG was really on
    assert any("refused a Slack request" in line for line in lines)  # and refusals are logged
    assert not leaks("\n".join(lines)), [line for line in lines if leaks(line)][:5]
    assert sum(len(line) for line in lines) < 200_000  # a 2.5 MB body does not reach the log


def test_json_lines_with_the_case_ref_and_no_free_text(tmp_path: Path) -> None:
    with FakeSlack(token=TOKEN) as fake:
        for email, user in PEOPLE.items():
            fake.add_user(user, email)
        with serve_http(tmp_path, fake, MELDEFRA_LOG_FORMAT="json") as (url, lines):
            drive_slack_over_http(url, fake, tmp_path / "m.db")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "MELDEFRA_ORG": str(SAMPLE_ORG), "MELDEFRA_LOG_FORMAT": "json"}  # fmt: skip
    export = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "export",
            "MF-0001",
            "-v",
            "--format",
            "json",
            "--out",
            str(tmp_path / "out" / "case.json"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert export.returncode == 0, export.stderr
    lines += export.stderr.splitlines()
    records = [json.loads(line) for line in lines if line.strip()]  # every line is JSON
    assert records
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys(), record
        assert record["time"].endswith("+00:00")
    assert any(r.get("case") == "MF-0001" for r in records), records[-3:]
    assert not leaks("\n".join(lines))


# --- in process, on both databases: the Slack harness and the Teams harness ------------------


@contextmanager
def captured_at_debug() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    root = logging.getLogger()
    before = root.level
    handler = logs.setup("DEBUG", stream=buffer)
    try:
        yield buffer
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


def test_slack_flow_in_process_logs_nothing_typed(services: Services) -> None:
    with captured_at_debug() as log, slack_bot(services) as bot:
        run_slack_flow(bot)
    assert "DEBUG" in log.getvalue()
    assert not leaks(log.getvalue()), [line for line in log.getvalue().splitlines() if leaks(line)]


def run_slack_flow(bot: SlackBot) -> None:
    for body, headers in garbage_bodies():
        answer = bot.http.post(f"{bot.base}/slack/events", content=body, headers=headers)
        assert answer.status_code in (401, 413)
    bot.command(TEACHER, text=WHAT)
    bot.fake.wait_for("views.open")
    assert bot.post(report()).status_code == 200
    bot.deliver()
    with bot.services.uow() as s:
        ref = str(s.scalar(select(Case.ref)))
        row = s.scalar(select(Outbox).where(Outbox.recipient == REKTOR, Outbox.kind == "new_case"))
        assert row is not None and row.platform_ref
    bot.post(open_case_click(bot.fake, ref, row.platform_ref.partition(":")[2]))
    bot.fake.wait_for("views.open", count=2)
    assert PUPIL in json.dumps(bot.last_view(), ensure_ascii=False)


def test_teams_flow_logs_nothing_typed(services: Services) -> None:
    with captured_at_debug() as log, teams_bot(services) as teams:
        run_teams_flow(teams)
    assert "DEBUG" in log.getvalue() or "INFO" in log.getvalue()
    assert not leaks(log.getvalue()), [line for line in log.getvalue().splitlines() if leaks(line)]


def run_teams_flow(teams: TeamsHarness) -> None:
    teams.install(TEACHER)
    teams.say(TEACHER, f"meld fra {WHAT}")
    answer = teams.submit_dialog(
        TEACHER,
        {"dialog": "report", "key": "form-sentinel", "school": "nordby", "pupils": PUPIL,
         "what": WHAT, "categories": "utestenging", "urgent": "no"},
    )  # fmt: skip
    assert answer["task"]["type"] == "message", answer
    teams.deliver()
    with transaction(teams.services.sessions) as s:
        ref = str(s.scalar(select(Case.ref)))
    details = dialog_card(teams.open_dialog(REKTOR, {"dialog": "case", "ref": ref}))
    assert PUPIL in texts(details)
    # Not JSON, not an activity, no token: refused by the SDK or by us, and never logged.
    for body in (b"{not json " + PUPIL.encode(), b"\xff" + WHAT.encode("latin-1")):
        sent = teams.http.post(f"{teams.base}/api/messages", content=body,
                               headers={"Content-Type": "application/json"})  # fmt: skip
        assert sent.status_code in (400, 401, 413)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_failing_library_call_keeps_its_type_but_not_its_body(fmt: str) -> None:
    """A database error names the SQL parameters; a Slack API error the response body."""
    from slack_sdk.errors import SlackApiError
    from sqlalchemy.exc import IntegrityError

    buffer = io.StringIO()
    handler = logs.setup("DEBUG", fmt, stream=buffer)
    try:
        try:
            try:
                raise IntegrityError(
                    "INSERT …",
                    {"body": WHAT},
                    Exception(
                        f'invalid input syntax for type integer: "{PUPIL}"\nDETAIL: ({WHAT})'
                    ),
                )
            except IntegrityError as exc:
                raise SlackApiError(f"failed: {{'view': '{PUPIL}'}}", {"ok": False}) from exc
        except SlackApiError:
            logging.getLogger("meldefra.test").exception("sending failed")
        logging.getLogger("slack_bolt.App").warning("Unhandled request (%s)", {"text": WHAT})
        logging.getLogger("meldefra.test").warning("failed: %s", ValueError(f"'{PUPIL}'"))
        logging.getLogger("slack_sdk.web").debug("views.open %s", PUPIL)
    finally:
        logging.getLogger().removeHandler(handler)
    written = buffer.getvalue()
    assert "IntegrityError" in written and "SlackApiError" in written
    assert "Unhandled request" in written and "sending failed" in written
    assert "views.open" not in written  # a library's debug line is dropped
    assert not leaks(written), written
