"""Microsoft Graph, the calls Meldefra makes: users, managers, group members, installing the
app for a person, the chat that installation creates, and activity-feed notifications.

The client is msgraph-sdk on our own request adapter so that the base URL comes from
GRAPH_URL (national clouds; the loopback fake in tests). The SDK is imported on the first call
(bot/teams/graph_sdk.py), not when the Teams bot starts. msgraph-core already retries 429, 503
and 504 with Retry-After (three times); what still fails is raised as `GraphError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

if TYPE_CHECKING:
    from msgraph import GraphServiceClient
    from msgraph.generated.models.user import User

log = logging.getLogger("meldefra.teams.graph")
USER_FIELDS = ["id", "mail", "userPrincipalName"]


class GraphError(Exception):
    """A Graph call failed: `status` (0 for no answer), Graph's error code, Retry-After."""

    def __init__(self, status: int, code: str, retry_after: float | None = None) -> None:
        super().__init__(f"graph {status} {code}")
        self.status = status
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class GraphUser:
    id: str
    email: str | None


@cache
def sdk() -> Any:
    from bot.teams import graph_sdk

    return graph_sdk


def make_client(base_url: str, credential: Any) -> GraphServiceClient:
    """A Graph client on `base_url` (e.g. https://graph.microsoft.com/v1.0) with an async
    azure-core credential (ClientSecretCredential in production)."""
    m = sdk()
    parts = urlsplit(base_url)
    root = f"{parts.scheme}://{parts.netloc}"
    auth = m.AzureIdentityAuthenticationProvider(
        credential, scopes=[f"{root}/.default"], allowed_hosts=[parts.hostname or ""]
    )
    adapter = m.GraphRequestAdapter(auth)
    adapter.base_url = base_url.rstrip("/")
    return m.GraphServiceClient(request_adapter=adapter)  # type: ignore[no-any-return]


def _email(user: User) -> str | None:
    value = user.mail or user.user_principal_name
    return value.lower() if value else None


async def _call(what: str, call: Any) -> Any:
    """Await a Graph call, turning its errors into GraphError."""
    try:
        return await call
    except sdk().ODataError as exc:
        headers = exc.response_headers or {}
        after = headers.get("Retry-After") or headers.get("retry-after")
        code = exc.error.code if exc.error and exc.error.code else "error"
        log.info("graph %s: %s %s", what, exc.response_status_code, code)
        raise GraphError(
            exc.response_status_code or 0, code, float(after) if after else None
        ) from exc
    except (httpx.HTTPError, OSError) as exc:  # no answer at all, or no token for it
        raise GraphError(0, type(exc).__name__) from exc


class Graph:
    def __init__(
        self, client: GraphServiceClient | Callable[[], GraphServiceClient], *, root: str
    ) -> None:
        """`client`, or a function that makes it on the first call (loading the SDK then)."""
        self._client = client
        self.root = root.rstrip("/")  # for @odata.bind links

    @property
    def client(self) -> GraphServiceClient:
        if callable(self._client):
            self._client = self._client()
        return self._client

    async def user(self, key: str) -> GraphUser | None:
        """A user by object id or user principal name; None when there is no such user."""
        query = sdk().UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
            select=USER_FIELDS
        )
        try:
            user = await _call(
                "user",
                self.client.users.by_user_id(key).get(
                    request_configuration=sdk().RequestConfiguration(query_parameters=query)
                ),
            )
        except GraphError as exc:
            if exc.status == 404:
                return None
            raise
        return GraphUser(user.id, _email(user)) if user and user.id else None

    async def manager_email(self, user_id: str) -> str | None:
        """GET /users/{id}/manager; some tenants only answer $expand=manager, so try that too.

        None when the person has no manager."""
        try:
            manager = await _call("manager", self.client.users.by_user_id(user_id).manager.get())
        except GraphError as exc:
            # 404 means "no manager" or "no such user" alike; the expand tells them apart.
            log.info("manager lookup failed (%s); trying $expand=manager", exc.status)
            query = sdk().UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
                select=USER_FIELDS, expand=["manager"]
            )
            user = await _call(
                "user?$expand=manager",
                self.client.users.by_user_id(user_id).get(
                    request_configuration=sdk().RequestConfiguration(query_parameters=query)
                ),
            )
            manager = user.manager if user else None
        return _email(manager) if isinstance(manager, sdk().User) else None

    async def group_member_emails(self, group_id: str) -> list[str]:
        builder = self.client.groups.by_group_id(group_id).members
        page = await _call("group members", builder.get())
        emails: list[str] = []
        while page is not None:
            emails += [
                e for m in page.value or [] if isinstance(m, sdk().User) and (e := _email(m))
            ]
            if not page.odata_next_link:
                break
            page = await _call("group members", builder.with_url(page.odata_next_link).get())
        return emails

    async def install_app(self, user_id: str, catalog_app_id: str) -> None:
        """Install the org-catalog app for a person; already installed (409) is fine."""
        body = sdk().UserScopeTeamsAppInstallation(
            additional_data={
                "teamsApp@odata.bind": f"{self.root}/appCatalogs/teamsApps/{catalog_app_id}"
            }
        )
        try:
            await _call(
                "install app",
                self.client.users.by_user_id(user_id).teamwork.installed_apps.post(body),
            )
        except GraphError as exc:
            if exc.status != 409:
                raise

    async def installation_chat(self, user_id: str, bot_app_id: str) -> str | None:
        """The id of the 1:1 chat between the person and the bot, created by the installation."""
        apps = self.client.users.by_user_id(user_id).teamwork.installed_apps
        query = sdk().InstalledAppsRequestBuilder.InstalledAppsRequestBuilderGetQueryParameters(
            expand=["teamsApp"], filter=f"teamsApp/externalId eq '{bot_app_id}'"
        )
        found = await _call(
            "installed apps",
            apps.get(request_configuration=sdk().RequestConfiguration(query_parameters=query)),
        )
        if not found or not found.value or not found.value[0].id:
            return None
        chat = await _call(
            "installation chat",
            apps.by_user_scope_teams_app_installation_id(found.value[0].id).chat.get(),
        )
        return chat.id if chat else None

    async def notify(self, user_id: str, *, topic: str, text: str, web_url: str) -> None:
        """An activity-feed notification (systemDefault: no activity type to declare)."""
        body = sdk().SendActivityNotificationPostRequestBody(
            topic=sdk().TeamworkActivityTopic(
                source=sdk().TeamworkActivityTopicSource.Text, value=topic, web_url=web_url
            ),
            activity_type="systemDefault",
            preview_text=sdk().ItemBody(content=text),
            template_parameters=[sdk().KeyValuePair(name="systemDefaultText", value=text)],
        )
        await _call(
            "activity notification",
            self.client.users.by_user_id(user_id).teamwork.send_activity_notification.post(body),
        )
