"""Reading Slack's payloads for the edge (bot/slack/app.py): a modal's values as the core
wants them (and back: a person as their Slack user), its metadata, where a person acted, the
overview's query, and the problems a submission's ack shows."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.core import flow, forms
from bot.core.forms import Field, Kind
from bot.slack.blocks import OVERVIEW, OVERVIEW_SEARCH, SEARCH_PREFIX, VIEW_PREFIX, done_view
from bot.slack.directory import UnknownUser
from handlers.i18n import t

log = logging.getLogger("meldefra.slack")


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def state_value(values: dict[str, Any], block_id: str) -> Any:
    """The value of a modal input, whatever its element type."""
    for leaf in (values.get(block_id) or {}).values():
        kind = leaf.get("type")
        if kind == "plain_text_input":
            return leaf.get("value")
        if kind in ("static_select", "radio_buttons", "external_select"):
            return (leaf.get("selected_option") or {}).get("value")
        if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
            return [o["value"] for o in leaf.get("selected_options") or []]
        if kind == "users_select":
            return leaf.get("selected_user")
        if kind == "datepicker":
            return leaf.get("selected_date")
    return None


def values_of(
    form: forms.Form, state: dict[str, Any], email_of: Callable[[str], str]
) -> dict[str, Any]:
    """The submitted values as the core wants them; a picked Slack user as their e-mail."""
    values: dict[str, Any] = {}
    for f in form.fields():
        if isinstance(f, Field) and f.name in state:
            value = state_value(state, f.name)
            if f.kind == Kind.PERSON:
                value = email_of(value) if value else None
            elif f.kind == Kind.TOGGLE:
                value = forms.as_bool(value)
            values[f.name] = value
    return values


def form_of(view: Mapping[str, Any]) -> str:
    """The name of the form a modal draws (its callback_id: `meldefra_<form>`)."""
    return str(view.get("callback_id", "")).removeprefix(VIEW_PREFIX)


def changed_values(form: forms.Form, body: dict[str, Any]) -> dict[str, Any]:
    """A modal's values as a field's change finds them, the change itself as the action has
    it; a person picked stays their Slack user (the form is drawn again, not submitted)."""
    state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    values = values_of(form, state, lambda user: user)
    for action in body.get("actions") or ():
        changed = state_value({"x": {"a": action}}, "x")
        if action.get("block_id") and changed is not None:
            values[action["block_id"]] = changed
    return values


def as_users(shown: flow.Shown, user_of: Callable[[str], str]) -> flow.Shown:
    """A form as a modal draws it, its values over those it opened with: a person given by
    e-mail (the core prefilled it) as their Slack user, left out when Slack does not know
    them."""
    out = {**shown.opened.values, **shown.values}
    persons = [f for f in shown.opened.form.fields() if isinstance(f, Field)]
    for name in (f.name for f in persons if f.kind == Kind.PERSON):
        value = out.get(name)
        if isinstance(value, str) and "@" in value:
            try:
                out[name] = user_of(value)
            except (UnknownUser, SlackApiError):
                del out[name]
    return replace(shown, values=out)


def unknown(exc: UnknownUser | SlackApiError, lang: str) -> flow.Notice:
    """Why the person acting could not be read: Slack shows us no e-mail for them, or Slack
    failed (logged by its error code: try again)."""
    if isinstance(exc, UnknownUser):
        return flow.Notice(t(lang, "chat.error.unknown_user"))
    log.warning("users.info failed on submit: %s", exc.response.get("error"))
    return flow.Notice(t(lang, "chat.error.try_again"))


def home_query(body: dict[str, Any]) -> Mapping[str, Any] | None:
    """The query of rektor's overview a person acted on: a search typed (Enter: from the
    first page, sorted as App Home showed it), a sort or a page (the button's value); else the
    one App Home showed when they acted there; None elsewhere."""
    view = body.get("view") or {}
    for action in body.get("actions") or ():
        if action.get("action_id") == OVERVIEW_SEARCH:
            return {**metadata(view), "text": action.get("value") or "", "page": "1"}
        if str(action.get("action_id", "")).startswith(OVERVIEW):
            return json.loads(action.get("value") or "{}")  # type: ignore[no-any-return]
    return metadata(view) if view.get("type") == "home" else None


def submission(
    form: forms.Form, view: dict[str, Any], actor: str, email_of: Callable[[str], str]
) -> forms.Submission:
    """A modal's submission as the core takes it (once per view: its id is the key). A report
    from the message shortcut keeps the message's permalink in *where*."""
    values = values_of(form, view["state"]["values"], email_of)
    meta = metadata(view)
    if meta.get("permalink"):
        values["where"] = with_permalink(values.get("where"), str(meta["permalink"]))
    return forms.Submission(actor, values, meta.get("ref"), key=f"slack:{view['id']}")


def answer(form: forms.Form, view: dict[str, Any], lang: str, step: flow.Step) -> dict[str, Any]:
    """A submission's ack: the problems beside their fields (the modal stays open with what
    was typed), else closed (`closes`) or the lines of what was done in its place."""
    if isinstance(step, flow.Shown | flow.Notice):
        return {"response_action": "errors", "errors": errors_for(view, step)}
    if form.closes:
        return {}
    return {"response_action": "update", "view": done_view(lang, flow.lines_of(step))}


def suggestion(body: dict[str, Any]) -> tuple[str, str, str | None]:
    """What a picker's block_suggestion asks for: the dataset (its action_id), the text
    typed, and the school picked in the form (None: the person's own)."""
    view = body.get("view") or {}
    school = state_value((view.get("state") or {}).get("values") or {}, "school")
    dataset = str(body.get("action_id", "")).removeprefix(SEARCH_PREFIX)
    return dataset, str(body.get("value") or ""), school if isinstance(school, str) else None


def limit(name: str) -> int:
    """The report field's limit, from the report's declaration."""
    found = forms.REPORT.get(name)
    assert found is not None and found.max_length is not None
    return found.max_length


def with_permalink(where: Any, permalink: str) -> str:
    """The reported message's permalink stays with the case (in *where*), unless the
    person already has it there or it would make the field too long."""
    typed = where.strip() if isinstance(where, str) else ""
    if permalink in typed:
        return typed
    joined = f"{typed} ({permalink})" if typed else permalink
    return joined if len(joined) <= limit("where") else typed


def inputs_of(view: dict[str, Any]) -> list[str]:
    """The fields the modal showed (its input blocks), in order."""
    return [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]


def first_block_of(view: dict[str, Any]) -> str:
    inputs = inputs_of(view)
    for name in ("pupils", "what"):
        if name in inputs:
            return name
    return inputs[0] if inputs else "pupils"


def errors_for(view: dict[str, Any], step: flow.Shown | flow.Notice) -> dict[str, str]:
    """A submission's problems as the ack shows them: beside their fields; those without a
    field shown (e.g. "school" when the form had no school picker) on the first one."""
    first = first_block_of(view)
    if isinstance(step, flow.Notice):
        return {first: step.text}
    errors = dict(step.errors)
    if step.general:
        errors[first] = " ".join(x for x in (errors.get(first), *step.general) if x)
    return errors


def message_of(body: dict[str, Any]) -> dict[str, Any]:
    """The message a button was clicked on (its channel and ts), kept in the metadata of the
    form it opens."""
    container = body.get("container") or {}
    return {"channel": container.get("channel_id"), "ts": container.get("message_ts")}


def channel_of(body: dict[str, Any]) -> str | None:
    """The conversation a person clicked in; None in a modal or App Home."""
    container = body.get("container") or {}
    return container.get("channel_id") or (body.get("channel") or {}).get("id")


class Later:
    """Slow work (Slack API calls, the export's rendering) run after the ack in a pool of its
    own, so Bolt's listener threads are free at once; a failure is logged by Slack's error
    code or its kind only (bodies may hold free text)."""

    def __init__(self, threads: int) -> None:
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="slack-work")

    def __call__(self, work: Callable[..., None], *args: Any) -> None:
        self.pool.submit(self._guarded, work, *args)

    def warm(self, threads: int) -> None:
        """Threads started now (each with a short wait, so the pool makes them now), for
        the first burst after start rather than while people wait."""
        for _ in range(threads):
            self.pool.submit(time.sleep, 0.05)

    @staticmethod
    def _guarded(work: Callable[..., None], *args: Any) -> None:
        try:
            work(*args)
        except SlackApiError as exc:
            log.warning("slack call failed: %s", exc.response.get("error"))
        except Exception as exc:
            log.error("slack work failed: %s", type(exc).__name__)


class QuietQueue:
    """Runs `work(item)` in one background thread once no item has come for `quiet` seconds.

    A new reporter's e-mail (users.info and a database write) is needed only when they submit
    the form; resolved right after views.open, a burst of new users would slow the modals
    still opening (measured in bench/slack_bench.py: first requests after start).
    """

    def __init__(self, work: Callable[[str], None], quiet: float = 0.3) -> None:
        self._work = work
        self._quiet = quiet
        self._pending: dict[str, None] = {}
        self._last = 0.0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    def add(self, item: str) -> None:
        with self._cond:
            self._pending[item] = None
            self._last = time.monotonic()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="slack-quiet", daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                while (left := self._last + self._quiet - time.monotonic()) > 0:
                    self._cond.wait(left)
                items, self._pending = list(self._pending), {}
            for item in items:
                try:
                    self._work(item)
                except Exception as exc:  # noqa: BLE001 - the next submission resolves it again
                    log.info("background work failed: %s", type(exc).__name__)


class FirstForms:
    """Report forms opened before Slack told us who the person is (drawn from memory, for
    anyone). Once the identity is resolved (`QuietQueue`, after the burst), a form that is
    different for this person (their school filled in; a leader's § 12-6 fields: who raised the
    matter, when and how) is drawn again in place; Slack keeps what was typed in every input
    whose block stays the same."""

    def __init__(self, warm: Callable[[str], None], client: Any) -> None:
        self._warm, self._client = warm, client
        self._open: dict[str, tuple[dict[str, Any], dict[str, Any], Callable[[], Any]]] = {}
        self._lock = threading.Lock()
        self.queue = QuietQueue(self.known)

    def opened(
        self, user: str, shown: dict[str, Any], answer: Any, draw: Callable[[], Any]
    ) -> None:
        """`shown` was opened for `user` (views.open's `answer` names it); `draw` draws it
        again, once the person is known."""
        view = answer.get("view") if hasattr(answer, "get") else None
        with self._lock:
            if isinstance(view, dict) and view.get("id"):
                self._open[user] = (shown, view, draw)
        self.queue.add(user)

    def known(self, user: str) -> None:
        self._warm(user)
        with self._lock:
            first = self._open.pop(user, None)
        if first is None:
            return
        shown, view, draw = first
        if (again := draw())["blocks"] == shown["blocks"]:
            return
        try:
            self._client.views_update(view_id=view["id"], hash=view.get("hash"), view=again)
        except SlackApiError as exc:  # closed or submitted meanwhile: nothing to draw
            log.info("views.update of a first form skipped: %s", exc.response.get("error"))
