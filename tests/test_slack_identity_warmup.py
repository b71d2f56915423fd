"""After `/meldefra`, a new reporter's e-mail is resolved in the background once the burst of
commands has passed: nothing but the ack and views.open runs before the modal opens, and the
submission still needs no users.info call."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from bot.slack.payloads import QuietQueue
from handlers.services import Services
from tests.slack_harness import PEOPLE, SlackBot, slack_bot

from .test_slack import TEACHER, submit_report


@pytest.fixture
def bot(services: Services) -> Iterator[SlackBot]:
    with slack_bot(services) as harness:
        yield harness


def test_a_new_reporter_is_resolved_after_views_open_and_before_the_submission(
    bot: SlackBot,
) -> None:
    bot.command(TEACHER, trigger_id="1.2.a")
    opened = bot.fake.wait_for("views.open")[0]
    [lookup] = bot.fake.wait_for("users.info")
    assert lookup.at > opened.at
    deadline = time.monotonic() + 5
    while bot.directory.cached_email(PEOPLE[TEACHER]) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bot.directory.cached_email(PEOPLE[TEACHER]) == TEACHER
    submit_report(bot)
    assert len(bot.fake.calls("users.info")) == 1  # the submission asked nobody again


def test_quiet_queue_waits_for_a_pause_then_works_through_each_item_once() -> None:
    done: list[str] = []
    finished = threading.Event()

    def work(item: str) -> None:
        done.append(item)
        if item == "boom":
            raise RuntimeError("one item failing does not stop the queue")
        if len(done) == 4:
            finished.set()

    queue = QuietQueue(work, quiet=0.2)
    started = time.monotonic()
    for item in ("a", "b", "a", "boom", "c"):
        queue.add(item)
        time.sleep(0.05)
    assert done == []  # still within the burst
    assert finished.wait(5)
    assert time.monotonic() - started >= 0.2
    assert done == ["a", "b", "boom", "c"]
