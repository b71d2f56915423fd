"""Slack user ↔ e-mail ↔ org person, resolved through the Web API and cached.

In memory for speed, and in the identities table so a restart does not re-ask Slack for
everyone. DM channel ids are cached the same way.
"""

from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.blocks import escape
from handlers import identity, people
from handlers.directory import remember_display_name
from handlers.services import Services

PLATFORM = "slack"
log = logging.getLogger("meldefra.slack")


class UnknownUser(Exception):
    """The Slack user has no e-mail we can see (a bot, or the scope is missing)."""


class SlackDirectory:
    def __init__(self, services: Services, client: WebClient) -> None:
        self.services = services
        self.client = client
        self._email: dict[str, str] = {}
        self._user: dict[str, str] = {}
        self._dm: dict[str, str] = {}
        self._lock = threading.Lock()

    def _cache(self, user_id: str, email: str) -> None:
        with self._lock:
            self._email[user_id] = email
            self._user[email] = user_id

    def email_of(self, user_id: str) -> str:
        if user_id in self._email:
            return self._email[user_id]
        stored = identity.by_user(self.services, PLATFORM, user_id)
        if stored is not None:
            self._cache(user_id, stored[0])
            return stored[0]
        user = self.client.users_info(user=user_id)["user"]
        email = (user.get("profile") or {}).get("email")
        if not email:
            raise UnknownUser(user_id)
        email = email.lower()
        identity.remember(self.services, PLATFORM, user_id, email)
        profile = user.get("profile") or {}
        name = profile.get("real_name") or profile.get("display_name") or user.get("real_name")
        remember_display_name(self.services, email, name, PLATFORM)
        self._cache(user_id, email)
        return email

    def find(self, user_id: str) -> str | None:
        """The user's e-mail; None when Slack shows us none for them (a bot, a missing scope)
        or fails to answer."""
        try:
            return self.email_of(user_id)
        except (UnknownUser, SlackApiError):
            return None

    def mention(self, email: str) -> str:
        """A person as a message names them: a mention where Slack knows them, else the
        name the directory has (as mrkdwn)."""
        user = self.cached_user(email)
        return f"<@{user}>" if user else escape(people.display(self.services, email))

    def warm(self, user_id: str) -> None:
        """A new reporter's e-mail resolved ahead of their submission (`QuietQueue`), so it
        needs no users.info call; what fails here is asked again then."""
        try:
            self.email_of(user_id)
        except (SlackApiError, UnknownUser) as exc:
            log.info("identity not resolved yet: %s", type(exc).__name__)

    def cached_email(self, user_id: str) -> str | None:
        """Without any network call (for the path before views.open)."""
        return self._email.get(user_id)

    def cached_user(self, email: str) -> str | None:
        return self._user.get(email.lower())

    def user_of(self, email: str) -> str:
        """Raises SlackApiError (users_not_found) when nobody in Slack has this e-mail."""
        email = email.lower()
        if email in self._user:
            return self._user[email]
        stored = identity.by_email(self.services, PLATFORM, email)
        if stored is not None:
            self._cache(stored[0], email)
            return stored[0]
        user_id = self.client.users_lookupByEmail(email=email)["user"]["id"]
        identity.remember(self.services, PLATFORM, user_id, email)
        self._cache(user_id, email)
        return str(user_id)

    def dm_channel(self, user_id: str) -> str:
        if user_id in self._dm:
            return self._dm[user_id]
        channel = self.client.conversations_open(users=user_id)["channel"]["id"]
        with self._lock:
            self._dm[user_id] = channel
        return str(channel)
