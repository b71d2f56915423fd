"""The conversation core: declarations every edge renders, and their handler calls."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bot.core import actions, forms, words
from bot.core.forms import Field, Heading, Kind, Submission
from handlers.errors import FieldErrors, Refused
from handlers.i18n import LANGS, catalogs
from handlers.report import ReportForm, file_report
from handlers.services import Services

TEACHER = "laerer1@nordby.example"
LEADER = "trinn8@nordby.example"
OTHER = "laerer3@nordby.example"


def _keys() -> set[str]:
    keys: set[str] = set()
    for form in forms.FORMS.values():
        keys |= {form.title, form.submit_label} | ({form.intro} if form.intro else set())
        for item in form.fields():
            if isinstance(item, Heading):
                keys.add(item.key)
                continue
            keys |= {k for k in (item.label, item.hint, item.placeholder) if k}
            keys |= {c.label for c in item.choices if not c.literal}
    keys |= {a.label for a in actions.ACTIONS.values()}
    return keys


@pytest.mark.parametrize("lang", LANGS)
def test_every_label_hint_and_choice_is_in_every_catalog(lang: str) -> None:
    missing = sorted(k for k in _keys() if k not in catalogs()[lang])
    assert missing == []


def test_every_case_form_is_declared_with_its_handler() -> None:
    assert set(forms.FORMS) == {
        "report",
        "close",
        "forward",
        "note",
        "plan",
        "change_plan",
        "evaluate",
        "share",
        "export",
        "investigation",
        "foresatte",
        "age_band",
        "tiltak_done",
        "statsforvalter",
        "reopen",  # issue 21: a closed case opened again, with the reason
    }
    for action in actions.ACTIONS.values():
        assert action.form is None or action.form in forms.FORMS
        assert not (action.form and action.run)


def test_the_plan_form_has_what_the_law_asks() -> None:
    names = [f.name for f in forms.PLAN.fields() if isinstance(f, Field)]
    for needed in ("problem", "pupils", "pupil_voice", "pupil_heard", "foresatte_heard"):
        assert needed in names
    assert {"tiltak.1.what", "tiltak.1.who", "tiltak.1.when", "evaluate_when"} <= set(names)
    required = {f.name for f in forms.PLAN.fields() if isinstance(f, Field) and f.required}
    # "pupils" is asked only for a case without pupils on record (then the handler requires
    # it); otherwise the plan is one pupil's, picked with "pupil".
    assert required == {"problem", "pupil_voice", "tiltak.1.what", "evaluate_when"}
    assert "pupil" in names
    assert forms.PLAN.get("evaluate_when").kind == Kind.DATE  # type: ignore[union-attr]


def test_report_fields_follow_the_handler_limits() -> None:
    from handlers.report import MAX_LENGTH, REQUIRED

    for name, limit in MAX_LENGTH.items():
        assert forms.REPORT.get(name).max_length == limit  # type: ignore[union-attr]
    fields = [f for f in forms.REPORT.fields() if isinstance(f, Field)]
    required = [f.name for f in fields if f.required and not f.shown_if]
    assert required == list(REQUIRED)


def test_words_in_every_language() -> None:
    assert words.intent("Hjelp") == ("help", "")
    assert words.intent("help") == ("help", "")
    assert words.intent("mine") == ("mine", "")
    assert words.intent(" Saker ") == ("cases", "")
    assert words.intent("cases") == ("cases", "")
    assert words.intent("meld frå: Ola gret\ni gangen") == ("report", "Ola gret\ni gangen")
    assert words.intent("Meld fra") == ("report", "")
    assert words.intent("Ola ble dyttet") == (None, "Ola ble dyttet")
    assert words.intent("reportasje") == (None, "reportasje")
    for name in words.WORDS:
        assert set(words.WORDS[name]) == set(LANGS)


def test_case_message_offers_buttons_until_closed() -> None:
    data = {
        "ref": "MF-0001",
        "school_name": "Nordby",
        "role": "leader",
        "reason": "route.reason.principal_is_manager",
        "unit": "8. trinn",
        "categories": [],
    }
    first = actions.case_message("new_case", "nb", data)
    assert [a.verb for a in first.rows[0].actions] == [
        "open",
        "acknowledge",
        "investigate",
        "forward",
        "close",
    ]
    last = actions.LastAction("acknowledge", "Per")
    after = actions.case_message("new_case", "nb", data, status="acknowledged", last=last)
    assert after.state == "Status: mottatt · Bekreft mottatt av Per"
    closed = actions.case_message("new_case", "nb", data, status="closed", last=last)
    assert closed.rows == ()


def test_a_long_reminder_counts_what_it_does_not_show() -> None:
    items = [
        {
            "ref": f"MF-{n:04d}",
            "due": "acknowledge",
            "since": "2026-11-25",
            "school_days": 1,
            "unit": None,
            "categories": [],
            "urgent": False,
            "section": "12-4",
            "actions": ["acknowledge", "open"],
        }
        for n in range(1, 61)
    ]
    data = {"school": "nordby", "school_name": "Nordby", "date": "2026-11-26", "items": items}
    message = actions.case_message("reminder", "nb", data)
    assert len(message.rows) == actions.MAX_ROWS and message.more == 60 - actions.MAX_ROWS


def _file(services: Services) -> str:
    return file_report(services, ReportForm(pupils="Ola N.", what="Dyttet"), TEACHER).ref


def test_case_forms_open_only_after_the_access_check(services: Services) -> None:
    from store import trail
    from store.models import Case

    ref = _file(services)
    for name in ("close", "forward", "note", "plan", "share", "export"):
        with pytest.raises(Refused):
            forms.open_form(services, name, OTHER, ref=ref)
    with services.uow() as s:
        case = s.query(Case).one()
        refused = [e for e in trail.events_of(s, case.id) if e.type == "refused"]
    assert len(refused) == 6
    opened = forms.open_form(services, "plan", LEADER, ref=ref)
    assert opened.values["pupils"] == "Ola N."
    # Evaluating needs a plan: the person is told, beside no field.
    with pytest.raises(FieldErrors) as no_plan:
        forms.open_form(services, "evaluate", LEADER, ref=ref)
    assert "plan" in no_plan.value.errors
    export = forms.open_form(services, "export", LEADER, ref=ref)
    assert "anonymize_others" not in [f.name for f in export.shown() if isinstance(f, Field)]


def test_submitting_calls_the_handler_and_places_its_errors(services: Services) -> None:
    ref = _file(services)
    values = {"pupils": "Ola N.", "problem": "", "pupil_voice": "x", "evaluate_when": "i går"}
    with pytest.raises(FieldErrors) as wrong:
        forms.submit(services, "plan", Submission(LEADER, values, ref))
    shown = [f.name for f in forms.PLAN.fields() if isinstance(f, Field)]
    beside, general = forms.PLAN.place(wrong.value, shown)
    assert {"problem", "evaluate_when", "tiltak.1.what"} <= set(beside) and general == []
    good = {
        **values,
        "problem": "Holdes utenfor",
        "evaluate_when": "om to uker",
        "tiltak.1.what": "Voksen ute",
        "tiltak.1.who": LEADER,
        "tiltak.1.when": "hvert friminutt",
    }
    result = forms.submit(services, "plan", Submission(LEADER, good, ref, key="k1"))
    assert result.outcome is not None and result.outcome.status == "plan"
    assert "evaluate_when" in result.understood
    assert result.lines("nb", forms.PLAN)[0].startswith("Aktivitetsplan laget")
    note = forms.submit(services, "note", Submission(LEADER, {"note": "Snakket med Ola"}, ref))
    assert note.outcome is not None and note.outcome.changed


def test_bot_has_no_import_cycle() -> None:
    """Walk bot/'s imports with ast: the module graph has no cycle."""
    root = Path(__file__).resolve().parent.parent
    modules: dict[str, Path] = {}
    for path in (root / "bot").rglob("*.py"):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            deps |= {t for t in targets if t in modules and t != name}
        graph[name] = deps
    # A package importing its own submodule (bot.slack → bot.slack.app) is not a cycle
    # worth reporting; a module importing its package is.
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in graph[node]:
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep) :] + [dep])
            elif dep not in state:
                visit(dep, [*stack, dep])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_choices_made_when_a_form_opens_are_offered(services: Services) -> None:
    from handlers.org import Org

    opened = forms.report_opened(services.org)
    school = forms.REPORT.get("school")
    assert school is not None
    assert [c.value for c in opened.choices_of(school)] == [s.id for s in services.org.schools]
    assert isinstance(services.org, Org)
    ref = _file(services)
    good = {
        "pupils": "Ola N.\nKari M.",
        "problem": "Holdes utenfor",
        "pupil_voice": "x",
        "evaluate_when": "om to uker",
        "tiltak.1.what": "Voksen ute",
        "tiltak.1.who": LEADER,
        "tiltak.1.when": "hvert friminutt",
    }
    forms.submit(services, "plan", Submission(LEADER, good, ref))
    evaluate = forms.open_form(services, "evaluate", LEADER, ref=ref)
    end = forms.EVALUATE.get("end_tiltak")
    assert end is not None and [c.value for c in evaluate.choices_of(end)] == ["1"]
    assert end in evaluate.shown()
    export = forms.open_form(services, "export", LEADER, ref=ref)
    keep = forms.EXPORT.get("anonymize_others")
    assert keep is not None and [c.text("nb") for c in export.choices_of(keep)] == [
        "Ola N.",
        "Kari M.",
    ]


def test_a_click_says_what_to_draw_and_what_to_update(services: Services) -> None:
    """`flow.press`: a change is shown by the case's messages (nothing drawn), the same click
    again is told (changed nothing), a refusal is a notice, the home comes again when asked."""
    from bot.core import flow, views

    ref = _file(services)
    done = flow.press(services, "acknowledge", ref, LEADER)
    assert done.step is None and done.home is None
    assert done.outcome is not None and done.outcome.changed and done.verb == "acknowledge"
    again = flow.press(services, "acknowledge", ref, LEADER, from_home=True)
    assert isinstance(again.step, flow.Done) and again.outcome is not None
    assert not again.outcome.changed and isinstance(again.home, views.HomeView)
    refused = flow.press(services, "acknowledge", ref, OTHER, from_home=True)
    assert isinstance(refused.step, flow.Notice) and refused.outcome is None
    assert refused.home is None


def test_a_failing_handler_is_a_notice_to_try_again(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.core import flow

    ref = _file(services)

    def broken(*args: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(forms, "submit", broken)
    step = flow.try_submit(services, "note", Submission(LEADER, {"note": "x"}, ref), "nb")
    assert step == flow.Notice(catalogs()["nb"]["chat.error.try_again"])
