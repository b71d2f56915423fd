"""The org directory (org.yml): owner, schools, leadership, units, R-team.

People are identified by e-mail, so one file serves Slack and Teams. Loading validates the
whole file and names the line of every problem, so a typo never starts a bot that routes
reports wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

LANGUAGES = ("nb", "nn", "en")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DIGEST = re.compile(
    r"^(?:every\s+(?P<weeks>\d+)\s+weeks?\s+)?(?P<day>monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday)\s+(?P<h>\d{1,2}):(?P<m>\d{2})$",
    re.IGNORECASE,
)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class OrgError(ValueError):
    """A problem in org.yml; `line` is 1-based (0 when the file could not be read at all)."""

    def __init__(self, problems: list[tuple[int, str]], path: str = "org.yml") -> None:
        self.problems = sorted(problems)
        self.path = path
        super().__init__("\n".join(f"{path}:{ln}: {msg}" for ln, msg in self.problems))


@dataclass(frozen=True)
class Unit:
    name: str
    leader: str | None
    members: tuple[str, ...]


@dataclass(frozen=True)
class Digest:
    weekday: int  # Monday = 0
    hour: int
    minute: int
    every_weeks: int = 1


@dataclass(frozen=True)
class RTeam:
    members: tuple[str, ...]
    slack_channel: str | None = None
    teams_channel: str | None = None
    digest: Digest | None = None


@dataclass(frozen=True)
class GraphDirectory:
    """What a school takes from Microsoft Graph (Entra ID) when Teams is configured.

    `managers`: a reporter whose unit has no leader in this file goes to their manager in
    Entra ID (before rektor). `rteam_group`: an Entra group whose members join the R-team.
    """

    managers: bool = False
    rteam_group: str | None = None


@dataclass(frozen=True)
class Policy:
    """Local follow-up policy ("snarast" has no fixed deadline in law)."""

    reminder_time: str = "08:00"
    escalate_after_school_days: int = 1
    plan_within_school_days: int = 5
    # § 12-5: rektor melder fra to skoleeier. "at_once": Meldefra does it on rektor's behalf
    # when the report is filed; "rektor": rektor does it with a button, and after
    # `owner_notice_hours` (clock hours: nights, weekends and holidays count) skoleeier is
    # told by Meldefra all the same.
    owner_notice: str = "at_once"
    owner_notice_hours: int = 24


@dataclass(frozen=True)
class School:
    id: str
    name: str
    timezone: str
    language: str
    principal: str
    leadership: tuple[str, ...]
    rteam: RTeam
    units: tuple[Unit, ...]
    policy: Policy = field(default_factory=Policy)
    closed_days: tuple[tuple[date, date], ...] = ()
    graph: GraphDirectory = field(default_factory=GraphDirectory)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def staff(self) -> frozenset[str]:
        return self._staff

    @cached_property
    def _staff(self) -> frozenset[str]:
        # Computed once per School: listeners ask on every click.
        people = {self.principal, *self.leadership, *self.rteam.members}
        for unit in self.units:
            people.update(unit.members)
            if unit.leader:
                people.add(unit.leader)
        return frozenset(people)

    def unit_of(self, email: str) -> Unit | None:
        """The reporter's own unit: the first where they are a member, else one they lead."""
        for unit in self.units:
            if email in unit.members:
                return unit
        for unit in self.units:
            if unit.leader == email:
                return unit
        return None

    def is_leadership(self, email: str) -> bool:
        return email == self.principal or email in self.leadership


@dataclass(frozen=True)
class Owner:
    name: str
    contacts: tuple[str, ...]


@dataclass(frozen=True)
class Org:
    owner: Owner
    schools: tuple[School, ...]
    languages: dict[str, str] = field(default_factory=dict)  # per-person language override

    def school(self, school_id: str) -> School:
        for school in self.schools:
            if school.id == school_id:
                return school
        raise KeyError(school_id)

    def schools_of(self, email: str) -> list[School]:
        return list(self._schools_by_person.get(email, ()))

    @cached_property
    def _schools_by_person(self) -> dict[str, tuple[School, ...]]:
        # One index per Org: a municipality's file has thousands of people in hundreds of
        # schools, and every report and click asks where a person works.
        index: dict[str, list[School]] = {}
        for school in self.schools:
            for person in school.staff():
                index.setdefault(person, []).append(school)
        return {person: tuple(found) for person, found in index.items()}

    def people(self) -> list[str]:
        seen: dict[str, None] = {}
        for school in self.schools:
            for person in sorted(school.staff()):
                seen.setdefault(person, None)
        for contact in self.owner.contacts:
            seen.setdefault(contact, None)
        return list(seen)

    def language_of(self, email: str, school: School | None = None) -> str:
        if email in self.languages:
            return self.languages[email]
        if school is not None:
            return school.language
        schools = self.schools_of(email)
        return schools[0].language if schools else "nb"


def load_org(path: str | Path) -> Org:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OrgError([(0, f"cannot read the file: {exc.strerror or exc}")], str(path)) from exc
    return parse_org(text, str(path))


def parse_org(text: str, path: str = "org.yml") -> Org:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or str(exc)
        raise OrgError([(line, f"not valid YAML: {problem}")], path) from exc
    reader = _Reader()
    org = reader.org(root)
    if reader.problems or org is None:
        raise OrgError(reader.problems or [(1, "the file is empty")], path)
    return org


class _Reader:
    """Turns the YAML node tree into an Org, collecting every problem with its line."""

    def __init__(self) -> None:
        self.problems: list[tuple[int, str]] = []

    def fail(self, node: yaml.Node | None, msg: str) -> None:
        self.problems.append(((node.start_mark.line + 1) if node is not None else 1, msg))

    def mapping(
        self, node: yaml.Node | None, where: str, allowed: set[str] | None
    ) -> dict[str, yaml.Node] | None:
        """A mapping's values by key; `allowed` None accepts any key."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{where} must be a mapping (key: value)")
            return None
        out: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in out:
                self.fail(key, f"{where}: '{name}' is given twice")
            elif allowed is not None and name not in allowed:
                self.fail(
                    key, f"{where}: unknown key '{name}' (known: {', '.join(sorted(allowed))})"
                )
            out[name] = value
        return out

    def scalar(self, node: yaml.Node | None, where: str, *, required: bool = True) -> str | None:
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
            return None
        if not isinstance(node, yaml.ScalarNode) or str(node.value).strip() == "":
            if required:
                self.fail(node, f"{where} must be a single value")
            return None
        return str(node.value).strip()

    def email(self, node: yaml.Node | None, where: str) -> str | None:
        value = self.scalar(node, where)
        if value is None:
            return None
        if not EMAIL.match(value):
            self.fail(node, f"{where}: '{value}' is not an e-mail address")
            return None
        return value.lower()

    def emails(self, node: yaml.Node | None, where: str) -> tuple[str, ...]:
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{where} must be a list of e-mail addresses")
            return ()
        out = [self.email(item, where) for item in node.value]
        return tuple(e for e in out if e)

    def require(self, m: dict[str, yaml.Node], key: str, parent: yaml.Node, where: str) -> bool:
        if key not in m:
            self.fail(parent, f"{where}: '{key}' is missing")
            return False
        return True

    def org(self, root: yaml.Node | None) -> Org | None:
        if root is None:
            return None
        m = self.mapping(root, "the file", {"owner", "schools", "languages"})
        if m is None:
            return None
        owner = self.owner(m.get("owner"), root)
        schools: list[School] = []
        if self.require(m, "schools", root, "the file"):
            node = m["schools"]
            if not isinstance(node, yaml.SequenceNode) or not node.value:
                self.fail(node, "schools must be a list with at least one school")
            else:
                ids: set[str] = set()
                for item in node.value:
                    school = self.school(item)
                    if school is None:
                        continue
                    if school.id in ids:
                        self.fail(item, f"school id '{school.id}' is used twice")
                    ids.add(school.id)
                    schools.append(school)
        languages = self.languages(m.get("languages"))
        if owner is None:
            return None
        return Org(owner=owner, schools=tuple(schools), languages=languages)

    def owner(self, node: yaml.Node | None, root: yaml.Node) -> Owner | None:
        if node is None:
            self.fail(root, "owner (skoleeier) is missing: reports need somewhere to go last")
            return None
        m = self.mapping(node, "owner", {"name", "contacts"})
        if m is None:
            return None
        name = self.scalar(m.get("name"), "owner.name") if "name" in m else None
        contacts = self.emails(m.get("contacts"), "owner.contacts")
        if not contacts:
            self.fail(node, "owner.contacts needs at least one e-mail address")
        return Owner(name=name or "Skoleeier", contacts=contacts)

    def languages(self, node: yaml.Node | None) -> dict[str, str]:
        if node is None:
            return {}
        if self.mapping(node, "languages", None) is None:
            return {}
        assert isinstance(node, yaml.MappingNode)
        out: dict[str, str] = {}
        for key, value in node.value:
            email = self.email(key, "languages")
            lang = self.scalar(value, f"languages.{key.value}")
            if lang not in LANGUAGES:
                self.fail(value, f"languages: '{lang}' must be one of {', '.join(LANGUAGES)}")
            elif email:
                out[email] = lang
        return out

    def school(self, node: yaml.Node) -> School | None:
        keys = {
            "id",
            "name",
            "timezone",
            "language",
            "principal",
            "leadership",
            "rteam",
            "units",
            "policy",
            "closed_days",
            "graph",
        }
        m = self.mapping(node, "school", keys)
        if m is None:
            return None
        ok = all([self.require(m, k, node, "school") for k in ("id", "name", "principal")])
        if not ok:
            return None
        sid = self.scalar(m["id"], "school.id") or ""
        if sid and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", sid):
            self.fail(m["id"], f"school.id '{sid}' may hold only a-z, 0-9, - and _")
        where = f"school '{sid}'"
        tz = self.scalar(m.get("timezone"), f"{where}: timezone") or "Europe/Oslo"
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(m.get("timezone"), f"{where}: unknown time zone '{tz}'")
        lang = self.scalar(m.get("language"), f"{where}: language") or "nb"
        if lang not in LANGUAGES:
            self.fail(m.get("language"), f"{where}: language must be one of {', '.join(LANGUAGES)}")
        principal = self.email(m["principal"], f"{where}: principal")
        leadership = self.emails(m.get("leadership"), f"{where}: leadership")
        if principal and principal not in leadership:
            leadership = (principal, *leadership)
        units = tuple(u for u in self.units(m.get("units"), where))
        rteam = self.rteam(m.get("rteam"), where)
        policy = self.policy(m.get("policy"), where)
        closed = self.closed_days(m.get("closed_days"), where)
        graph = self.graph(m.get("graph"), where)
        name = self.scalar(m["name"], f"{where}: name") or sid
        if not principal:
            return None
        return School(
            id=sid,
            name=name,
            timezone=tz,
            language=lang if lang in LANGUAGES else "nb",
            principal=principal,
            leadership=leadership,
            rteam=rteam,
            units=units,
            policy=policy,
            closed_days=closed,
            graph=graph,
        )

    def units(self, node: yaml.Node | None, where: str) -> Iterator[Unit]:
        if node is None:
            return
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{where}: units must be a list")
            return
        names: set[str] = set()
        for item in node.value:
            m = self.mapping(item, f"{where}: unit", {"name", "leader", "members"})
            if m is None or not self.require(m, "name", item, f"{where}: unit"):
                continue
            name = self.scalar(m["name"], f"{where}: unit name") or ""
            if name in names:
                self.fail(item, f"{where}: unit '{name}' is listed twice")
            names.add(name)
            leader = (
                self.email(m["leader"], f"{where}: unit '{name}' leader") if "leader" in m else None
            )
            members = self.emails(m.get("members"), f"{where}: unit '{name}' members")
            yield Unit(name=name, leader=leader, members=members)

    def rteam(self, node: yaml.Node | None, where: str) -> RTeam:
        if node is None:
            return RTeam(members=())
        m = self.mapping(
            node, f"{where}: rteam", {"members", "slack_channel", "teams_channel", "digest"}
        )
        if m is None:
            return RTeam(members=())
        digest = None
        if "digest" in m:
            text = self.scalar(m["digest"], f"{where}: rteam.digest") or ""
            match = DIGEST.match(text.strip())
            if not match or int(match["h"]) > 23 or int(match["m"]) > 59 or match["weeks"] == "0":
                self.fail(
                    m["digest"],
                    f"{where}: rteam.digest '{text}' must look like "
                    "'monday 08:00' or 'every 2 weeks monday 08:00'",
                )
            else:
                digest = Digest(
                    weekday=WEEKDAYS.index(match["day"].lower()),
                    hour=int(match["h"]),
                    minute=int(match["m"]),
                    every_weeks=int(match["weeks"] or 1),
                )
        return RTeam(
            members=self.emails(m.get("members"), f"{where}: rteam.members"),
            slack_channel=self.scalar(m.get("slack_channel"), f"{where}: rteam.slack_channel"),
            teams_channel=self.scalar(m.get("teams_channel"), f"{where}: rteam.teams_channel"),
            digest=digest,
        )

    def policy(self, node: yaml.Node | None, where: str) -> Policy:
        if node is None:
            return Policy()
        keys = {
            "reminder_time",
            "escalate_after_school_days",
            "plan_within_school_days",
            "owner_notice",
            "owner_notice_hours",
        }
        m = self.mapping(node, f"{where}: policy", keys)
        if m is None:
            return Policy()
        values: dict[str, Any] = {}
        if "reminder_time" in m:
            t = self.scalar(m["reminder_time"], f"{where}: policy.reminder_time") or ""
            if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", t):
                self.fail(m["reminder_time"], f"{where}: policy.reminder_time '{t}' must be HH:MM")
            else:
                values["reminder_time"] = t
        for key in ("escalate_after_school_days", "plan_within_school_days"):
            if key in m:
                raw = self.scalar(m[key], f"{where}: policy.{key}") or ""
                if not raw.isdigit() or not 0 < int(raw) <= 60:
                    self.fail(m[key], f"{where}: policy.{key} must be a whole number 1-60")
                else:
                    values[key] = int(raw)
        if "owner_notice" in m:
            mode = self.scalar(m["owner_notice"], f"{where}: policy.owner_notice") or ""
            if mode not in ("at_once", "rektor"):
                self.fail(
                    m["owner_notice"], f"{where}: policy.owner_notice must be at_once or rektor"
                )
            else:
                values["owner_notice"] = mode
        if "owner_notice_hours" in m:
            raw = self.scalar(m["owner_notice_hours"], f"{where}: policy.owner_notice_hours") or ""
            if not raw.isdigit() or not 0 < int(raw) <= 168:
                self.fail(
                    m["owner_notice_hours"],
                    f"{where}: policy.owner_notice_hours must be a whole number 1-168",
                )
            else:
                values["owner_notice_hours"] = int(raw)
        return Policy(**values)

    def graph(self, node: yaml.Node | None, where: str) -> GraphDirectory:
        if node is None:
            return GraphDirectory()
        m = self.mapping(node, f"{where}: graph", {"managers", "rteam_group"})
        if m is None:
            return GraphDirectory()
        managers = False
        if "managers" in m:
            raw = (self.scalar(m["managers"], f"{where}: graph.managers") or "").lower()
            if raw not in ("true", "false", "yes", "no"):
                self.fail(m["managers"], f"{where}: graph.managers must be true or false")
            managers = raw in ("true", "yes")
        group = self.scalar(m.get("rteam_group"), f"{where}: graph.rteam_group")
        if group and not re.fullmatch(r"[0-9a-fA-F-]{36}", group):
            self.fail(m["rteam_group"], f"{where}: graph.rteam_group must be an Entra group id")
        return GraphDirectory(managers=managers, rteam_group=group)

    def closed_days(self, node: yaml.Node | None, where: str) -> tuple[tuple[date, date], ...]:
        """Closed days: a list of dates or 'YYYY-MM-DD..YYYY-MM-DD' ranges (breaks)."""
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{where}: closed_days must be a list")
            return ()
        out: list[tuple[date, date]] = []
        for item in node.value:
            text = self.scalar(item, f"{where}: closed_days") or ""
            try:
                first, _, last = text.partition("..")
                start = date.fromisoformat(first.strip())
                end = date.fromisoformat(last.strip()) if last else start
            except ValueError:
                self.fail(
                    item,
                    f"{where}: closed day '{text}' must be YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD",
                )
                continue
            if end < start:
                self.fail(item, f"{where}: closed days '{text}' end before they start")
                continue
            out.append((start, end))
        return tuple(out)
