"""The fakes behave like Slack towards the real slack_sdk and slack_bolt clients."""

import asyncio
import json
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import Ack, App, BoltRequest, BoltResponse, Respond
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import ConnectionErrorRetryHandler, FixedValueRetryIntervalCalculator
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.fakes.signing import (
    app_home_opened,
    block_actions,
    button,
    checkboxes,
    datepicker,
    event_body,
    event_payload,
    interactive_body,
    multi_static_select,
    plain_text_input,
    radio_buttons,
    signed_headers,
    slash_command_body,
    slash_command_payload,
    static_select,
    users_select,
    view_submission,
)
from tests.fakes.slack_api import APP_ID, BOT_USER_ID, FakeSlack
from tests.fakes.socket_mode import FakeSocketModeServer

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-1-A0MELDEFRA-1-test"
SECRET = "test-signing-secret"
MODAL = {
    "type": "modal",
    "callback_id": "report",
    "title": {"type": "plain_text", "text": "Meld fra"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [],
}
HOME = {"type": "home", "blocks": []}

JsonDict = dict[str, Any]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # slack_sdk and urllib honour proxy variables; these tests must stay on loopback.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=BOT_TOKEN, app_token=APP_TOKEN) as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=slack.url)


@pytest.fixture
def sockets() -> Iterator[tuple[FakeSlack, FakeSocketModeServer]]:
    with (
        FakeSocketModeServer() as server,
        FakeSlack(token=BOT_TOKEN, app_token=APP_TOKEN, socket_mode=server) as fake,
    ):
        yield fake, server


# ---- slack_sdk WebClient against FakeSlack


def test_post_message_is_recorded_with_json_body_and_bearer_token(
    slack: FakeSlack, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Ny melding*"}}]
    resp = client.chat_postMessage(channel="C0ALERTS", text="Ny melding", blocks=blocks)

    assert resp["ok"] and resp["channel"] == "C0ALERTS"
    assert resp["message"]["bot_id"] and resp["message"]["ts"] == resp["ts"]
    [call] = slack.calls("chat.postMessage")
    assert call.params["blocks"] == blocks  # a JSON body keeps its structure
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    assert call.headers["content-type"].startswith("application/json")
    assert call.at <= time.monotonic()


def test_dm_by_user_id_lands_in_the_stable_dm_channel(slack: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U0ALICE", text="Hei")
    opened = client.conversations_open(users="U0ALICE")

    assert posted["channel"] == opened["channel"]["id"] == slack.dm_channel("U0ALICE")
    assert posted["channel"].startswith("D")
    assert opened["already_open"] is True
    assert client.conversations_open(users="U0BOB")["channel"]["id"] != posted["channel"]


def test_users_directory(slack: FakeSlack, client: WebClient) -> None:
    slack.add_user("U0ALICE", "alice@skole.no", "alice")
    slack.add_user("U0GONE", "gone@skole.no", deleted=True)

    found = client.users_lookupByEmail(email="Alice@Skole.no")
    assert found["user"]["id"] == "U0ALICE"
    assert found["user"]["profile"]["email"] == "alice@skole.no"
    assert found["user"]["tz"] == "Europe/Oslo" and found["user"]["is_bot"] is False
    [call] = slack.calls("users.lookupByEmail")
    assert call.params == {"email": "Alice@Skole.no"}  # form-encoded
    assert client.users_info(user="U0GONE")["user"]["deleted"] is True

    with pytest.raises(SlackApiError) as not_found:
        client.users_lookupByEmail(email="nobody@skole.no")
    assert not_found.value.response["error"] == "users_not_found"
    with pytest.raises(SlackApiError) as deactivated:
        client.users_lookupByEmail(email="gone@skole.no")
    assert deactivated.value.response["error"] == "users_not_found"
    with pytest.raises(SlackApiError) as unknown:
        client.users_info(user="U0NOBODY")
    assert unknown.value.response["error"] == "user_not_found"


def test_async_web_client_get_requests(slack: FakeSlack) -> None:
    slack.add_user("U0ALICE", "alice@skole.no")
    async_client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.url)

    found = asyncio.run(async_client.users_lookupByEmail(email="alice@skole.no"))

    assert found["user"]["id"] == "U0ALICE"
    [call] = slack.calls("users.lookupByEmail")
    assert call.params == {"email": "alice@skole.no"}  # from the query string of a GET


def test_rate_limit_is_seen_as_429_with_retry_after(slack: FakeSlack, client: WebClient) -> None:
    slack.fail("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C0ALERTS", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "7"
    assert limited.value.response["error"] == "ratelimited"
    assert client.chat_postMessage(channel="C0ALERTS", text="x")["ok"]  # used up


def test_server_error_and_ok_false(slack: FakeSlack, client: WebClient) -> None:
    slack.fail("views.publish", status=500)
    slack.fail("views.publish", error="account_inactive", times=2)

    with pytest.raises(SlackApiError) as server_error:
        client.views_publish(user_id="U0ALICE", view=HOME)
    assert server_error.value.response.status_code == 500
    for _ in range(2):
        with pytest.raises(SlackApiError) as inactive:
            client.views_publish(user_id="U0ALICE", view=HOME)
        assert inactive.value.response.status_code == 200
        assert inactive.value.response["error"] == "account_inactive"
    assert client.views_publish(user_id="U0ALICE", view=HOME)["ok"]


def test_dropped_connection_is_a_connection_error(slack: FakeSlack) -> None:
    slack.fail("chat.postMessage", drop=True)
    without_retries = WebClient(token=BOT_TOKEN, base_url=slack.url, retry_handlers=[])
    with pytest.raises(ConnectionError):
        without_retries.chat_postMessage(channel="C0ALERTS", text="x")

    # slack_sdk's own retry handler classifies it as a connection error and retries.
    slack.fail("chat.postMessage", drop=True)
    retrying = WebClient(
        token=BOT_TOKEN,
        base_url=slack.url,
        retry_handlers=[
            ConnectionErrorRetryHandler(interval_calculator=FixedValueRetryIntervalCalculator(0))
        ],
    )
    assert retrying.chat_postMessage(channel="C0ALERTS", text="x")["ok"]
    assert len(slack.calls("chat.postMessage")) == 3


def test_failures_for_one_channel_or_user_only(slack: FakeSlack, client: WebClient) -> None:
    slack.fail("chat.postMessage", error="channel_not_found", channel="C0GONE", times=None)
    slack.fail("chat.postMessage", error="user_not_found", user="U0GONE", times=None)

    for channel, error in [("C0GONE", "channel_not_found"), ("U0GONE", "user_not_found")] * 2:
        with pytest.raises(SlackApiError) as failed:
            client.chat_postMessage(channel=channel, text="x")
        assert failed.value.response["error"] == error
    assert client.chat_postMessage(channel="C0ALERTS", text="x")["ok"]
    assert client.chat_postMessage(channel="U0ALICE", text="x")["ok"]


def test_token_checks_and_unknown_methods(slack: FakeSlack, client: WebClient) -> None:
    def error_of(web: WebClient, method: str) -> str:
        with pytest.raises(SlackApiError) as failed:
            web.api_call(method)
        return str(failed.value.response["error"])

    assert error_of(WebClient(token="xoxb-other", base_url=slack.url), "auth.test") == (
        "invalid_auth"
    )
    assert error_of(WebClient(base_url=slack.url), "auth.test") == "not_authed"
    assert error_of(client, "apps.connections.open") == "not_allowed_token_type"
    assert error_of(client, "chat.scheduleMessage") == "unknown_method"
    assert client.auth_test()["user_id"] == BOT_USER_ID


def test_files_upload_v2_end_to_end(slack: FakeSlack, client: WebClient) -> None:
    data = b"%PDF-1.7 rapport"
    resp = client.files_upload_v2(
        channel="C0ALERTS", content=data, filename="rapport.pdf", title="Rapport"
    )

    [upload] = slack.uploads.values()
    assert upload.data == data and upload.filename == "rapport.pdf"
    assert upload.title == "Rapport" and upload.channel_id == "C0ALERTS"
    assert resp["file"]["id"] == upload.id and resp["file"]["size"] == len(data)
    assert resp["file"]["mimetype"] == "application/pdf"
    assert [c.method for c in slack.calls()] == [
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]


def test_views_lifecycle(slack: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id="1.2.abc", view=MODAL)["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "report"
    assert opened["root_view_id"] == opened["id"] and opened["app_id"] == APP_ID

    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    with pytest.raises(SlackApiError) as stale:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)
    assert stale.value.response["error"] == "hash_conflict"
    with pytest.raises(SlackApiError) as no_trigger:
        client.views_open(trigger_id="", view=MODAL)
    assert no_trigger.value.response["error"] == "invalid_arguments"

    assert client.views_push(trigger_id="1.2.def", view=MODAL)["view"]["id"] != opened["id"]
    home = client.views_publish(user_id="U0ALICE", view=HOME)["view"]
    assert home["type"] == "home"
    # A form-encoded call carries the view as a JSON string; the fake accepts both.
    form = client.api_call(
        "views.open", params={"trigger_id": "1.2.ghi", "view": json.dumps(MODAL)}
    )
    assert form["view"]["callback_id"] == "report"


def test_chat_update_delete_and_ephemeral(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0ALERTS", text="før")
    updated = client.chat_update(channel=posted["channel"], ts=posted["ts"], text="etter")
    assert updated["message"]["text"] == "etter" and updated["ts"] == posted["ts"]
    assert client.chat_delete(channel=posted["channel"], ts=posted["ts"])["ok"]
    with pytest.raises(SlackApiError) as gone:
        client.chat_update(channel=posted["channel"], ts=posted["ts"], text="igjen")
    assert gone.value.response["error"] == "message_not_found"
    assert client.chat_postEphemeral(channel="C0ALERTS", user="U0ALICE", text="psst")["message_ts"]


def test_response_url_is_served_and_recorded(slack: FakeSlack) -> None:
    resp = WebhookClient(slack.response_url()).send(text="Takk!", response_type="ephemeral")
    assert (resp.status_code, resp.body) == (200, "ok")
    assert slack.wait_for("response_url")[0].params["text"] == "Takk!"


def test_wait_for_times_out_with_what_arrived(slack: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(TimeoutError, match="auth.test"):
        slack.wait_for("views.open", timeout=0.1)
    slack.clear()
    assert slack.calls() == []


# ---- signing and payload builders


def test_signed_headers_match_slack_sdk_verifier() -> None:
    body = slash_command_body(text="hjelp")
    headers = signed_headers(body, SECRET)
    verifier = SignatureVerifier(SECRET)
    ts = headers["X-Slack-Request-Timestamp"]

    assert headers["X-Slack-Signature"] == verifier.generate_signature(timestamp=ts, body=body)
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + b"x", headers)
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)
    stale = signed_headers(body, SECRET, timestamp=int(time.time()) - 600)
    assert not verifier.is_valid_request(body, stale)  # Slack's 5-minute replay window
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert signed_headers(b'{"type": "event_callback"}', SECRET)["Content-Type"] == (
        "application/json"
    )


# ---- a real Bolt App against the fakes


def build_app(slack: FakeSlack, results: queue.Queue[Any] | None = None) -> App:
    # Bolt takes the token from the client when both are given, so pass it there.
    app = App(signing_secret=SECRET, client=WebClient(token=BOT_TOKEN, base_url=slack.url))
    results = results if results is not None else queue.Queue()

    @app.command("/meldefra")
    def meldefra(ack: Ack, body: JsonDict, client: WebClient, respond: Respond) -> None:
        ack()
        if body["text"] == "hjelp":
            respond("Bruk /meldefra for å melde fra.")
        else:
            client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.view("report")
    def report(ack: Ack, view: JsonDict, body: JsonDict, client: WebClient) -> None:
        values = view["state"]["values"]
        if values["when"]["date"]["selected_date"] is None:
            ack(response_action="errors", errors={"when": "Velg en dato"})
            return
        ack()
        results.put(values)
        client.chat_postMessage(channel=body["user"]["id"], text="Takk for meldingen")

    @app.action("approve")
    def approve(ack: Ack, body: JsonDict, client: WebClient) -> None:
        ack()
        done = client.chat_update(
            channel=body["channel"]["id"], ts=body["message"]["ts"], text="Godkjent"
        )
        results.put((body["actions"][0]["value"], done["ok"]))

    @app.event("app_home_opened")
    def home(event: JsonDict, client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view=HOME)

    return app


def dispatch(app: App, body: bytes, headers: dict[str, str] | None = None) -> BoltResponse:
    """What an HTTP adapter does: hand Bolt the raw body and headers (signed by default)."""
    bolt_headers: dict[str, str | Sequence[str]] = {**(headers or signed_headers(body, SECRET))}
    return app.dispatch(BoltRequest(body=body.decode(), headers=bolt_headers))


def test_bolt_app_verifies_its_token_against_the_fake(slack: FakeSlack) -> None:
    build_app(slack)
    [call] = slack.calls("auth.test")
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"


def test_bolt_dispatch_slash_command_opens_modal(slack: FakeSlack) -> None:
    app = build_app(slack)
    body = slash_command_body(trigger_id="111.222.abc")

    response = dispatch(app, body)

    assert response.status == 200
    [call] = slack.wait_for("views.open")
    assert call.params["trigger_id"] == "111.222.abc"
    assert call.params["view"]["callback_id"] == "report"


def test_bolt_rejects_a_bad_signature(slack: FakeSlack) -> None:
    app = build_app(slack)
    body = slash_command_body()
    forged = signed_headers(body, "not-the-secret")

    assert dispatch(app, body, forged).status == 401
    stale = signed_headers(body, SECRET, timestamp=int(time.time()) - 600)
    assert dispatch(app, body, stale).status == 401
    assert slack.calls("views.open") == []


def test_bolt_respond_posts_to_the_fake_response_url(slack: FakeSlack) -> None:
    app = build_app(slack)
    body = slash_command_body(text="hjelp", response_url=slack.response_url())

    assert dispatch(app, body).status == 200
    [call] = slack.wait_for("response_url")
    assert call.params["text"].startswith("Bruk /meldefra")


def test_bolt_reads_view_submission_state_values(slack: FakeSlack) -> None:
    results: queue.Queue[Any] = queue.Queue()
    app = build_app(slack, results)
    values = {
        "what": {"text": plain_text_input("Noen ble plaget i friminuttet")},
        "when": {"date": datepicker("2026-11-25")},
        "where": {"place": static_select("schoolyard", "Skolegården")},
        "who": {"pupil": users_select("U0PUPIL")},
        "kinds": {"kind": multi_static_select(["verbal", "physical"])},
        "urgent": {"flag": radio_buttons("yes")},
        "consent": {"ok": checkboxes(["informed"])},
    }

    payload = view_submission("report", values)
    assert dispatch(app, interactive_body(payload)).status == 200

    received = results.get(timeout=5)
    assert received["where"]["place"]["selected_option"]["value"] == "schoolyard"
    assert received["who"]["pupil"]["selected_user"] == "U0PUPIL"
    assert [o["value"] for o in received["kinds"]["kind"]["selected_options"]] == [
        "verbal",
        "physical",
    ]
    [call] = slack.wait_for("chat.postMessage")
    assert call.params["channel"] == payload["user"]["id"]

    missing_date = view_submission("report", {**values, "when": {"date": datepicker(None)}})
    response = dispatch(app, interactive_body(missing_date))
    assert json.loads(response.body) == {
        "response_action": "errors",
        "errors": {"when": "Velg en dato"},
    }


def test_bolt_block_action_updates_the_message(slack: FakeSlack, client: WebClient) -> None:
    results: queue.Queue[Any] = queue.Queue()
    app = build_app(slack, results)
    posted = client.chat_postMessage(channel="C0ALERTS", text="Ny melding")
    payload = block_actions(
        button("approve", "case-42"), channel_id=posted["channel"], message_ts=posted["ts"]
    )

    assert dispatch(app, interactive_body(payload)).status == 200
    assert results.get(timeout=5) == ("case-42", True)


def test_block_actions_from_a_view(client: WebClient) -> None:
    modal = client.views_open(trigger_id="1.2.abc", view=MODAL)["view"]
    payload = block_actions(button("approve", "case-42", block_id="decision"), view=modal)

    assert payload["container"] == {"type": "view", "view_id": modal["id"]}
    assert payload["view"]["callback_id"] == "report"
    assert payload["actions"][0]["block_id"] == "decision"
    assert "response_url" not in payload and "message" not in payload


def test_bolt_app_home_opened_publishes_home(slack: FakeSlack) -> None:
    app = build_app(slack)
    assert dispatch(app, event_body(app_home_opened("U0ALICE"))).status == 200
    [call] = slack.wait_for("views.publish")
    assert call.params["user_id"] == "U0ALICE"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextmanager
def serve_over_http(app: App) -> Iterator[str]:
    """Serve `app` through Bolt's WSGI adapter on loopback; yields the events URL."""
    server = make_server(
        "127.0.0.1",
        0,
        SlackRequestHandler(app),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    try:
        with urlopen(Request(url, data=body, headers=headers, method="POST"), timeout=5) as resp:
            return int(resp.status)
    except HTTPError as e:
        return e.code


def test_bolt_over_real_http(slack: FakeSlack) -> None:
    body = slash_command_body(trigger_id="333.444.def")
    with serve_over_http(build_app(slack)) as url:
        assert post(url, body, signed_headers(body, SECRET)) == 200
        [call] = slack.wait_for("views.open")
        assert call.params["trigger_id"] == "333.444.def"

        assert post(url, body, signed_headers(body, "not-the-secret")) == 401
    assert len(slack.calls("views.open")) == 1


# ---- Socket Mode


@contextmanager
def connected(app: App) -> Iterator[SocketModeHandler]:
    handler = SocketModeHandler(app, app_token=APP_TOKEN)
    handler.connect()
    try:
        yield handler
    finally:
        handler.close()  # before the fakes stop, or the client tries to reconnect


def test_socket_server_greets_and_collects_acks(
    sockets: tuple[FakeSlack, FakeSocketModeServer],
) -> None:
    slack, server = sockets
    url = WebClient(token=APP_TOKEN, base_url=slack.url).apps_connections_open(app_token=APP_TOKEN)[
        "url"
    ]
    assert url.startswith("ws://127.0.0.1:") and "/link/?ticket=" in url

    with connect(url) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"]["app_id"] == APP_ID
        envelope_id = server.push("events_api", event_payload({"type": "app_mention"}))
        envelope = json.loads(ws.recv(timeout=5))
        assert envelope["envelope_id"] == envelope_id and envelope["type"] == "events_api"
        assert envelope["accepts_response_payload"] is False and envelope["retry_attempt"] == 0
        ws.send(json.dumps({"envelope_id": envelope_id}))
        assert server.wait_ack(envelope_id) == {"envelope_id": envelope_id}

    with pytest.raises(InvalidStatus) as rejected:
        connect(url.replace("ticket=", "ticket=forged"))
    assert rejected.value.response.status_code == 401


def test_socket_mode_handler_acks_and_opens_modal(
    sockets: tuple[FakeSlack, FakeSocketModeServer],
) -> None:
    slack, server = sockets
    with connected(build_app(slack)):
        [opened] = slack.calls("apps.connections.open")
        assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"

        command = server.push("slash_commands", slash_command_payload(trigger_id="555.666.ghi"))
        assert server.wait_ack(command) == {"envelope_id": command}
        [call] = slack.wait_for("views.open")
        assert call.params["trigger_id"] == "555.666.ghi"

        # An ack with a response payload travels back through the envelope.
        submission = view_submission("report", {"when": {"date": datepicker(None)}})
        envelope_id = server.push("interactive", submission)
        assert server.wait_ack(envelope_id)["payload"] == {
            "response_action": "errors",
            "errors": {"when": "Velg en dato"},
        }


def test_socket_mode_handler_reconnects_on_disconnect(
    sockets: tuple[FakeSlack, FakeSocketModeServer],
) -> None:
    slack, server = sockets
    with connected(build_app(slack)):
        server.wait_connections(1)
        server.disconnect()
        server.wait_connections(2)
        assert len(slack.wait_for("apps.connections.open", 2)) == 2

        envelope_id = server.push("events_api", event_payload(app_home_opened("U0ALICE")))
        assert server.wait_ack(envelope_id) == {"envelope_id": envelope_id}
        [call] = slack.wait_for("views.publish")
        assert call.params["user_id"] == "U0ALICE"
