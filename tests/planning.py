"""Helpers for the plan, export and archive tests: a filed case with an aktivitetsplan."""

from __future__ import annotations

from handlers import plan
from handlers.report import ReportForm, file_report
from handlers.services import Services

TEACHER = "laerer1@nordby.example"
LEADER = "trinn8@nordby.example"
REKTOR = "rektor@nordby.example"
OWNER = "skoleeier@kommune.example"
RADGIVER = "radgiver@nordby.example"  # in the R-team, not in the leadership
OTHER_LEADER = "trinn9@nordby.example"


def plan_form(**kw: object) -> plan.PlanForm:
    base: dict[str, object] = {
        "problem": "Ola blir holdt utenfor i friminuttene, og Kari Hansen er med på det.",
        "pupils": "Ola Nordmann\nKari Hansen",
        "tiltak": [
            plan.TiltakForm("Voksen til stede i storefri", "laerer1@nordby.example", "hver dag"),
            plan.TiltakForm("Samtale med Ola og foresatte", "kontaktlærer", "fredag 4. desember"),
        ],
        "evaluate_when": "om to uker",
        "pupil_voice": "Ola sier: «Jeg gruer meg til storefri.»",
        "pupil_heard": "Samtale med Ola 24.11",
        "foresatte_heard": "Telefon med mor 24.11",
    }
    base.update(kw)
    return plan.PlanForm(**base)  # type: ignore[arg-type]


def filed(services: Services, **kw: object) -> str:
    base: dict[str, object] = {"pupils": "Ola Nordmann", "what": "Ola ble holdt utenfor av Kari"}
    base.update(kw)
    return file_report(services, ReportForm(**base), TEACHER).ref  # type: ignore[arg-type]


def planned(services: Services) -> str:
    ref = filed(services)
    plan.create_plan(services, ref, LEADER, plan_form())
    return ref


def evaluated(services: Services, ref: str, **kw: object) -> plan.PlanOutcome:
    """An evaluation by the leader: "delvis", continue, with what is given."""
    base: dict[str, object] = {"effect": "delvis", "pupil_says": "Bedre.", "decision": "continue"}
    base.update(kw)
    return plan.evaluate(services, ref, LEADER, plan.EvaluationForm(**base))  # type: ignore[arg-type]


def close_by_evaluation(services: Services, ref: str) -> None:
    plan.evaluate(
        services,
        ref,
        LEADER,
        plan.EvaluationForm(effect="virker", pupil_says="Jeg har det bra nå.", decision="close"),
    )
