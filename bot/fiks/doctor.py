"""`meldefra doctor` for the sakarkiv: the Maskinporten token, our Fiks IO account, the
archive account's public key, and how many journalposter wait or were refused."""

from __future__ import annotations

from typing import Any

import httpx

from bot.config import Settings
from bot.fiks.client import FiksHttpError
from bot.fiks.maskinporten import TokenError
from bot.findings import BAD, OK, SKIP, Finding

WHAT = "doctor.what.fiks"


def check_fiks(settings: Settings) -> list[Finding]:
    fiks_settings = settings.fiks
    if fiks_settings is None:
        return [Finding(WHAT, SKIP, "doctor.fiks.off", {})]
    from bot.fiks.wiring import connect

    def bad(detail: str, fix: str, **args: Any) -> list[Finding]:
        return [Finding(WHAT, BAD, detail, args, fix)]

    try:
        fiks = connect(fiks_settings)
    except (OSError, ValueError) as exc:
        return bad("doctor.fiks.key_file_bad", "doctor.fiks.key_file_fix", error=type(exc).__name__)
    try:
        fiks.maskinporten.token()
    except TokenError as exc:
        return bad("doctor.fiks.token_bad", "doctor.fiks.token_fix", error=exc.reason or exc.status)
    account = fiks_settings.account
    try:
        about = fiks.client.account(account)
    except (FiksHttpError, httpx.HTTPError) as exc:
        return bad(
            "doctor.fiks.account_bad", "doctor.fiks.account_fix", account=account, error=_why(exc)
        )
    archive = fiks_settings.archive_account
    try:
        cert = fiks.client.public_key(archive)
    except (FiksHttpError, httpx.HTTPError, KeyError, ValueError) as exc:
        return bad(
            "doctor.fiks.archive_bad", "doctor.fiks.archive_fix", account=archive, error=_why(exc)
        )
    pending, failed = _journal_counts(settings)
    args = {
        "account": account,
        "name": about.get("kontoNavn") or about.get("fiksOrgNavn") or "?",
        "until": cert.not_valid_after_utc.date().isoformat(),
        "pending": pending,
        "failed": failed,
    }
    return [Finding(WHAT, OK, "doctor.fiks.ok", args)]


def _why(exc: Exception) -> str:
    if isinstance(exc, FiksHttpError):
        return f"HTTP {exc.status}"
    return type(exc).__name__


def _journal_counts(settings: Settings) -> tuple[int | str, int | str]:
    try:
        from bot import bootstrap
        from handlers.archive import journal

        found = dict(journal.counts(bootstrap.build(settings, migrate=False).services))
    except Exception:  # noqa: BLE001 - the database is the database check's to judge
        return "?", "?"
    return found["pending"], found["failed"]
