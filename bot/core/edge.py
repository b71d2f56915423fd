"""The edge protocol: what Slack, Teams and the console implement, and nothing more.

The flow is written once (`bot.core.flow`: open a form, submit it, click a case's button,
open a case, list, home) and returns neutral steps; an edge translates its platform's payloads
into those calls and draws what comes back (errbot's model: the core, and a small backend per
platform). An edge renders

- a **form** (`flow.Shown`: the fields to show, the values to keep, the problems beside their
  fields and above them),
- a **view** (`views.View`: the case details, the aktivitetsplan, a list of cases, the home),
- a **notice** (lines to the person who acted: a refusal, what was done),

and delivers

- an **update** of a case message it sent before (`flow.Refresh`: new status, who acted),
- an **upload** of a file to the person, privately (the export: a Slack DM, a Teams file
  consent card in the personal chat).

`Ctx` is what the edge answers to (a Slack payload, a Teams activity context) and `Out` what
drawing gives back (a Slack ack's view, a Teams dialog response). `draw` sends any step of
the flow to the right method, so no edge decides what a step means. Teams' update and upload
are coroutines (its SDK is async): the protocol only asks that they can be called.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from bot.core import flow, views
from handlers.export import ExportFile

Ctx = TypeVar("Ctx", contravariant=True)
Out = TypeVar("Out", covariant=True)


class Edge(Protocol[Ctx, Out]):
    def form(self, ctx: Ctx, shown: flow.Shown) -> Out:
        """Draw a form: `shown.opened` (fields, choices), `values` kept, `errors`, `general`."""
        ...

    def view(self, ctx: Ctx, view: views.View) -> Out:
        """Draw a read view: case details, aktivitetsplan, a list of cases, the home."""
        ...

    def notice(self, ctx: Ctx, lines: Sequence[str]) -> Out:
        """Tell the person who acted, privately (a refusal, what was done)."""
        ...

    def update(self, refresh: flow.Refresh) -> object:
        """Draw a case message sent earlier again, in place."""
        ...

    def upload(self, actor: str, lang: str, file: ExportFile) -> object:
        """Deliver a file to the person, where only they see it."""
        ...


Drawn = flow.Shown | flow.Details | flow.PlanShown | flow.Notice | views.ListView | views.HomeView


def draw(edge: Edge[Ctx, Out], ctx: Ctx, step: Drawn | flow.Done) -> Out:
    """Any step of the flow, drawn by `edge` (a `Done` is drawn as its lines: an edge that
    updates messages or uploads a file does so before, see `flow.refreshes`)."""
    if isinstance(step, flow.Notice):
        return edge.notice(ctx, [step.text])
    if isinstance(step, flow.Done):
        return edge.notice(ctx, step.lines)
    if isinstance(step, flow.Shown):
        return edge.form(ctx, step)
    if isinstance(step, flow.Details | flow.PlanShown):
        return edge.view(ctx, step.view)
    return edge.view(ctx, step)
