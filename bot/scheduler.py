"""The scheduler: turns the clock into follow-up rounds.

Every minute it asks each school whether its morning reminders or its R-team digest are due
(handlers.followup.reminders_due, handlers.digest.digest_due) and runs the round for all the
schools that are; inside the school's working hours it also looks every five minutes for
§ 12-5 cases whose next working hour has come (handlers.followup.urgent_due). Safe on
several replicas and across restarts: the round's claim in the database decides who runs it,
and a round that died mid-way left nothing and runs again on the next tick. What it remembers
in memory only spares the database a repeat of a round this process already saw through.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from handlers import digest, followup, monthly
from handlers.followup import RoundResult
from handlers.org import School
from handlers.services import Services

log = logging.getLogger("meldefra.scheduler")

Due = Callable[[School, datetime], str | None]
Run = Callable[..., list[RoundResult]]
ROUNDS: tuple[tuple[str, Due, Run], ...] = (
    (followup.REMINDERS, followup.reminders_due, followup.run_reminders),
    (digest.DIGEST, digest.digest_due, digest.run_digest),
    (followup.OWNER_NOTICE, followup.owner_notice_due, followup.run_owner_notices),
    (followup.URGENT, followup.urgent_due, followup.run_urgent),
    (monthly.MONTHLY, monthly.monthly_due, monthly.run_monthly),
)

# Rounds that look every few minutes (§ 12-5 by the hour): reported only when they did something.
QUIET = frozenset({followup.URGENT})


class Scheduler:
    def __init__(
        self,
        services: Services,
        *,
        interval: float = 60.0,
        on_queued: Callable[[], None] | None = None,
        on_round: Callable[[str, list[str], float], None] | None = None,
        directory: Callable[[], object] | None = None,
        directory_every: float = 24 * 3600.0,
    ) -> None:
        self.services = services
        # The directory sync (org.yml `directory:`): at start, then every `directory_every`
        # seconds, in a thread of its own so a long sync never holds up a morning round.
        self.directory = directory
        self.directory_every = directory_every
        self._directory_last: float | None = None
        self._directory_thread: threading.Thread | None = None
        self.interval = interval
        self.on_queued = on_queued  # e.g. wake the outbox worker
        self.on_round = on_round  # (kind, each school's status, seconds): bot/metrics.py
        self._seen: dict[tuple[str, str], str] = {}  # (school, kind) → last period seen through

    def tick(self) -> list[RoundResult]:
        """Run every round that is due now and not yet seen through; returns what ran.

        All schools due at once share one round (one transaction): a municipality's 08:00 is a
        few statements, not a few per school. If that fails, each school runs on its own, so one
        school's trouble does not hold up the others; what still fails is retried next tick.
        """
        self._sync_directory()
        now = self.services.clock.now()
        results: list[RoundResult] = []
        for kind, due, run in ROUNDS:
            periods = {
                school.id: period
                for school in self.services.org.schools
                if (period := due(school, now)) is not None
                and self._seen.get((school.id, kind)) != period
            }
            if not periods:
                continue
            started = time.perf_counter()
            try:
                done = run(self.services, list(periods), at=now)
            except Exception:
                log.exception(
                    "%s round for %d schools failed; one school at a time", kind, len(periods)
                )
                done = []
                for school_id in periods:
                    try:
                        done += run(self.services, [school_id], at=now)
                    except Exception:
                        log.exception("%s round for %s failed; retrying next tick", kind, school_id)
            if kind in QUIET:
                for result in done:
                    self._seen[(result.school_id, kind)] = periods.get(result.school_id, "")
                done = [r for r in done if r.notices or r.escalated]
            for result in done:
                # (skoleeier's monthly round rides along with the schools': no period of its own)
                self._seen[(result.school_id, kind)] = periods.get(result.school_id, "")
                log.info(
                    "%s round for %s (%s): %s, %d notices",
                    kind,
                    result.school_id,
                    result.period,
                    result.status,
                    len(result.notices),
                )
            results += done
            if self.on_round is not None:
                self.on_round(kind, [r.status for r in done], time.perf_counter() - started)
        if self.on_queued is not None and any(r.notices for r in results):
            self.on_queued()
        return results

    def _sync_directory(self) -> None:
        if self.directory is None:
            return
        running = self._directory_thread is not None and self._directory_thread.is_alive()
        now = time.monotonic()
        last = self._directory_last
        if running or (last is not None and now - last < self.directory_every):
            return
        self._directory_last = now
        job = self.directory

        def run() -> None:
            try:
                job()
            except Exception:  # a broken source is logged by the job; keep the clock turning
                log.exception("directory sync failed; retrying at the next interval")

        self._directory_thread = threading.Thread(
            target=run, name="meldefra-directory", daemon=True
        )
        self._directory_thread.start()

    def run_forever(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # keep the clock turning after a database hiccup
                log.exception("scheduler tick failed")
            stop.wait(self.interval)

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(
            target=self.run_forever, args=(stop,), name="meldefra-scheduler", daemon=True
        )
        thread.start()
        return thread
