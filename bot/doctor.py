"""`meldefra doctor`: check a deployment end to end, one line per part.

The org file, the database and its schema revision, the encryption key (and that every sealed
text opens with it), the Slack token (auth.test; its scopes against manifest.yml), the Slack
app token, the Teams app's sign-in at Entra ID and its Graph permissions. Each line says what
is wrong and how to fix it, in the org's operator language (bokmål by default). Talks to the
platforms with the standard library only, so it runs where the Teams extra is not installed.
"""

from __future__ import annotations

import base64
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from bot.config import Settings
from bot.findings import BAD, OK, SKIP, Finding
from handlers.counts import org_counts
from handlers.i18n import t
from handlers.ops import Database, Schema
from handlers.org import OrgError, load_org

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"
AUTHORITY_URL = "https://login.microsoftonline.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
# The application permissions README's Teams section asks the operator to grant.
GRAPH_ROLES = (
    "User.Read.All",
    "GroupMember.Read.All",
    "TeamsAppInstallation.ReadWriteSelfForUser.All",
    "TeamsActivity.Send",
)
TIMEOUT = 10.0

def run(settings: Settings, org_path: Path, lang: str | None = None) -> tuple[list[str], bool]:
    """Every check's line, and whether all passed."""
    findings, org_lang = check_org(org_path)
    findings += [_plaintext(f, _plaintext_chosen(org_path)) for f in check_database(settings)]
    findings += check_slack(settings)
    findings += check_teams(settings)
    findings += check_chat(settings)
    from bot.fiks.doctor import check_fiks  # Fiks IO's libraries only when asked

    findings += check_fiks(settings)
    lang = lang or org_lang
    bad = sum(f.status == BAD for f in findings)
    lines = [f.line(lang) for f in findings]
    lines.append(t(lang, "doctor.some_bad", count=bad) if bad else t(lang, "doctor.all_ok"))
    return lines, bad == 0


# --- org and database ------------------------------------------------------------------------


def _plaintext_chosen(path: Path) -> bool:
    try:
        return load_org(path).plaintext_chosen
    except OrgError:
        return False


def _plaintext(finding: Finding, chosen: bool) -> Finding:
    """Free text stored unencrypted is a problem, unless `policy.plaintext_ok` says the
    operator chose it (special-category data about children sits in that database)."""
    if finding.detail != "doctor.key.none" or chosen:
        return finding
    return replace(finding, status=BAD, fix="doctor.key.none_fix")


def check_org(path: Path) -> tuple[list[Finding], str]:
    what = "doctor.what.org"
    try:
        org = load_org(path)
    except OrgError as exc:
        line, problem = exc.problems[0]
        args = {"path": path, "count": len(exc.problems), "line": line, "problem": problem}
        return [Finding(what, BAD, "doctor.org.bad", args, "doctor.org.fix")], exc.lang
    args = {"path": path, "counts": org_counts(org.operator_language, org)}
    return [Finding(what, OK, "doctor.org.ok", args)], org.operator_language


def check_database(settings: Settings) -> list[Finding]:
    from bot import bootstrap
    from handlers import ops

    url = _safe_url(settings.database_url)
    try:
        sqlite_file = _sqlite_file(settings.database_url)
    except Exception as exc:  # noqa: BLE001 - a malformed URL: say so, never a traceback
        args = {"url": url, "error": _first_line(exc)}
        return [
            Finding("doctor.what.database", BAD, "doctor.db.bad", args, "doctor.db.fix"),
            check_key(settings, None),
        ]
    if sqlite_file is not None and not sqlite_file.exists():  # connecting would create it
        return [
            Finding(
                "doctor.what.database", BAD, "doctor.db.no_file", {"path": sqlite_file},
                "doctor.schema.upgrade",
            ),
            check_key(settings, None),
        ]  # fmt: skip
    try:
        database = bootstrap.open_database(settings, keyring=False)
        ops.ping(database)
    except Exception as exc:  # any driver error: the operator needs its words
        error = _safe_error(_first_line(exc), settings.database_url)
        return [
            Finding(
                "doctor.what.database", BAD, "doctor.db.bad", {"url": url, "error": error},
                "doctor.db.fix",
            ),
            check_key(settings, None),
        ]  # fmt: skip
    findings = [Finding("doctor.what.database", OK, "doctor.db.ok", {"url": url})]
    try:
        findings.append(_check_schema(ops.schema(database)))
        findings.append(check_key(settings, database if findings[-1].status == OK else None))
    finally:
        database.close()
    return findings


def _check_schema(schema: Schema) -> Finding:
    what = "doctor.what.schema"
    if schema.revision is None:
        return Finding(what, BAD, "doctor.schema.empty", {}, "doctor.schema.upgrade")
    args = {"revision": schema.revision, "head": schema.head}
    if schema.current:
        return Finding(what, OK, "doctor.schema.ok", args)
    if schema.ahead:
        return Finding(what, BAD, "doctor.schema.newer", args, "doctor.schema.newer_fix")
    return Finding(what, BAD, "doctor.schema.old", args, "doctor.schema.upgrade")


def check_key(settings: Settings, database: Database | None) -> Finding:
    """The key is valid, and every sealed text opens with it (`database` None: it cannot be
    read, so only the key itself is checked)."""
    from handlers import ops
    from store.crypto import BadKey

    what = "doctor.what.key"
    sealed, plain = ops.text_counts(database) if database is not None else (0, 0)
    if not settings.encryption_key:
        if sealed:
            args = {"count": sealed}
            return Finding(what, BAD, "doctor.key.none_sealed", args, "doctor.key.none_sealed_fix")
        return Finding(what, SKIP, "doctor.key.none", {})
    try:
        keyring = settings.keyring()
    except BadKey:
        return Finding(what, BAD, "doctor.key.bad", {}, "doctor.key.bad_fix")
    assert keyring is not None
    if database is None:
        return Finding(what, OK, "doctor.key.valid", {})
    bad = ops.unopenable_texts(database, keyring) if sealed else 0
    if bad:
        args = {"bad": bad, "count": sealed}
        return Finding(what, BAD, "doctor.key.mismatch", args, "doctor.key.mismatch_fix")
    if plain:
        return Finding(what, OK, "doctor.key.plain", {"count": sealed, "plain": plain})
    return Finding(what, OK, "doctor.key.ok", {"count": sealed})


# --- Slack ------------------------------------------------------------------------------------


def check_chat(settings: Settings) -> list[Finding]:
    """Neither Slack nor Teams: the bot would only run the local console, which is no
    deployment — nobody at the school could melde fra."""
    if settings.slack_enabled or settings.teams_enabled:
        return []
    return [Finding("doctor.what.chat", BAD, "doctor.chat.none", {}, "doctor.chat.fix")]


def check_slack(settings: Settings) -> list[Finding]:
    what = "doctor.what.slack"
    if not settings.slack_bot_token:
        return [Finding(what, SKIP, "doctor.none", {"name": "SLACK_BOT_TOKEN"})]
    base = settings.slack_api_url.rstrip("/") + "/"
    reply = _slack_call(base + "auth.test", settings.slack_bot_token)
    if isinstance(reply, Finding):
        return [reply._about(what)]
    status, headers, body = reply
    if not body.get("ok"):
        error = str(body.get("error") or status)
        return [Finding(what, BAD, "doctor.slack.bad", {"error": error}, "doctor.slack.fix")]
    args = {"team": body.get("team", "?"), "user": body.get("user", "?")}
    findings = [Finding(what, OK, "doctor.slack.ok", args), _check_scopes(headers)]
    if settings.slack_app_token:
        findings.append(_check_app_token(base, settings.slack_app_token))
    return findings


def _check_scopes(headers: dict[str, str]) -> Finding:
    what = "doctor.what.slack_scopes"
    granted_header = headers.get("x-oauth-scopes")
    if granted_header is None:
        return Finding(what, SKIP, "doctor.scopes.unknown", {})
    granted = {s.strip() for s in granted_header.split(",") if s.strip()}
    wanted = manifest_scopes()
    missing = [s for s in wanted if s not in granted]
    if missing:
        args = {"scopes": ", ".join(missing)}
        return Finding(what, BAD, "doctor.scopes.missing", args, "doctor.scopes.fix")
    return Finding(what, OK, "doctor.scopes.ok", {"scopes": ", ".join(wanted)})


def _check_app_token(base: str, token: str) -> Finding:
    what = "doctor.what.slack_app"
    # apps.connections.open only hands out a Socket Mode URL; nothing connects to it.
    reply = _slack_call(base + "apps.connections.open", token)
    if isinstance(reply, Finding):
        return reply._about(what)
    _, _, body = reply
    if not body.get("ok"):
        error = str(body.get("error"))
        return Finding(what, BAD, "doctor.slack_app.bad", {"error": error}, "doctor.slack_app.fix")
    return Finding(what, OK, "doctor.slack_app.ok", {})


def manifest_scopes() -> list[str]:
    """The bot scopes manifest.yml declares: what the installed token must have."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return list(manifest["oauth_config"]["scopes"]["bot"])


def _slack_call(url: str, token: str) -> tuple[int, dict[str, str], dict[str, Any]] | Finding:
    request = urllib.request.Request(
        url, data=b"", method="POST", headers={"Authorization": f"Bearer {token}"}
    )
    return _http(request, url, "SLACK_API_URL")


# --- Teams and Graph --------------------------------------------------------------------------


def check_teams(settings: Settings) -> list[Finding]:
    what = "doctor.what.teams"
    if not settings.teams_client_id:
        return [Finding(what, SKIP, "doctor.none", {"name": "CLIENT_ID"})]
    missing = [
        name
        for name, value in (
            ("CLIENT_SECRET", settings.teams_client_secret),
            ("TENANT_ID", settings.teams_tenant_id),
        )
        if not value
    ]
    if missing:
        args = {"names": ", ".join(missing)}
        return [Finding(what, BAD, "doctor.teams.missing", args, "doctor.teams.missing_fix")]
    authority = os.environ.get("ENTRA_AUTHORITY_URL", "").strip() or AUTHORITY_URL
    token_url = f"{authority.rstrip('/')}/{settings.teams_tenant_id}/oauth2/v2.0/token"

    def token_for(scope: str) -> tuple[int, dict[str, str], dict[str, Any]] | Finding:
        form = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": settings.teams_client_id,
                "client_secret": settings.teams_client_secret,
                "scope": scope,
            }
        ).encode()
        request = urllib.request.Request(token_url, data=form, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        return _http(request, token_url, "ENTRA_AUTHORITY_URL")

    bot = token_for(BOT_FRAMEWORK_SCOPE)
    if isinstance(bot, Finding):
        return [bot._about(what)]
    if "access_token" not in bot[2]:
        return [_sign_in_refused(bot[2])]
    args = {"client_id": settings.teams_client_id}
    findings = [Finding(what, OK, "doctor.teams.ok", args)]
    graph_root = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(settings.graph_url))
    graph = token_for(f"{graph_root}/.default")
    graph_what = "doctor.what.graph"
    if isinstance(graph, Finding):
        findings.append(graph._about(graph_what))
    elif "access_token" not in graph[2]:
        findings.append(_sign_in_refused(graph[2])._about(graph_what))
    else:
        roles = set(_jwt_claims(graph[2]["access_token"]).get("roles") or [])
        lacking = [role for role in GRAPH_ROLES if role not in roles]
        if lacking:
            args = {"roles": ", ".join(lacking)}
            findings.append(
                Finding(graph_what, BAD, "doctor.graph.missing", args, "doctor.graph.fix")
            )
        else:
            findings.append(
                Finding(graph_what, OK, "doctor.graph.ok", {"roles": ", ".join(GRAPH_ROLES)})
            )
    return findings


def _sign_in_refused(body: dict[str, Any]) -> Finding:
    """Entra ID's error (AADSTS code) as the setting to fix."""
    error = str(body.get("error") or "?")
    description = str(body.get("error_description") or "")
    code = description.split(":", 1)[0] if description.startswith("AADSTS") else ""
    if code in ("AADSTS90002", "AADSTS900023") or "tenant" in description.lower():
        fix = "doctor.teams.fix.tenant"
    elif code == "AADSTS700016" or error == "unauthorized_client":
        fix = "doctor.teams.fix.app"
    else:  # invalid_client: AADSTS7000215 wrong secret, AADSTS7000222 expired
        fix = "doctor.teams.fix.secret"
    shown = f"{error}, {code}" if code else error
    return Finding("doctor.what.teams", BAD, "doctor.teams.bad", {"error": shown}, fix)


def _jwt_claims(token: str) -> dict[str, Any]:
    """A JWT's payload, unverified: only to read which roles Entra ID put in it."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


# --- plumbing ---------------------------------------------------------------------------------


def _http(
    request: urllib.request.Request, url: str, setting: str
) -> tuple[int, dict[str, str], dict[str, Any]] | Finding:
    """Status, lower-cased headers and JSON body; a Finding when the host cannot be reached."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return _decoded(response.status, response.headers, response.read())
    except urllib.error.HTTPError as exc:  # 4xx/5xx still carry the JSON error
        return _decoded(exc.code, exc.headers, exc.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        args = {"url": url, "error": reason, "name": setting}
        return Finding("", BAD, "doctor.unreachable", args, "doctor.unreachable_fix")


def _decoded(status: int, headers: Any, raw: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = {}
    lowered = {k.lower(): v for k, v in headers.items()}
    return status, lowered, body if isinstance(body, dict) else {}


# Query parameters that carry a secret (libpq's and the drivers' names).
SECRET_PARAMS = re.compile(r"(\b(?:password|passwd|pwd|sslpassword|secret)=)([^&#\s]*)", re.I)
HIDDEN = "***"


def _secrets(url: str) -> list[str]:
    """The passwords written in a database URL (user:pass@ and ?password=), read by hand so
    that a malformed URL cannot make this fail."""
    found = [m.group(2) for m in SECRET_PARAMS.finditer(url)]
    _, sep, rest = url.partition("://")
    if sep:
        netloc = re.split(r"[/?#]", rest, maxsplit=1)[0]
        userinfo = netloc.rpartition("@")[0]
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
    found += [urllib.parse.unquote(secret) for secret in found]
    return sorted({secret for secret in found if secret}, key=len, reverse=True)


def _safe_error(message: str, url: str) -> str:
    """A driver's message with every password of the URL replaced."""
    for secret in _secrets(url):
        message = message.replace(secret, HIDDEN)
    return message


def _safe_url(url: str) -> str:
    """The database URL without its passwords, whatever shape it has."""
    url = SECRET_PARAMS.sub(rf"\g<1>{HIDDEN}", url)
    scheme, sep, rest = url.partition("://")
    if not sep:
        return _safe_error(url, url)
    netloc, tail = (re.split(r"(?=[/?#])", rest, maxsplit=1) + [""])[:2]
    userinfo, at, host = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:{HIDDEN}@{host}"
    return f"{scheme}://{netloc}{tail}"


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _first_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__
