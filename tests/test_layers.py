"""The dependency rules as a test: bot → handlers → store, never back up; the core draws for
every platform and knows none; Slack and Teams never know each other; the lower layers
import no chat platform. Every import counts, also one inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "microsoft_teams", "msgraph", "kiota", "azure")


def _imports(layer: str) -> dict[str, set[str]]:
    """{module: every module it imports} for the .py files under one top-level package."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / layer).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                deps |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
        found[name] = deps
    return found


def _under(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _breaking(modules: dict[str, set[str]], *forbidden: str) -> list[str]:
    return sorted(
        f"{name} imports {dep}"
        for name, deps in modules.items()
        for dep in deps
        if _under(dep, *forbidden)
    )


def test_store_imports_neither_handlers_nor_bot_nor_a_platform() -> None:
    assert _breaking(_imports("store"), "handlers", "bot", *PLATFORM_SDKS) == []


def test_handlers_import_neither_bot_nor_a_platform() -> None:
    assert _breaking(_imports("handlers"), "bot", *PLATFORM_SDKS) == []


def test_the_core_knows_no_platform_and_no_store_model() -> None:
    core = {k: v for k, v in _imports("bot").items() if _under(k, "bot.core")}
    assert core, "bot/core has modules"
    assert _breaking(core, "bot.slack", "bot.teams", "bot.console", "store", *PLATFORM_SDKS) == []


def test_slack_and_teams_never_know_each_other() -> None:
    bot = _imports("bot")
    slack = {k: v for k, v in bot.items() if _under(k, "bot.slack")}
    teams = {k: v for k, v in bot.items() if _under(k, "bot.teams")}
    assert slack and teams
    assert _breaking(slack, "bot.teams", "microsoft_teams", "msgraph") == []
    assert _breaking(teams, "bot.slack", "slack_bolt", "slack_sdk") == []


def test_the_console_is_an_edge_of_its_own() -> None:
    """The console knows neither chat platform, and neither knows the console."""
    bot = _imports("bot")
    console = {k: v for k, v in bot.items() if _under(k, "bot.console")}
    chats = {k: v for k, v in bot.items() if _under(k, "bot.slack", "bot.teams")}
    assert console and chats
    assert _breaking(console, "bot.slack", "bot.teams", *PLATFORM_SDKS) == []
    assert _breaking(chats, "bot.console") == []


def test_only_bootstrap_opens_the_database_and_no_edge_queries_a_model() -> None:
    """The edges (and the CLI, doctor, serve) go through handlers for anything stored;
    `bot.bootstrap` is the one place that makes the engine and its sessions."""
    bot = {k: v for k, v in _imports("bot").items() if k != "bot.bootstrap"}
    opening = ("store.models", "store.db.make_engine", "store.db.session_factory")
    assert _breaking(bot, *opening, "sqlalchemy.orm") == []


def test_the_rule_is_checked_on_what_is_really_imported() -> None:
    """The test would see a violation: bot.slack imports slack_bolt, handlers import store."""
    assert _breaking(_imports("bot"), "slack_bolt")
    assert _breaking(_imports("handlers"), "store")
