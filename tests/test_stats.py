"""The oversight figures, against values worked out by hand from a scripted November.

History (tests/stats_history.py), period 1–30 November 2026, judged at its end:

nordby  A 2 Nov 10:00 acked 12:00 (2 h, 0 sd), closed 5 Nov for another reason
        B 3 Nov 09:00 acked 4 Nov 09:00 (24 h, 1 sd); investigation 4 Nov, plan 10 Nov (within);
          evaluation 17 Nov held on the 17th (on time), next on 24 Nov never held (overdue)
        C 6 Nov 14:00 acked Mon 9 Nov 08:00 (66 h, 1 sd); investigation 9 Nov, no plan (missing)
        D 9 Nov 10:00 acked 12 Nov 10:00 (72 h, 3 sd); investigation 12 Nov, plan 20 Nov (6
          school days: late); evaluation due 27 Nov held 30 Nov (overdue), closed: safe
        E 11 Nov 10:00 acked 11:30 (1.5 h, 0 sd); investigation 27 Nov, no plan yet (pending)
        F 16 Nov, never acknowledged; G 17 Nov § 12-5 about trinn8 (leadership): skoleeier's
          notice delivered 10:05 (0.08 h); H 1 Oct, never acknowledged (open, 43 school days)
fjellvik J 2 Nov (1 h), K 4 Nov (3 h), L 24 Nov not acknowledged: 3 reports
sorby   five reports 18 Nov 09:00, acknowledged after 1, 2, 3, 4, 5 h
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

import pytest

from handlers import stats
from handlers.clock import FixedClock
from handlers.org import Org
from handlers.services import Services
from handlers.stats import ALL, HIDDEN, SMALL, Period

from .stats_history import SECRET_WORDS, november, three_schools

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


@pytest.fixture
def org3() -> Org:
    return three_schools()


@pytest.fixture
def history(services: Services, clock: FixedClock, org3: Org) -> Services:
    services.org = org3
    november(services, clock)
    clock.set(stats_clock())
    return services


def stats_clock() -> Any:
    from .stats_history import oslo

    return oslo(2026, 12, 3, 12)


def figures(services: Services, **kw: Any) -> dict[str, stats.Figures]:
    with services.uow() as s:
        return stats.compute(s, services.org, NOVEMBER, **kw)


def test_every_figure_against_the_hand_computed_values(history: Services) -> None:
    f = figures(history)
    n, fj, so, total = f["nordby"], f["fjellvik"], f["sorby"], f[ALL]
    assert n.reports == 7 and fj.reports == 3 and so.reports == 5 and total.reports == 15
    assert n.by_category == Counter(
        mobbing=3, vold=1, utestenging=1, krenkelse=1, digital_krenkelse=1, ansatt_krenket_elev=1
    )
    assert total.by_category["mobbing"] == 10
    assert n.by_unit_type == Counter(ungdomstrinn=7)
    assert fj.by_unit_type == Counter(barnetrinn=3)
    assert so.by_unit_type == Counter(sfo=2, barnetrinn=3)
    # Acknowledgement: hours and school days.
    assert n.ack == Counter(acknowledged=5, pending=2)
    assert sorted(n.ack_hours) == [1.5, 2.0, 24.0, 66.0, 72.0]
    assert sorted(n.ack_school_days) == [0, 0, 1, 1, 3]
    assert total.ack == Counter(acknowledged=12, pending=3)
    d = stats.durations_of(n)
    assert d["ack_hours"] == {"median": 24.0, "p90": 72.0}
    assert d["ack_school_days"] == {"median": 1.0, "p90": 3.0}
    # Municipality: [1,1,1.5,2,2,3,3,4,5,24,66,72] → median 3, nearest-rank p90 the 11th: 66.
    assert stats.durations_of(total)["ack_hours"] == {"median": 3.0, "p90": 66.0}
    assert stats.durations_of(total)["ack_school_days"] == {"median": 0.0, "p90": 1.0}
    assert stats.durations_of(fj)["ack_hours"] == {"median": None, "p90": None}  # 2 cases
    # § 12-5: one case, skoleeier knew after 5 minutes.
    assert n.section_12_5 == 1 and n.owner == Counter(informed=1) and n.owner_hours == [0.08]
    assert total.section_12_5 == 1
    # Plans within plan_within_school_days (5).
    assert n.plan == Counter(within=1, late=1, missing=1, pending=1)
    assert n.evaluations == Counter(on_time=1, overdue=2)
    assert n.closed == Counter(safe=1, other=1)
    # Open at the end of November, by state and by age in school days.
    assert n.open_by_state == Counter(new=3, investigating=2, plan=1)
    assert n.open_by_age == Counter({"6-20": 5, "21+": 1})
    assert fj.open_by_state == Counter(acknowledged=2, new=1)
    assert fj.open_by_age == Counter({"21+": 1, "6-20": 1, "0-5": 1})
    assert so.open_by_state == Counter(acknowledged=5) and so.open_by_age == Counter({"6-20": 5})
    assert total.open_by_state == Counter(new=4, acknowledged=7, investigating=2, plan=1)


def test_judged_mid_period_and_a_single_school(history: Services, clock: FixedClock) -> None:
    from .stats_history import nov

    # On 20 November: D's plan (made at 10:00) is there, E's investigation has not started.
    f = figures(history, school_ids=["nordby"], as_of=nov(20, 12))
    assert set(f) == {"nordby", ALL}
    assert f["nordby"].plan == Counter(within=1, late=1, missing=1)
    assert f["nordby"].evaluations == Counter(on_time=1)  # the 24th and 27th are still to come
    assert f["nordby"].reports == 7 and f["nordby"].ack == Counter(acknowledged=5, pending=2)


def test_the_rteam_view_never_holds_a_case_about_one_of_its_members(history: Services) -> None:
    # G is about trinn8; nordby's whole leadership (rektor, an R-team member) is excluded.
    f = figures(history, rteam_view=True)
    assert f["nordby"].reports == 6 and f["nordby"].section_12_5 == 0
    assert f["nordby"].open_by_state == Counter(new=2, investigating=2, plan=1)
    assert f["sorby"].reports == 5  # other schools are untouched


def test_unit_types_never_name_a_small_group() -> None:
    assert [stats.unit_type(u) for u in ("8. trinn", "1.–4. trinn", "Småskulen", "SFO")] == [
        "ungdomstrinn",
        "barnetrinn",
        "barnetrinn",
        "sfo",
    ]
    assert stats.unit_type(None) == "ingen" and stats.unit_type("Administrasjon") == "annet"


def test_periods() -> None:
    assert Period.month(date(2026, 2, 14)) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert Period.term(date(2026, 11, 3)) == Period(date(2026, 8, 1), date(2026, 12, 31))
    assert Period.school_year(date(2027, 3, 1)) == Period(date(2026, 8, 1), date(2027, 7, 31))
    assert [p.first.month for p in stats.months_back(NOVEMBER, 3)] == [9, 10, 11]


# --- Publishing: "<5", and nothing to work out by subtraction ---------------------------


def relations(report: dict[str, Any]) -> list[tuple[list[tuple[str, str]], tuple[str, str]]]:
    """Written out independently of handlers.stats: every part-of-a-total in the report."""
    rows = [r["id"] for r in report["rows"]]
    schools = [r for r in rows if r != ALL]
    parts = {
        "reports": [f"unit.{u}" for u in stats.UNIT_TYPES],
        "reports ": ["ack.acknowledged", "ack.pending"],
        "section_12_5": ["owner.informed", "owner.pending"],
        "plans": [f"plan.{o}" for o in ("within", "late", "missing", "pending")],
        "evaluations": ["evaluation.on_time", "evaluation.overdue"],
        "closed": ["closed.safe", "closed.other"],
        "open": [f"open.{s}" for s in ("new", "acknowledged", "investigating", "plan")],
        "open ": [f"age.{a}" for a in stats.AGE_BUCKETS],
    }
    out = [
        ([(row, c) for c in cols], (row, total.strip()))
        for row in rows
        for total, cols in parts.items()
    ]
    if ALL in rows:
        columns = report["rows"][0]["counts"].keys()
        out += [([(s, col) for s in schools], (ALL, col)) for col in columns]
    return out


def can_be_worked_out(report: dict[str, Any], raw: dict[str, dict[str, int]]) -> list[str]:
    """Exact: every hidden cell must have two possible values over all the report's sums
    together (an integer program, tests/disclosure_audit.py), not only relation by relation."""
    from .disclosure_audit import Received, worked_out

    got = Received()
    nov = "2026-11-01..2026-11-30"  # one label for every cell
    for row in report["rows"]:
        for col, value in row["counts"].items():
            got.see((nov, row["id"], col), value, raw[row["id"]][col])
    for parts, total in relations(report):
        got.relations.append(([(nov, *c) for c in parts], (nov, *total)))
    return worked_out(got)


def test_published_counts_hide_small_numbers_also_from_subtraction(history: Services) -> None:
    f = figures(history)
    ids = ["nordby", "fjellvik", "sorby"]
    report = stats.publish(history.org, NOVEMBER, f, school_ids=ids)
    rows = {r["id"]: r for r in report["rows"]}
    raw = {row: stats.counts_of(f[row]) for row in [*ids, ALL]}
    # Every count 1..4 is "<5" (or hidden), every other count is itself or hidden.
    for row, counts in raw.items():
        for col, value in counts.items():
            shown = rows[row]["counts"][col]
            assert shown in ((SMALL, HIDDEN) if 1 <= value <= 4 else (value, HIDDEN)), (row, col)
    assert rows["fjellvik"]["counts"]["reports"] == SMALL
    assert rows[ALL]["counts"]["reports"] == 15
    # 15 − 7 − 5 would give fjellvik's 3: another school's count is hidden with it.
    assert HIDDEN in (rows["nordby"]["counts"]["reports"], rows["sorby"]["counts"]["reports"])
    # nordby: 7 reports, 2 not acknowledged ("<5"): the 5 acknowledged cannot stay shown.
    assert rows["nordby"]["counts"]["ack.pending"] == SMALL
    assert rows["nordby"]["counts"]["ack.acknowledged"] == HIDDEN
    assert can_be_worked_out(report, raw) == []
    # Durations from five cases up.
    assert rows["nordby"]["durations"]["ack_hours"] == {"median": 24.0, "p90": 72.0}
    assert rows["fjellvik"]["durations"]["ack_hours"] == {"median": None, "p90": None}
    assert rows["nordby"]["durations"]["owner_hours"] == {"median": None, "p90": None}


def test_suppression_holds_for_random_tables() -> None:
    import random

    rng = random.Random(7)
    ids = ["a", "b", "c", "d"]
    for _ in range(150):
        grid: dict[str, dict[str, int]] = {}
        for row in ids:
            parts = [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 14]) for _ in stats.UNIT_TYPES]
            grid[row] = {c: 0 for c, _ in stats.columns()}
            grid[row].update({f"unit.{u}": v for u, v in zip(stats.UNIT_TYPES, parts, strict=True)})
            grid[row]["reports"] = grid[row]["ack.acknowledged"] = sum(parts)
        grid[ALL] = {c: sum(grid[r][c] for r in ids) for c, _ in stats.columns()}
        hidden = stats.suppress(grid, stats.relations_for([*ids, ALL], ALL))
        shown = {r: {c: hidden.get((r, c), v) for c, v in grid[r].items()} for r in [*ids, ALL]}
        report = {"rows": [{"id": r, "counts": shown[r]} for r in [*ids, ALL]]}
        assert can_be_worked_out(report, grid) == [], grid


def test_no_name_or_free_text_reaches_the_published_figures(history: Services) -> None:
    f = figures(history)
    report = stats.publish(history.org, NOVEMBER, f, school_ids=["nordby", "fjellvik", "sorby"])
    text = json.dumps(report, ensure_ascii=False)
    for word in SECRET_WORDS:
        assert word not in text
    assert "MF-" not in text and "@" not in text  # no case refs, no e-mails
