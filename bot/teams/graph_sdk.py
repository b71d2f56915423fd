"""The msgraph-sdk, kiota and azure-identity names bot/teams/graph.py uses, in one module that
graph.py imports on the first Graph call: together they take about a third of a second and
15 MB to load, which a Teams bot without Graph credentials never needs."""

# ruff: noqa: F401  (re-exported for graph.py)
from __future__ import annotations

from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphServiceClient
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.key_value_pair import KeyValuePair
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.teamwork_activity_topic import TeamworkActivityTopic
from msgraph.generated.models.teamwork_activity_topic_source import TeamworkActivityTopicSource
from msgraph.generated.models.user import User
from msgraph.generated.models.user_scope_teams_app_installation import (
    UserScopeTeamsAppInstallation,
)
from msgraph.generated.users.item.teamwork.installed_apps.installed_apps_request_builder import (
    InstalledAppsRequestBuilder,
)
from msgraph.generated.users.item.teamwork.send_activity_notification.send_activity_notification_post_request_body import (  # noqa: E501
    SendActivityNotificationPostRequestBody,
)
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.graph_request_adapter import GraphRequestAdapter
