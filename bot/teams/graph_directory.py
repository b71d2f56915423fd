"""Microsoft Graph's education API (School Data Sync) into a directory `Snapshot`.

Read through msgraph-sdk on our own request adapter (bot/teams/graph.py: GRAPH_URL, the
loopback fake in tests): `/education/schools`, each school's `users` (the student's
`birthDate` and `grade`, `relatedContacts` as foresatte) and `classes`, and the members of the
classes named like a class/basisgruppe ("8B", "10 A"). Every list is followed through
`@odata.nextLink`. msgraph-core retries 429/503/504 after Retry-After three times; a call that
still gets one is retried here after Retry-After (at most MAX_WAIT seconds, ATTEMPTS times).
Whatever still fails, and every unusable record, is a problem line: the snapshot is then not
applied, so a partial answer never marks a school's pupils as left.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.teams.graph import GraphError, _call, make_client
from handlers.directory_sync import (
    GuardianRecord,
    PupilRecord,
    SchoolRecord,
    Snapshot,
    StaffRecord,
)

if TYPE_CHECKING:
    from msgraph import GraphServiceClient

    from bot.config import Settings

log = logging.getLogger("meldefra.teams.directory_sync")
ATTEMPTS = 5
MAX_WAIT = 60.0
CONCURRENCY = 8
GROUP = re.compile(r"^\d{1,2}\s*[^\W\d_]{0,3}$")
USER_FIELDS = [
    "id",
    "displayName",
    "givenName",
    "middleName",
    "surname",
    "mail",
    "userPrincipalName",
    "primaryRole",
    "student",
    "relatedContacts",
]
GUARDIANS = {"parent": "parent", "guardian": "guardian", "relative": "relative"}


def _value(enum: Any) -> str:
    return str(getattr(enum, "value", enum) or "")


async def _patiently(what: str, call: Callable[[], Awaitable[Any]]) -> Any:
    """A Graph call, again after Retry-After while Graph says it is busy."""
    for attempt in range(ATTEMPTS):
        try:
            return await _call(what, call())
        except GraphError as exc:
            if exc.status not in (429, 503, 504) or attempt == ATTEMPTS - 1:
                raise
            wait = min(MAX_WAIT, exc.retry_after if exc.retry_after else 2.0**attempt)
            log.info("graph %s: %s, again in %.0f s", what, exc.status, wait)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")


async def _all(what: str, builder: Any, config: Any = None) -> list[Any]:
    """Every item of a list, page after page."""
    page = await _patiently(what, lambda: builder.get(request_configuration=config))
    items: list[Any] = []
    while page is not None:
        items += page.value or []
        link = page.odata_next_link
        if not link:
            break
        page = await _patiently(what, _next(builder, link))
    return items


def _next(builder: Any, link: str) -> Callable[[], Awaitable[Any]]:
    return lambda: builder.with_url(link).get()  # type: ignore[no-any-return]


def _user_config(builder_module: Any) -> Any:
    from kiota_abstractions.base_request_configuration import RequestConfiguration

    params = builder_module.UsersRequestBuilderGetQueryParameters(select=USER_FIELDS)
    return RequestConfiguration(query_parameters=params)


def _name(user: Any) -> str:
    parts = [user.given_name, user.middle_name, user.surname]
    return user.display_name or " ".join(p for p in parts if p)


async def read(client: GraphServiceClient) -> Snapshot:
    snapshot = Snapshot(source="graph")
    try:
        schools = await _all("schools", client.education.schools)
    except GraphError as exc:
        snapshot.problems.append(f"graph: the schools could not be read ({exc})")
        return snapshot
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(school: Any) -> None:
        async with limit:
            await _school(client, school, snapshot, limit)

    for school in schools:
        if not school.id:
            snapshot.problems.append("graph: a school without an id")
            continue
        snapshot.schools.append(
            SchoolRecord(school.id, school.display_name or school.id, school.external_id or None)
        )
    await asyncio.gather(*(one(s) for s in schools if s.id))
    return snapshot


async def _school(client: Any, school: Any, snapshot: Snapshot, limit: asyncio.Semaphore) -> None:
    from msgraph.generated.education.schools.item.users import users_request_builder

    item = client.education.schools.by_education_school_id(school.id)
    try:
        users = await _all(
            f"users of school {school.id}",
            item.users,
            _user_config(users_request_builder.UsersRequestBuilder),
        )
        classes = await _all(f"classes of school {school.id}", item.classes)
    except GraphError as exc:
        snapshot.problems.append(f"graph: school {school.id} could not be read ({exc})")
        return
    groups: dict[str, str] = {}
    named = sorted(
        (
            c
            for c in classes
            if c.id and GROUP.match((c.display_name or c.class_code or "").strip())
        ),
        key=lambda c: c.display_name or c.class_code or "",
    )
    for cls in named:
        builder = client.education.classes.by_education_class_id(cls.id).members
        try:
            members = await _all(f"members of class {cls.id}", builder)
        except GraphError as exc:
            snapshot.problems.append(f"graph: class {cls.id} could not be read ({exc})")
            continue
        for member in members:
            if member.id:
                groups.setdefault(member.id, (cls.display_name or cls.class_code).strip())
    for user in users:
        _user(user, school.id, groups, snapshot)


def _user(user: Any, school_id: str, groups: dict[str, str], snapshot: Snapshot) -> None:
    role = _value(user.primary_role)
    name = _name(user)
    if not user.id:
        snapshot.problems.append(f"graph: school {school_id}: a user without an id")
        return
    if role == "student":
        if not name:
            snapshot.problems.append(f"graph: school {school_id}: student {user.id} has no name")
            return
        student = user.student
        guardians = []
        for contact in user.related_contacts or []:
            relation = GUARDIANS.get(_value(contact.relationship))
            if relation and contact.display_name:
                guardians.append(
                    GuardianRecord(
                        f"{user.id}:{contact.display_name}", contact.display_name, relation
                    )
                )
        snapshot.pupils.append(
            PupilRecord(
                source_id=user.id,
                name=name,
                school=school_id,
                birth_date=student.birth_date if student else None,
                group=groups.get(user.id),
                grade=(student.grade or None) if student else None,
                guardians=tuple(guardians),
            )
        )
        return
    email = user.mail or user.user_principal_name
    if email:
        snapshot.staff.append(StaffRecord(user.id, email.lower(), name or None, (school_id,)))


def merge_staff(snapshot: Snapshot) -> Snapshot:
    """A teacher at two schools is listed by both: one record with both schools."""
    merged: dict[str, StaffRecord] = {}
    for staff in snapshot.staff:
        found = merged.get(staff.source_id)
        schools = (*found.schools, *staff.schools) if found else staff.schools
        merged[staff.source_id] = StaffRecord(
            staff.source_id, staff.email, staff.name, tuple(dict.fromkeys(schools))
        )
    snapshot.staff = list(merged.values())
    seen: dict[str, PupilRecord] = {}
    for pupil in snapshot.pupils:
        seen.setdefault(pupil.source_id, pupil)  # listed by two schools: the first one
    snapshot.pupils = list(seen.values())
    return snapshot


async def read_merged(client: GraphServiceClient) -> Snapshot:
    return merge_staff(await read(client))


def read_with_settings(settings: Settings) -> Snapshot:
    """A sync's snapshot with the app's own client credentials (CLIENT_ID, CLIENT_SECRET,
    TENANT_ID at LOGIN_AUTHORITY; Graph at GRAPH_URL), in an event loop of its own."""
    from bot.teams.auth import ClientSecretToken

    async def run() -> Snapshot:
        credential = ClientSecretToken(
            settings.login_authority,
            str(settings.teams_tenant_id),
            str(settings.teams_client_id),
            str(settings.teams_client_secret),
        )
        try:
            return await read_merged(make_client(settings.graph_url, credential))
        finally:
            await credential.client.aclose()

    return asyncio.run(run())
