"""Teams users ↔ e-mail ↔ org person, conversation references, and the Entra ID directory.

A Teams user is keyed by their Entra object id (the activity's from.aadObjectId; Graph uses the
same id). The e-mail comes from the Bot Connector's member lookup (email/userPrincipalName),
else from Graph /users/{id}; it is kept in the identities table with the 1:1 conversation
reference (conversation id, service URL, tenant) that proactive messages need.

From Graph, when a school asks for it in org.yml: a reporter's manager (the nearest leader when
the unit names none) and R-team members from an Entra group. Both are cached for `ttl` seconds;
Graph failing or answering nothing gives None or the org.yml members, never an error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.teams.auth import trusted_service_url
from bot.teams.graph import Graph, GraphError
from handlers import identity
from handlers.directory import remember_display_name
from handlers.services import Services

log = logging.getLogger("meldefra.teams.directory")
PLATFORM = "teams"
PERSONAL = "personal"


class UnknownUser(Exception):
    """The Teams user has no e-mail we can see."""


@dataclass(frozen=True)
class Reference:
    """Where to send a proactive message to one person: their 1:1 chat with the bot."""

    conversation_id: str
    service_url: str
    tenant_id: str | None


@dataclass(frozen=True)
class Person:
    aad_id: str
    reference: Reference | None


def user_key(activity: Any) -> str:
    """The sender's Entra object id, or "" when the activity has none. Never `from.id`: a
    Direct Line client chooses its own, and Teams always sends the object id of a person."""
    return str(activity.from_.aad_object_id or "")


def tenant_of(activity: Any) -> str | None:
    tenant = activity.conversation.tenant_id
    data = activity.channel_data
    if tenant is None and data is not None and data.tenant is not None:
        tenant = data.tenant.id  # a personal installationUpdate may carry it only here
    return str(tenant) if tenant else None


class TeamsDirectory:
    def __init__(
        self,
        services: Services,
        graph: Graph | None,
        *,
        ttl: float = 3600.0,
        monotonic: Callable[[], float] = time.monotonic,
        unauthenticated: bool = False,
    ) -> None:
        self.services = services
        # Inbound auth off (local testing): nobody vouches for an activity's serviceUrl.
        self.unauthenticated = unauthenticated
        self.graph = graph
        self.ttl = ttl
        self.monotonic = monotonic
        self.base_org = services.org  # org.yml as written; Graph adds to a copy of it
        self.service_url: str | None = None  # the last one Teams used (the tenant's region)
        self._email: dict[str, str] = {}
        self._url: dict[str, str] = {}  # the service URL each known person talks to us from
        self._managers: dict[str, tuple[float, str | None]] = {}
        self._rteams_until = 0.0

    # --- who is this ------------------------------------------------------------------

    def cached_email(self, key: str) -> str | None:
        return self._email.get(key)

    async def email_of(self, activity: Any, api: Any) -> str:
        """The e-mail of the activity's sender; raises UnknownUser.

        With inbound auth on, the serviceUrl is the one the Bot Framework signed. With it off,
        only a Teams host (or loopback) is asked who the sender is, and a person already known
        from one service URL is not believed from another: a forged activity whose serviceUrl
        "confirms" it comes from rektor gets nobody."""
        key = user_key(activity)
        url = activity.service_url
        if not key:
            log.warning("activity without the sender's Entra object id refused")
            raise UnknownUser(key)
        if self.unauthenticated and not trusted_service_url(url, allow_loopback=True):
            log.warning("activity from an untrusted serviceUrl refused")
            raise UnknownUser(key)
        email = self._email.get(key)
        if email is None:
            stored = await asyncio.to_thread(identity.by_user, self.services, PLATFORM, key)
            if stored is not None:
                email = stored[0]
                if stored[1].get("service_url"):
                    self._url.setdefault(key, str(stored[1]["service_url"]))
            else:
                email = await self._member_email(activity, api) or await self._graph_email(key)
                if not email:
                    raise UnknownUser(key)
                other = await asyncio.to_thread(identity.by_email, self.services, PLATFORM, email)
                if self.unauthenticated and other is not None and other[0] != key:
                    log.warning("a second Teams user claiming a known e-mail refused")
                    raise UnknownUser(key)
                data = {"teams_id": activity.from_.id, "tenant_id": tenant_of(activity)}
                await asyncio.to_thread(
                    identity.remember, self.services, PLATFORM, key, email, data
                )
                name = getattr(activity.from_, "name", None)
                await asyncio.to_thread(remember_display_name, self.services, email, name, PLATFORM)
        known = self._url.get(key)
        if self.unauthenticated and known and known.rstrip("/") != str(url).rstrip("/"):
            log.warning("activity for a known person from another serviceUrl refused")
            raise UnknownUser(key)
        self.service_url = url or self.service_url
        self._email[key] = email
        if url:
            self._url.setdefault(key, url)
        return email

    async def _member_email(self, activity: Any, api: Any) -> str | None:
        try:
            member = await api.conversations.get_member_by_id(
                activity.conversation.id, activity.from_.id
            )
        except Exception as exc:  # noqa: BLE001 - any failure: ask Graph instead
            log.info("connector member lookup failed: %s", type(exc).__name__)
            return None
        value = member.email or member.user_principal_name
        return str(value).lower() if value else None

    async def _graph_email(self, key: str) -> str | None:
        if self.graph is None:
            return None
        try:
            user = await self.graph.user(key)
        except GraphError:
            return None
        return user.email if user else None

    async def remember_conversation(self, activity: Any, api: Any) -> None:
        """Keep the reference of a personal chat with the bot (install, first message)."""
        if activity.conversation.conversation_type not in (PERSONAL, None):
            return
        try:
            email = await self.email_of(activity, api)
        except UnknownUser:
            log.info("conversation with an unknown user not kept")
            return
        await asyncio.to_thread(
            self.store_reference,
            user_key(activity),
            email,
            Reference(activity.conversation.id, activity.service_url, tenant_of(activity)),
        )

    # --- where to send ------------------------------------------------------------------

    def person(self, email: str) -> Person | None:
        """The person's Teams identity and 1:1 chat, from the store (a sync call)."""
        found = identity.by_email(self.services, PLATFORM, email)
        if found is None:
            return None
        key, data = found
        ref = None
        if data.get("conversation_id") and data.get("service_url"):
            ref = Reference(data["conversation_id"], data["service_url"], data.get("tenant_id"))
        return Person(key, ref)

    def store_reference(self, key: str, email: str, ref: Reference) -> None:
        data = {
            "conversation_id": ref.conversation_id,
            "service_url": ref.service_url,
            "tenant_id": ref.tenant_id,
        }
        identity.remember(self.services, PLATFORM, key, email, data)
        self._email[key] = email
        self._url[key] = ref.service_url

    def forget_reference(self, key: str, email: str) -> None:
        """The bot is no longer in that chat (uninstalled): the next send reinstalls it."""
        identity.remember(self.services, PLATFORM, key, email, {"conversation_id": None})

    # --- Entra ID -----------------------------------------------------------------------

    async def manager_of(self, key: str) -> str | None:
        """The person's manager's e-mail in Entra ID, or None (no Graph, none, or Graph failing)."""
        if self.graph is None or not key:
            return None
        cached = self._managers.get(key)
        if cached and cached[0] > self.monotonic():
            return cached[1]
        try:
            manager = await self.graph.manager_email(key)
        except GraphError as exc:
            log.warning("manager from Entra ID unavailable (%s); routing by org.yml", exc.status)
            return None  # not cached: the next report asks again
        self._managers[key] = (self.monotonic() + self.ttl, manager)
        return manager

    async def refresh_rteams(self) -> None:
        """R-team members from Entra groups, added to org.yml's, when the cache has run out.

        The handlers read `services.org`, so they see the R-team as if org.yml had listed them.
        A group that cannot be read keeps its last known members."""
        if self.graph is None or self._rteams_until > self.monotonic():
            return
        current = {s.id: s for s in self.services.org.schools}
        schools = []
        for school in self.base_org.schools:
            group = school.graph.rteam_group
            if group:
                try:
                    extra = await self.graph.group_member_emails(group)
                except GraphError as exc:
                    log.warning("R-team group of %s unavailable (%s)", school.id, exc.status)
                    schools.append(current.get(school.id, school))
                    continue
                members = tuple(dict.fromkeys([*school.rteam.members, *extra]))
                school = replace(school, rteam=replace(school.rteam, members=members))
            schools.append(school)
        self.services.org = replace(self.base_org, schools=tuple(schools))
        self._rteams_until = self.monotonic() + self.ttl
