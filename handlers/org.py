"""The org directory (org.yml): owner, schools, leadership, units, R-team.

People are identified by e-mail, so one file serves Slack and Teams. Loading validates the
whole file and names the line of every problem, so a typo never starts a bot that routes
reports wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from handlers.dates import SchoolDay
from handlers.i18n import t

LANGUAGES = ("nb", "nn", "en")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DIGEST = re.compile(
    r"^(?:every\s+(?P<weeks>\d+)\s+weeks?\s+)?(?P<day>monday|tuesday|wednesday|thursday|friday"
    r"|saturday|sunday)\s+(?P<h>\d{1,2}):(?P<m>\d{2})$",
    re.IGNORECASE,
)
EVERY = re.compile(r"(?P<n>\d+)\s*(?P<unit>minutes?|min|m|hours?|h|days?|d)")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 24 * 60}
REPEAT = re.compile(r"(?P<n>\d+)\s+per\s+(?P<period>week|month|term|year)")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class OrgError(ValueError):
    """Problems in org.yml, in the owner's language; `line` is 1-based (0: the file could not
    be read at all)."""

    def __init__(
        self, problems: list[tuple[int, str]], path: str = "org.yml", lang: str = "nb"
    ) -> None:
        self.problems = sorted(problems)
        self.path = path
        self.lang = lang
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [
            t(self.lang, "org.line", path=self.path, line=ln, problem=msg)
            for ln, msg in self.problems
        ]

    def report(self) -> str:
        """The header and one line per problem, for `meldefra org check` and start-up."""
        return "\n".join([t(self.lang, "org.problems", path=self.path), *self.lines()])


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
class ArchiveSettings:
    """Where a school's cases go in the municipality's sakarkiv (Fiks Arkiv): the klassering
    of the saksmappe (`klassering`, in `klassifikasjonssystem` when the archive has several),
    the administrative unit, the arkivdel, and whether a closed case is sperret in Meldefra
    by itself once its case file is journalført (`sperre: after_journal`)."""

    klassering: str
    klassifikasjonssystem: str | None = None
    admin_unit: str | None = None
    arkivdel: str | None = None
    sperre_after_journal: bool = False


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
    # § 12-5 ("straks"): a case nobody has acknowledged is reminded every this many working
    # hours (the school's `day:` hours on school days, handlers.calendar), and when rektor
    # holds it, skoleeier is brought in after twice as many (handlers.followup).
    urgent_reminder_hours: int = 2
    # "3 per term": the leader is told, and the R-team digest marks (without names), when a
    # pupil is reported this many times within the period (handlers/history.py).
    repeat_reports: RepeatReports | None = None
    # The operator chose to keep free text unencrypted (no MELDEFRA_ENCRYPTION_KEY): `doctor`
    # and `serve` then stop calling it a problem.
    plaintext_ok: bool = False


@dataclass(frozen=True)
class RepeatReports:
    count: int
    period: str  # week | month | term | year (term: August–December, January–July)


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
    # (person, unit name): the unit whose leader gets the reports of someone in several units
    primary_units: tuple[tuple[str, str], ...] = ()
    archive: ArchiveSettings | None = None  # None: not journalført through Fiks Arkiv
    # The school's own times (`day: {starts, recess, ends}`), used to place "i friminuttet"
    day: SchoolDay = field(default_factory=SchoolDay)
    # The school's id in the directory's source (OneRoster orgs.sourcedId or identifier, Graph
    # educationSchool id or externalId), when it is not the same as `id`.
    source_id: str | None = None

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
        """The reporter's own unit: their primary_unit, else the one where they are a member
        (org check refuses a person in two units without one), else one they lead."""
        primary = dict(self.primary_units).get(email)
        for unit in self.units:
            if unit.name == primary:
                return unit
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
    language: str | None = None  # the language of `meldefra org check` and `doctor`
    # The municipality's own team (`owner.team`): people skoleeier may bring into a § 12-5
    # case (a forward), who are not contacts and are told nothing by themselves.
    team: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectorySource:
    """Where the directory of staff and pupils comes from (`directory:` in org.yml)."""

    source: str  # oneroster | graph
    path: Path | None = None  # OneRoster: the folder of CSV files (relative to org.yml)
    every_minutes: int = 24 * 60  # how often `serve` syncs it


@dataclass(frozen=True)
class Org:
    owner: Owner
    schools: tuple[School, ...]
    languages: dict[str, str] = field(default_factory=dict)  # per-person language override
    directory: DirectorySource | None = None

    @property
    def plaintext_chosen(self) -> bool:
        """Every school's policy says the free text may be kept unencrypted."""
        return bool(self.schools) and all(s.policy.plaintext_ok for s in self.schools)

    @property
    def operator_language(self) -> str:
        """The language the operator's tools speak: owner.language, else the first school's."""
        return self.owner.language or (self.schools[0].language if self.schools else "nb")

    def school(self, school_id: str) -> School:
        for school in self.schools:
            if school.id == school_id:
                return school
        raise KeyError(school_id)

    def leads(self, email: str) -> bool:
        """Rektor, a leader of a unit or the school's leadership, or skoleeier."""
        if email in self.owner.contacts:
            return True
        return any(
            s.is_leadership(email) or any(u.leader == email for u in s.units)
            for s in self.schools_of(email)
        )

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
        for contact in (*self.owner.contacts, *self.owner.team):
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
        error = exc.strerror or str(exc)
        raise OrgError([(0, t("nb", "org.err.read", error=error))], str(path)) from exc
    return parse_org(text, str(path))


def parse_org(text: str, path: str = "org.yml") -> Org:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        lang = _language_in_text(text)
        raise OrgError([_yaml_problem(exc, lang)], path, lang) from exc
    reader = _Reader(_language_of(root), Path(path).parent)
    org = reader.org(root)
    if reader.problems or org is None:
        raise OrgError(reader.problems or [(1, t(reader.lang, "org.err.empty"))], path, reader.lang)
    return org


def _language_of(root: yaml.Node | None) -> str:
    """owner.language, else the first school's language, else bokmål: read before the rest,
    so every problem is told in the owner's language."""

    def get(node: yaml.Node | None, key: str) -> yaml.Node | None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    return v
        return None

    schools = get(root, "schools")
    first = schools.value[0] if isinstance(schools, yaml.SequenceNode) and schools.value else None
    for node in (get(get(root, "owner"), "language"), get(first, "language")):
        if isinstance(node, yaml.ScalarNode) and node.value in LANGUAGES:
            return str(node.value)
    return "nb"


def _language_in_text(text: str) -> str:
    """The same choice for a file that is not valid YAML: the first `language:` line."""
    match = re.search(r"^[\s-]*language:\s*['\"]?(nb|nn|en)\b", text, re.MULTILINE)
    return match[1] if match else "nb"


def _yaml_problem(exc: yaml.YAMLError, lang: str) -> tuple[int, str]:
    """PyYAML's parser words ("mapping values are not allowed here") as what to fix."""
    mark = getattr(exc, "problem_mark", None)
    start_mark = getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else 0
    start = start_mark.line + 1 if start_mark else line
    problem = str(getattr(exc, "problem", "") or "")
    context = str(getattr(exc, "context", "") or "")
    if "mapping values are not allowed" in problem:
        key = "org.err.yaml.colon"
    elif "'\\t'" in problem or "tab" in problem:
        key = "org.err.yaml.tab"
    elif "flow sequence" in context:
        key, line = "org.err.yaml.list", start  # fixed where it opens
    elif "flow mapping" in context:
        key, line = "org.err.yaml.braces", start
    elif "quoted scalar" in context:
        key, line = "org.err.yaml.quote", start
    elif "could not find expected ':'" in problem:
        key = "org.err.yaml.key"
    elif "expected <block end>" in problem or "did not find expected" in problem:
        key = "org.err.yaml.indent"
    else:
        key = "org.err.yaml.other"
    return line, t(lang, key, start=start)


def _member_node(unit: yaml.Node, person: str) -> yaml.Node:
    """Where `person` is listed in a unit's members (the unit itself if not found)."""
    for key, value in getattr(unit, "value", ()):
        if key.value == "members" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                if str(item.value).strip().lower() == person:
                    return item  # type: ignore[no-any-return]
    return unit


class _Reader:
    """Turns the YAML node tree into an Org, collecting every problem with its line."""

    def __init__(self, lang: str = "nb", folder: Path | None = None) -> None:
        self.lang = lang
        self.folder = folder or Path(".")  # where org.yml is: relative paths start there
        self.problems: list[tuple[int, str]] = []

    def fail(self, node: yaml.Node | None, problem: str, /, **args: object) -> None:
        line = (node.start_mark.line + 1) if node is not None else 1
        self.problems.append((line, t(self.lang, "org.err." + problem, **args)))

    def where_school(self, school: str) -> str:
        return t(self.lang, "org.where.school", school=school)

    def mapping(
        self, node: yaml.Node | None, where: str, allowed: set[str] | None
    ) -> dict[str, yaml.Node] | None:
        """A mapping's values by key; `allowed` None accepts any key."""
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, "mapping", where=where)
            return None
        out: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in out:
                self.fail(key, "key_twice", where=where, key=name)
            elif allowed is not None and name not in allowed:
                known = ", ".join(sorted(allowed))
                self.fail(key, "unknown_key", where=where, key=name, known=known)
            out[name] = value
        return out

    def scalar(
        self, node: yaml.Node | None, where: str, key: str, *, required: bool = True
    ) -> str | None:
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
            return None
        if not isinstance(node, yaml.ScalarNode) or str(node.value).strip() == "":
            if required:
                self.fail(node, "single", where=where, key=key)
            return None
        return str(node.value).strip()

    def email(self, node: yaml.Node | None, where: str, key: str) -> str | None:
        value = self.scalar(node, where, key)
        if value is None:
            return None
        if not EMAIL.match(value):
            self.fail(node, "not_email", where=where, value=value)
            return None
        return value.lower()

    def emails(self, node: yaml.Node | None, where: str, key: str) -> tuple[str, ...]:
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, "email_list", where=where, key=key)
            return ()
        out = [self.email(item, where, key) for item in node.value]
        return tuple(e for e in out if e)

    def require(self, m: dict[str, yaml.Node], key: str, parent: yaml.Node, where: str) -> bool:
        if key not in m:
            self.fail(parent, "missing", where=where, key=key)
            return False
        return True

    def language(self, node: yaml.Node | None, where: str) -> str | None:
        lang = self.scalar(node, where, "language")
        if lang is not None and lang not in LANGUAGES:
            self.fail(node, "language", where=where, value=lang)
            return None
        return lang

    def org(self, root: yaml.Node | None) -> Org | None:
        if root is None:
            return None
        where = t(self.lang, "org.where.file")
        m = self.mapping(root, where, {"owner", "schools", "languages", "directory"})
        if m is None:
            return None
        owner = self.owner(m.get("owner"), root)
        schools: list[School] = []
        if self.require(m, "schools", root, where):
            node = m["schools"]
            if not isinstance(node, yaml.SequenceNode) or not node.value:
                self.fail(node, "no_schools")
            else:
                ids: set[str] = set()
                for item in node.value:
                    school = self.school(item)
                    if school is None:
                        continue
                    if school.id in ids:
                        self.fail(item, "school_twice", school=school.id)
                    ids.add(school.id)
                    schools.append(school)
        languages = self.languages(m.get("languages"))
        directory = self.directory(m.get("directory"))
        if owner is None:
            return None
        return Org(owner=owner, schools=tuple(schools), languages=languages, directory=directory)

    def directory(self, node: yaml.Node | None) -> DirectorySource | None:
        """`directory: {source: oneroster, path: export/, every: 6 hours}` or `{source: graph}`."""
        if node is None:
            return None
        m = self.mapping(node, "directory", {"source", "path", "every"})
        if m is None:
            return None
        source = self.scalar(m.get("source"), "directory", "source") or ""
        if source not in ("oneroster", "graph"):
            self.fail(m.get("source", node), "directory_source", value=source)
            return None
        path = None
        raw_path = self.scalar(m.get("path"), "directory", "path", required=False)
        if source == "oneroster":
            if not raw_path:
                self.fail(node, "directory_path")
                return None
            path = Path(raw_path) if Path(raw_path).is_absolute() else self.folder / raw_path
        every = 24 * 60
        if "every" in m:
            raw = self.scalar(m["every"], "directory", "every") or ""
            match = EVERY.fullmatch(raw.strip().lower())
            minutes = int(match["n"]) * _UNIT_MINUTES[match["unit"][0]] if match else 0
            if not 15 <= minutes <= 7 * 24 * 60:
                self.fail(m["every"], "directory_every", value=raw)
            else:
                every = minutes
        return DirectorySource(source=source, path=path, every_minutes=every)

    def owner(self, node: yaml.Node | None, root: yaml.Node) -> Owner | None:
        if node is None:
            self.fail(root, "no_owner")
            return None
        m = self.mapping(node, "owner", {"name", "contacts", "language", "team"})
        if m is None:
            return None
        name = self.scalar(m.get("name"), "owner", "name") if "name" in m else None
        contacts = self.emails(m.get("contacts"), "owner", "contacts")
        if not contacts:
            self.fail(node, "no_contacts")
        language = self.language(m.get("language"), "owner")
        team = self.emails(m.get("team"), "owner", "team")
        return Owner(name=name or "Skoleeier", contacts=contacts, language=language, team=team)

    def languages(self, node: yaml.Node | None) -> dict[str, str]:
        if node is None:
            return {}
        if self.mapping(node, "languages", None) is None:
            return {}
        assert isinstance(node, yaml.MappingNode)
        out: dict[str, str] = {}
        for key, value in node.value:
            email = self.email(key, "languages", str(key.value))
            lang = self.language(value, "languages")
            if email and lang:
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
            "primary_unit",
            "archive",
            "day",
            "source_id",
        }
        pairs = node.value if isinstance(node, yaml.MappingNode) else []
        sid_node = next((v for k, v in pairs if k.value == "id"), None)
        where = (
            self.where_school(str(sid_node.value))
            if isinstance(sid_node, yaml.ScalarNode)
            else t(self.lang, "org.where.a_school")
        )
        m = self.mapping(node, where, keys)
        if m is None:
            return None
        ok = all([self.require(m, k, node, where) for k in ("id", "name", "principal")])
        if not ok:
            return None
        sid = self.scalar(m["id"], where, "id") or ""
        if sid and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", sid):
            self.fail(m["id"], "school_id", school=sid)
        where = self.where_school(sid)
        tz = self.scalar(m.get("timezone"), where, "timezone") or "Europe/Oslo"
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(m.get("timezone"), "timezone", where=where, value=tz)
        lang = self.language(m.get("language"), where) or "nb"
        principal = self.email(m["principal"], where, "principal")
        leadership = self.emails(m.get("leadership"), where, "leadership")
        if principal and principal not in leadership:
            leadership = (principal, *leadership)
        unit_nodes = list(self.units(m.get("units"), sid))
        units = tuple(unit for unit, _ in unit_nodes)
        rteam = self.rteam(m.get("rteam"), where)
        policy = self.policy(m.get("policy"), where)
        closed = self.closed_days(m.get("closed_days"), where)
        graph = self.graph(m.get("graph"), where)
        archive = self.archive(m.get("archive"), where)
        primary = self.primary_units(m.get("primary_unit"), where, units)
        day = self.school_day(m.get("day"), where)
        self.check_units(sid, unit_nodes, primary, {principal, *leadership, *rteam.members})
        name = self.scalar(m["name"], where, "name") or sid
        if not principal:
            return None
        return School(
            id=sid,
            name=name,
            timezone=tz,
            language=lang,
            principal=principal,
            leadership=leadership,
            rteam=rteam,
            units=units,
            policy=policy,
            closed_days=closed,
            graph=graph,
            primary_units=tuple(primary.items()),
            archive=archive,
            day=day,
            source_id=self.scalar(m.get("source_id"), where, "source_id"),
        )

    def units(self, node: yaml.Node | None, sid: str) -> Iterator[tuple[Unit, yaml.Node]]:
        where = self.where_school(sid)
        if node is None:
            return
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, "list", where=where, key="units")
            return
        names: set[str] = set()
        for item in node.value:
            m = self.mapping(item, where, {"name", "leader", "members"})
            if m is None or not self.require(m, "name", item, where):
                continue
            name = self.scalar(m["name"], where, "name") or ""
            unit_where = t(self.lang, "org.where.unit", school=sid, unit=name)
            if name in names:
                self.fail(item, "unit_twice", where=unit_where)
            names.add(name)
            leader = self.email(m["leader"], unit_where, "leader") if "leader" in m else None
            members = self.emails(m.get("members"), unit_where, "members")
            yield Unit(name=name, leader=leader, members=members), item

    def primary_units(
        self, node: yaml.Node | None, where: str, units: tuple[Unit, ...]
    ) -> dict[str, str]:
        """`primary_unit: {person: unit name}`: for someone in several units."""
        if node is None or self.mapping(node, f"{where}: primary_unit", None) is None:
            return {}
        assert isinstance(node, yaml.MappingNode)
        by_name = {unit.name: unit for unit in units}
        out: dict[str, str] = {}
        for key, value in node.value:
            person = self.email(key, where, "primary_unit")
            name = self.scalar(value, where, "primary_unit")
            if person is None or name is None:
                continue
            if name not in by_name:
                self.fail(value, "primary_unknown_unit", where=where, person=person, unit=name)
            elif person not in by_name[name].members:
                self.fail(value, "primary_not_member", where=where, person=person, unit=name)
            else:
                out[person] = name
        return out

    def check_units(
        self,
        sid: str,
        units: list[tuple[Unit, yaml.Node]],
        primary: dict[str, str],
        others: set[str | None],
    ) -> None:
        """Routing must never guess: one unit per person (or a primary_unit), and a unit
        leader who is someone at the school (a typo would send reports into the void)."""
        where = self.where_school(sid)
        first_unit: dict[str, str] = {}
        members: set[str] = set()
        for unit, node in units:
            for person in unit.members:
                members.add(person)
                if person not in first_unit:
                    first_unit[person] = unit.name
                elif person not in primary and first_unit[person] != unit.name:
                    self.fail(
                        _member_node(node, person), "two_units", where=where, person=person,
                        first=first_unit[person], second=unit.name,
                    )  # fmt: skip
        for unit, node in units:
            if unit.leader and unit.leader not in others | members:
                unit_where = t(self.lang, "org.where.unit", school=sid, unit=unit.name)
                self.fail(node, "leader_unknown", where=unit_where, person=unit.leader)

    def rteam(self, node: yaml.Node | None, where: str) -> RTeam:
        if node is None:
            return RTeam(members=())
        keys = {"members", "slack_channel", "teams_channel", "digest"}
        m = self.mapping(node, f"{where}: rteam", keys)
        if m is None:
            return RTeam(members=())
        digest = None
        if "digest" in m:
            text = self.scalar(m["digest"], where, "rteam.digest") or ""
            match = DIGEST.match(text.strip())
            if not match or int(match["h"]) > 23 or int(match["m"]) > 59 or match["weeks"] == "0":
                self.fail(m["digest"], "digest", where=where, value=text)
            else:
                digest = Digest(
                    weekday=WEEKDAYS.index(match["day"].lower()),
                    hour=int(match["h"]),
                    minute=int(match["m"]),
                    every_weeks=int(match["weeks"] or 1),
                )
        return RTeam(
            members=self.emails(m.get("members"), where, "rteam.members"),
            slack_channel=self.scalar(m.get("slack_channel"), where, "rteam.slack_channel"),
            teams_channel=self.scalar(m.get("teams_channel"), where, "rteam.teams_channel"),
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
            "urgent_reminder_hours",
            "repeat_reports",
            "plaintext_ok",
        }
        m = self.mapping(node, f"{where}: policy", keys)
        if m is None:
            return Policy()
        values: dict[str, Any] = {}
        if "reminder_time" in m:
            value = self.scalar(m["reminder_time"], where, "policy.reminder_time") or ""
            if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", value):
                self.fail(m["reminder_time"], "reminder_time", where=where, value=value)
            else:
                values["reminder_time"] = value
        for key in ("escalate_after_school_days", "plan_within_school_days"):
            if key in m:
                raw = self.scalar(m[key], where, f"policy.{key}") or ""
                if not raw.isdigit() or not 0 < int(raw) <= 60:
                    self.fail(m[key], "whole_number", where=where, key=key)
                else:
                    values[key] = int(raw)
        if "owner_notice" in m:
            mode = self.scalar(m["owner_notice"], where, "policy.owner_notice") or ""
            if mode not in ("at_once", "rektor"):
                self.fail(m["owner_notice"], "owner_notice", where=where, value=mode)
            else:
                values["owner_notice"] = mode
        if "owner_notice_hours" in m:
            raw = self.scalar(m["owner_notice_hours"], where, "policy.owner_notice_hours") or ""
            if not raw.isdigit() or not 0 < int(raw) <= 168:
                self.fail(m["owner_notice_hours"], "owner_notice_hours", where=where)
            else:
                values["owner_notice_hours"] = int(raw)
        if "urgent_reminder_hours" in m:
            node_ = m["urgent_reminder_hours"]
            raw = self.scalar(node_, where, "policy.urgent_reminder_hours") or ""
            if not raw.isdigit() or not 0 < int(raw) <= 40:
                self.fail(node_, "urgent_reminder_hours", where=where)
            else:
                values["urgent_reminder_hours"] = int(raw)
        if "repeat_reports" in m:
            raw = self.scalar(m["repeat_reports"], where, "policy.repeat_reports") or ""
            match = REPEAT.fullmatch(raw.strip().lower())
            if not match or not 2 <= int(match["n"]) <= 50:
                self.fail(m["repeat_reports"], "repeat_reports", where=where, value=raw)
            else:
                values["repeat_reports"] = RepeatReports(int(match["n"]), match["period"])
        if "plaintext_ok" in m:
            raw = (self.scalar(m["plaintext_ok"], where, "policy.plaintext_ok") or "").lower()
            if raw not in ("true", "false", "yes", "no"):
                self.fail(m["plaintext_ok"], "plaintext_ok", where=where)
            values["plaintext_ok"] = raw in ("true", "yes")
        return Policy(**values)

    def graph(self, node: yaml.Node | None, where: str) -> GraphDirectory:
        if node is None:
            return GraphDirectory()
        m = self.mapping(node, f"{where}: graph", {"managers", "rteam_group"})
        if m is None:
            return GraphDirectory()
        managers = False
        if "managers" in m:
            raw = (self.scalar(m["managers"], where, "graph.managers") or "").lower()
            if raw not in ("true", "false", "yes", "no"):
                self.fail(m["managers"], "managers", where=where)
            managers = raw in ("true", "yes")
        group = self.scalar(m.get("rteam_group"), where, "graph.rteam_group")
        if group and not re.fullmatch(r"[0-9a-fA-F-]{36}", group):
            self.fail(m["rteam_group"], "rteam_group", where=where)
        return GraphDirectory(managers=managers, rteam_group=group)

    def archive(self, node: yaml.Node | None, where: str) -> ArchiveSettings | None:
        if node is None:
            return None
        keys = {"klassering", "klassifikasjonssystem", "admin_unit", "arkivdel", "sperre"}
        m = self.mapping(node, f"{where}: archive", keys)
        if m is None:
            return None
        klassering = self.scalar(m.get("klassering"), where, "archive.klassering")
        if not klassering:
            self.fail(node, "archive_klassering", where=where)
            return None
        sperre = (self.scalar(m.get("sperre"), where, "archive.sperre") or "manual").lower()
        if sperre not in ("manual", "after_journal"):
            self.fail(m["sperre"], "archive_sperre", where=where, value=sperre)
        return ArchiveSettings(
            klassering=klassering,
            klassifikasjonssystem=self.scalar(
                m.get("klassifikasjonssystem"), where, "archive.klassifikasjonssystem"
            ),
            admin_unit=self.scalar(m.get("admin_unit"), where, "archive.admin_unit"),
            arkivdel=self.scalar(m.get("arkivdel"), where, "archive.arkivdel"),
            sperre_after_journal=sperre == "after_journal",
        )

    def school_day(self, node: yaml.Node | None, where: str) -> SchoolDay:
        """`day: {starts: "08:15", recess: ["10:00", "11:30"], ends: "14:30"}`, all optional."""
        if node is None:
            return SchoolDay()
        m = self.mapping(node, where, {"starts", "recess", "ends"})
        if m is None:
            return SchoolDay()

        def clock(item: yaml.Node | None, key: str) -> time | None:
            text = self.scalar(item, where, f"day.{key}", required=False)
            if text is None:
                return None
            match = re.fullmatch(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])", text)
            if match is None:
                self.fail(item, "day_time", where=where, key=key, value=text)
                return None
            return time(int(match[1]), int(match[2]))

        recess_node = m.get("recess")
        items = recess_node.value if isinstance(recess_node, yaml.SequenceNode) else [recess_node]
        recess = tuple(c for c in (clock(i, "recess") for i in items if i is not None) if c)
        starts, ends = clock(m.get("starts"), "starts"), clock(m.get("ends"), "ends")
        if starts and ends and ends <= starts:
            self.fail(m.get("ends"), "day_order", where=where)
        return SchoolDay(starts=starts, recess=recess, ends=ends)

    def closed_days(self, node: yaml.Node | None, where: str) -> tuple[tuple[date, date], ...]:
        """Closed days: a list of dates or 'YYYY-MM-DD..YYYY-MM-DD' ranges (breaks)."""
        if node is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, "list", where=where, key="closed_days")
            return ()
        out: list[tuple[date, date]] = []
        for item in node.value:
            text = self.scalar(item, where, "closed_days") or ""
            try:
                first, _, last = text.partition("..")
                start = date.fromisoformat(first.strip())
                end = date.fromisoformat(last.strip()) if last else start
            except ValueError:
                self.fail(item, "closed_day", where=where, value=text)
                continue
            if end < start:
                self.fail(item, "closed_backwards", where=where, value=text)
                continue
            out.append((start, end))
        return tuple(out)
