"""Settings from the environment. Every one is documented in README.md."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot.fiks.config import FiksSettings
from store.crypto import Keyring

SAMPLE_ORG = Path(__file__).with_name("sample_org.yml")
DEFAULT_DB = "sqlite:///meldefra.db"


class MissingDatabase(Exception):
    """A command that only reads was pointed at a SQLite file that does not exist."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DB
    org_path: Path | None = None  # None: ./org.yml if present, else the bundled sample
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    teams_client_id: str | None = None
    teams_client_secret: str | None = None
    teams_tenant_id: str | None = None
    graph_url: str = "https://graph.microsoft.com/v1.0"
    # National clouds: where the bot's tokens come from and where Teams' signing keys are.
    login_authority: str = "https://login.microsoftonline.com"
    bot_openid_metadata: str = "https://login.botframework.com/v1/.well-known/openidconfiguration"
    teams_app_catalog_id: str | None = None  # the app's id in the org catalog (installs)
    teams_bot_domain: str | None = None  # where /api/messages is served (the manifest's domain)
    teams_privacy_url: str | None = None  # the app's privacy statement (default: on the domain)
    teams_terms_url: str | None = None  # its terms of use (default: on the domain)
    teams_allow_unauthenticated: bool = False  # tests and the Agents Playground only
    graph_cache_seconds: float = 3600.0
    host: str = "127.0.0.1"  # where `serve` listens: this machine only, unless told otherwise
    log_level: str = "INFO"
    log_format: str = "text"  # text | json (one JSON object a line)
    encryption_key: str | None = None  # Fernet keys, comma-separated, newest first
    fiks: FiksSettings | None = None  # the sakarkiv through Fiks IO; None: not journalført
    extra: dict[str, str] = field(default_factory=dict)
    # False for the CLI's reading commands: a missing SQLite file is an error (MissingDatabase)
    # rather than a new empty database that would only say "no such case" or show zeros.
    create_database: bool = True

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)

        def get(name: str) -> str | None:
            value = e.get(name, "").strip()
            return value or None

        org = get("MELDEFRA_ORG")
        # MELDEFRA_HOME: the folder that holds meldefra.db (and org.yml), so a command finds
        # the same database from any folder; without it, the current folder.
        home = get("MELDEFRA_HOME")
        home_path = Path(home).expanduser() if home else None
        default_db = f"sqlite:///{home_path / 'meldefra.db'}" if home_path else DEFAULT_DB
        if org is None and home_path is not None and (home_path / "org.yml").exists():
            org = str(home_path / "org.yml")
        return cls(
            database_url=get("DATABASE_URL") or default_db,
            org_path=Path(org) if org else None,
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_api_url=get("SLACK_API_URL") or "https://slack.com/api/",
            teams_client_id=get("CLIENT_ID"),
            teams_client_secret=get("CLIENT_SECRET"),
            teams_tenant_id=get("TENANT_ID"),
            graph_url=get("GRAPH_URL") or "https://graph.microsoft.com/v1.0",
            login_authority=get("LOGIN_AUTHORITY") or "https://login.microsoftonline.com",
            bot_openid_metadata=get("BOT_OPENID_METADATA")
            or "https://login.botframework.com/v1/.well-known/openidconfiguration",
            teams_app_catalog_id=get("TEAMS_APP_CATALOG_ID"),
            teams_bot_domain=get("TEAMS_BOT_DOMAIN"),
            teams_allow_unauthenticated=(
                (get("DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS") or "").lower()
                in ("1", "true", "yes")
            ),
            graph_cache_seconds=float(get("GRAPH_CACHE_SECONDS") or 3600),
            host=get("MELDEFRA_HOST") or "127.0.0.1",
            log_level=(get("MELDEFRA_LOG_LEVEL") or "INFO").upper(),
            log_format=(get("MELDEFRA_LOG_FORMAT") or "text").lower(),
            encryption_key=get("MELDEFRA_ENCRYPTION_KEY"),
            teams_privacy_url=get("TEAMS_PRIVACY_URL"),
            teams_terms_url=get("TEAMS_TERMS_URL"),
            fiks=FiksSettings.from_env(e),
        )

    def keyring(self) -> Keyring | None:
        """The keys that seal free text at rest, or None (texts stored as plaintext)."""
        return Keyring.parse(self.encryption_key) if self.encryption_key else None

    def resolved_org_path(self) -> tuple[Path, bool]:
        """The org file to load, and whether it is the bundled sample."""
        if self.org_path is not None:
            return self.org_path, False
        local = Path("org.yml")
        if local.exists():
            return local, False
        return SAMPLE_ORG, True

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_client_id)
