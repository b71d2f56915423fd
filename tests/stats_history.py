"""A scripted November 2026 for the oversight figures: three schools, known delays.

nordby (7 reports in November, one old open case, one § 12-5 leadership case), fjellvik (a
school with 3 reports), sorby (5 reports acknowledged after 1–5 hours). The figures each test
expects are worked out by hand in the comments of tests/test_stats.py.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from handlers import delivery, plan, review
from handlers.clock import FixedClock
from handlers.org import Org, parse_org
from handlers.report import ReportForm, file_report
from handlers.services import Services

from .conftest import SAMPLE_ORG

OSLO = ZoneInfo("Europe/Oslo")
OWNER = "skoleeier@kommune.example"
# Free text that must never reach any figure, chart or report.
PUPILS = "Kari Nordmann og Ola Hansen"
WHAT = "Kari ble holdt utenfor og kalt stygge ord i gymgarderoben"
SECRET_WORDS = ("Kari", "Nordmann", "Ola", "Hansen", "gymgarderoben", "stygge", "Misforst")

SORBY = """
  - id: sorby
    name: Sørby skole
    principal: rektor@sorby.example
    leadership: [rektor@sorby.example]
    rteam:
      members: [rektor@sorby.example, radgiver@sorby.example]
    units:
      - name: SFO
        leader: rektor@sorby.example
        members: [sfo1@sorby.example]
      - name: 5.–7. trinn
        leader: rektor@sorby.example
        members: [laerer@sorby.example]
"""


def three_schools() -> Org:
    return parse_org(SAMPLE_ORG.read_text(encoding="utf-8").rstrip() + "\n" + SORBY)


def oslo(y: int, m: int, d: int, h: int = 8, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=OSLO)


def nov(d: int, h: int = 8, mi: int = 0) -> datetime:
    return oslo(2026, 11, d, h, mi)


class History:
    def __init__(self, services: Services, clock: FixedClock) -> None:
        self.services = services
        self.clock = clock
        self.refs: dict[str, str] = {}

    def at(self, when: datetime) -> History:
        self.clock.set(when)
        return self

    def report(self, name: str, when: datetime, reporter: str, *cats: str, **kw: object) -> None:
        self.at(when)
        form = ReportForm(pupils=PUPILS, what=WHAT, categories=cats, **kw)  # type: ignore[arg-type]
        self.refs[name] = file_report(self.services, form, reporter).ref

    def ack(self, name: str, when: datetime, who: str) -> None:
        review.acknowledge(self.at(when).services, self.refs[name], who)

    def investigate(self, name: str, when: datetime, who: str) -> None:
        review.start_investigation(self.at(when).services, self.refs[name], who)

    def plan(self, name: str, when: datetime, who: str, evaluate: str) -> None:
        form = plan.PlanForm(
            problem=f"{PUPILS} blir holdt utenfor.",
            pupils=PUPILS.replace(" og ", "\n"),
            tiltak=[plan.TiltakForm("Voksen til stede i storefri", "kontaktlærer", "hver dag")],
            evaluate_when=evaluate,
            pupil_voice="Kari sier: «Jeg gruer meg.»",
            pupil_heard="Samtale med Kari",
            foresatte_heard="Telefon med mor",
        )
        plan.create_plan(self.at(when).services, self.refs[name], who, form)

    def evaluate(self, name: str, when: datetime, who: str, next_on: str = "") -> None:
        form = plan.EvaluationForm(
            effect="virker",
            pupil_says="Kari sier det går bedre.",
            decision="continue" if next_on else "close",
            next_evaluation=next_on,
        )
        plan.evaluate(self.at(when).services, self.refs[name], who, form)


def november(services: Services, clock: FixedClock) -> History:
    h = History(services, clock)
    n8, n9 = "trinn8@nordby.example", "trinn9@nordby.example"
    # nordby: one open case from October (age > 20 school days at the end of November).
    h.report("H", oslo(2026, 10, 1, 10), "laerer1@nordby.example", "mobbing")
    h.report("A", nov(2, 10), "laerer1@nordby.example", "mobbing")
    h.ack("A", nov(2, 12), n8)  # 2 h, 0 school days
    review.close(
        h.at(nov(5, 10)).services,
        h.refs["A"],
        n8,
        "Misforståelse, Kari var syk",
        why_not_investigated="Kari var syk den dagen; det skjedde ikke",
    )
    h.report("B", nov(3, 9), "laerer3@nordby.example", "vold")
    h.ack("B", nov(4, 9), n9)  # 24 h, 1 school day
    h.investigate("B", nov(4, 10), n9)
    h.plan("B", nov(10, 10), n9, "17.11.2026")  # 4 school days after: within 5
    h.evaluate("B", nov(17, 11), n9, "24.11.2026")  # on time; the 24th is never held
    h.report("C", nov(6, 14), "laerer1@nordby.example", "mobbing", "utestenging")
    h.ack("C", nov(9, 8), n8)  # 66 h, 1 school day (Friday)
    h.investigate("C", nov(9, 9), n8)  # no plan: missing by the end of November
    h.report("D", nov(9, 10), "laerer2@nordby.example", "krenkelse")
    h.ack("D", nov(12, 10), n8)  # 72 h, 3 school days
    h.investigate("D", nov(12, 11), n8)
    h.plan("D", nov(20, 10), n8, "27.11.2026")  # 6 school days after: late
    h.evaluate("D", nov(30, 10), n8)  # held after the 27th (overdue), closed: safe
    h.report("E", nov(11, 10), "laerer4@nordby.example", "mobbing")
    h.ack("E", nov(11, 11, 30), n9)  # 1.5 h, 0 school days
    h.investigate("E", nov(27, 10), n9)  # 2 school days left in November: pending
    h.report("F", nov(16, 10), "laerer3@nordby.example", "digital_krenkelse")  # never acked
    # § 12-5, about someone in nordby's leadership: straight to skoleeier, who has it at 10:05.
    h.report(
        "G",
        nov(17, 10),
        "laerer1@nordby.example",
        "ansatt_krenket_elev",
        accused="trinn8@nordby.example",
    )
    h.at(nov(17, 10, 5))
    for item in delivery.claim(services, limit=100):
        if item.recipient == OWNER and item.data.get("ref") == h.refs["G"]:
            delivery.sent(services, item, platform="slack", ref="D1:1")
    # fjellvik: a school with three reports.
    rf = "rektor@fjellvik.example"
    h.report("J", nov(2, 9), "kontaktlaerar1@fjellvik.example", "mobbing")
    h.ack("J", nov(2, 10), rf)  # 1 h
    h.report("K", nov(4, 9), "assistent@fjellvik.example", "utestenging")
    h.ack("K", nov(4, 12), rf)  # 3 h
    h.report("L", nov(24, 9), "kontaktlaerar1@fjellvik.example", "mobbing")
    # sorby: five reports at 09:00 on the 18th, acknowledged after 1, 2, 3, 4 and 5 hours.
    for i in range(5):
        reporter = "sfo1@sorby.example" if i < 2 else "laerer@sorby.example"
        h.report(f"S{i}", nov(18, 9), reporter, "mobbing")
    for i in range(5):
        h.ack(f"S{i}", nov(18, 10 + i), "rektor@sorby.example")
    return h
