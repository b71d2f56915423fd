"""The disclosure audit: what one recipient can work out from everything they receive.

Every figure a recipient gets (each table of each published period, the trend's months, the
municipality's totals) becomes a variable of an integer program with the sums that hold
between them (a row's parts and its total, the schools and the municipality, a term's months
and the term, the trend's month and that month's table). A shown figure is fixed, "<5" is
1..4, a hidden one is 0 or more. For each hidden figure the program's least and greatest value
(scipy's HiGHS, with integer variables: exact) must differ: bounds that meet mean the figure
can be worked out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from handlers import stats
from handlers.stats import ALL, HIDDEN, MEDIAN, SMALL, Period

Var = tuple[str, str, str]  # (period label, row, column)


@dataclass
class Received:
    """Everything one recipient was sent, as variables with what was shown of each."""

    shown: dict[Var, int | str] = field(default_factory=dict)
    relations: list[tuple[list[Var], Var]] = field(default_factory=list)
    truth: dict[Var, int] = field(default_factory=dict)
    _tables: set[tuple[str, tuple[str, ...], bool]] = field(default_factory=set)

    def see(self, var: Var, value: int | str, truth: int) -> None:
        before = self.shown.get(var)
        if before is not None and before != value:
            # The same figure shown two ways: the more telling one counts.
            value = (
                before
                if isinstance(before, int)
                else value
                if isinstance(value, int)
                else (SMALL if SMALL in (before, value) else HIDDEN)
            )
        self.shown[var] = value
        self.truth[var] = truth

    def add_report(
        self, report: dict[str, Any], truth: Callable[[Period], dict[str, stats.Figures]]
    ) -> None:
        """One report as sent; `truth` gives the raw figures of a period (for the check)."""
        period = Period(*(date.fromisoformat(report["period"][k]) for k in ("from", "to")))
        label = period.label()
        rows = [r["id"] for r in report["rows"] if r["id"] != MEDIAN]
        raw = truth(period)
        for row in report["rows"]:
            if row["id"] == MEDIAN:
                continue
            counts = stats.counts_of(raw[row["id"]])
            for col, value in row["counts"].items():
                self.see((label, row["id"], col), value, counts[col])
        self._tables.add((label, tuple(rows), ALL in rows))
        for row_id, months in (report.get("trend") or {}).items():
            for month in months:
                p = Period.month(date.fromisoformat(month["month"] + "-01"))
                self.see((p.label(), row_id, "reports"), month["reports"], truth(p)[row_id].reports)

    def close(self) -> None:
        """Add every sum that holds between the variables seen."""
        for label, rows, with_total in self._tables:
            named = [f"{label}|{r}" for r in rows]
            for parts, total in stats.relations_for(
                named, f"{label}|{ALL}" if with_total else None
            ):
                if total is None:
                    continue
                self.relations.append(([_var(c) for c in parts], _var(total)))
        labels = {v[0] for v in self.shown}
        periods = [Period(*(date.fromisoformat(x) for x in lab.split(".."))) for lab in labels]
        rows = sorted({v[1] for v in self.shown})
        for big in periods:
            if big.kind in ("term", "year"):
                family = [p for p in big.parts() if p.label() in labels] + [big]
                if len(family) == len(big.parts()) + 1:
                    for parts, total in stats.across_periods(family, rows):
                        self.relations.append(([_var(c) for c in parts], _var(total)))
        self.relations = [
            (parts, total)
            for parts, total in self.relations
            if all(v in self.shown for v in [*parts, total])
        ]


def _var(cell: tuple[str, str]) -> Var:
    label, row = cell[0].split("|")
    return (label, row, cell[1])


def worked_out(received: Received) -> list[str]:
    """The hidden figures whose least and greatest possible values meet."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    received.close()
    hidden = sorted(v for v, s in received.shown.items() if s in (SMALL, HIDDEN))
    if not hidden:
        return []
    index = {v: i for i, v in enumerate(hidden)}
    lo = np.array([1.0 if received.shown[v] == SMALL else 0.0 for v in hidden])
    hi = np.array([4.0 if received.shown[v] == SMALL else 1e6 for v in hidden])  # ≫ any count
    rows, rhs = [], []
    for parts, total in received.relations:
        members = [(v, 1.0) for v in parts] + [(total, -1.0)]
        if not any(v in index for v, _ in members):
            continue
        coef = np.zeros(len(hidden))
        target = 0.0
        for v, sign in members:
            if v in index:
                coef[index[v]] += sign
            else:
                target -= sign * float(received.shown[v])
        rows.append(coef)
        rhs.append(target)
    truth = np.array([float(received.truth[v]) for v in hidden])
    found = []
    matrix = np.array(rows) if rows else np.zeros((0, len(hidden)))
    for keep in _components(hidden, rows):
        mine = [r for r in range(len(rows)) if matrix[r, keep].any()]
        sub = matrix[np.ix_(mine, keep)] if mine else np.zeros((0, len(keep)))
        b = np.array([rhs[r] for r in mine])
        constraints = [LinearConstraint(sub, b, b)] if mine else []
        bounds = Bounds(lo[keep], hi[keep])
        # A figure is safe once some solution gives it another value than the true one; one
        # program usually settles many, so ask only about those not settled yet.
        unsettled = set(range(len(keep)))
        while unsettled:
            at = min(unsettled)
            moved = False
            for sign in (-1.0, 1.0):  # the greatest value, then the least
                c = np.zeros(len(keep))
                c[at] = sign
                res = milp(
                    c, constraints=constraints, integrality=np.ones(len(keep)), bounds=bounds
                )
                assert res.status == 0, (hidden[keep[at]], res.message)
                x = np.round(res.x)
                unsettled -= {j for j in unsettled if x[j] != truth[keep[j]]}
                if x[at] != truth[keep[at]]:
                    moved = True
                    break
            if not moved:
                v = hidden[keep[at]]
                found.append(f"{v} = {received.truth[v]} (shown {received.shown[v]})")
            unsettled.discard(at)
    return found


def _components(hidden: Sequence[Var], rows: Sequence[Any]) -> list[Any]:
    """The hidden variables in groups that share no sum: the programs stay small."""
    import numpy as np

    parent = list(range(len(hidden)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in rows:
        members = list(np.nonzero(row)[0])
        for j in members[1:]:
            parent[find(int(j))] = find(int(members[0]))
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(hidden)):
        groups[find(i)].append(i)
    return [np.array(g) for g in groups.values()]


def months_of(year: Period) -> Iterable[Period]:
    return [p for p in year.parts() if p.kind == "month"]
