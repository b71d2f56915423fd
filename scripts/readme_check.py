"""Run the README's commands on a fresh clone, as a new user would type them.

`.ci/run` calls this after the test suite. It clones the repository (its committed state) into
a temporary folder, runs `bash scripts/serve.sh` there (a fresh install; the console is told
«avslutt»), then every command of the README's ```sh blocks and the complete commands quoted in
its text, from the clone, with `.venv/bin` on PATH as the README says. A command shown with its
output must print that output (dates and times aside). Commands that need an operator's own
secrets (shown with "…") and the test command itself are listed as not run, with why.

Exit 0 when every command ran as the README says; 1 otherwise, naming each failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 900
STAMP = re.compile(r"\d{2}\.\d{2}\.\d{4} \d{2}[.:]\d{2}")
# Complete commands quoted in the README's text (not the reference table's synopses), what each
# must exit with, and what its output must contain. A quoted command missing here fails the
# check, so a new one in the README is either run or named as not runnable.
INLINE: dict[str, tuple[set[int], str]] = {
    "meldefra db upgrade": ({0}, ""),
    "meldefra org check": ({0}, ""),
    "meldefra verify": ({0}, ""),
    "meldefra stats": ({0}, ""),
    "meldefra directory sync": ({0}, "Katalogen er synkronisert"),
    "meldefra doctor": ({1}, "Slack"),  # no chat set up in a fresh clone: a problem, exit 1
    "meldefra keys new": ({0}, ""),
    "meldefra monthly": ({0}, ""),
    "TEAMS_BOT_DOMAIN=meldefra.kommune.no .venv/bin/meldefra teams package": (
        {0},
        "meldefra-teams.zip",
    ),
}
NOT_RUN = {
    "bash scripts/test.sh": "the test command: CI runs it on its own clone before this check",
    "meldefra serve": "run as `bash scripts/serve.sh` above",
    "meldefra teams package": "run with its settings as the README's Teams step gives it",
    "meldefra serve --http": "a server: it runs until stopped",
    "meldefra remind": "sends the morning DMs: covered by tests/test_followup_cli.py",
    "meldefra keys rotate": "needs MELDEFRA_ENCRYPTION_KEY with two keys",
    "meldefra archive MF-0001 --file exports/saksdokumentasjon-MF-0001.pdf": (
        "needs a closed case: tests/test_plan_cli.py exports and archives one this way"
    ),
}
PLACEHOLDER = re.compile(r"…|\bREF\b|<[^>]+>|\[")


@dataclass
class Command:
    line: str
    expected: list[str] = field(default_factory=list)


def blocks(readme: str) -> list[Command]:
    out: list[Command] = []
    for block in re.findall(r"^ *```sh\n(.*?)^ *```", readme, flags=re.S | re.M):
        lines = [ln.strip() for ln in block.splitlines()]
        prompted = any(ln.startswith("$ ") for ln in lines)
        joined: list[str] = []
        for ln in lines:
            if joined and joined[-1].endswith("\\"):
                joined[-1] = joined[-1][:-1].rstrip() + " " + ln
            else:
                joined.append(ln)
        for ln in joined:
            if not ln:
                continue
            if prompted and not ln.startswith("$ "):
                out[-1].expected.append(ln)
                continue
            ln = ln.removeprefix("$ ")
            ln = re.sub(r"\s+#.*$", "", ln)
            out.append(Command(ln))
    return out


def quoted(readme: str) -> list[str]:
    """Complete `meldefra …` commands quoted in the text (synopses with [options] left out)."""
    found = []
    for span in re.findall(r"`([^`\n]*meldefra [^`\n]*)`", readme):
        if span.startswith("/") or PLACEHOLDER.search(span) or "|" in span:
            continue
        found.append(span)
    return sorted(set(found))


def run(
    cmd: str, cwd: Path, env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", cmd],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def main() -> int:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="meldefra-readme-") as tmp:
        clone = Path(tmp) / "meldefra"
        if (ROOT / ".git").exists():
            subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        else:
            shutil.copytree(ROOT, clone, ignore=shutil.ignore_patterns(".venv", "*.db", "exports"))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MELDEFRA_"))}
        for k in ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID", "DATABASE_URL", "VIRTUAL_ENV"):
            env.pop(k, None)
        shell_env = dict(env, PATH=f"{clone / '.venv' / 'bin'}:{env.get('PATH', '')}")

        def check(
            cmd: str,
            codes: set[int],
            want: list[str],
            stdin: str = "",
            cwd: Path = clone,
            extra: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
            done = run(cmd, cwd, dict(shell_env, **(extra or {})), stdin)
            text = done.stdout + done.stderr
            problems = []
            if done.returncode not in codes:
                problems.append(f"exit {done.returncode}, README implies {sorted(codes)}")
            if "Traceback" in text:
                problems.append("a Python traceback")
            for line in want:
                if STAMP.sub("#", line) not in STAMP.sub("#", text):
                    problems.append(f"missing output: {line!r}")
            print(f"{'ok ' if not problems else 'BAD'} {cmd}")
            if problems:
                failures.append(f"{cmd}: {'; '.join(problems)}\n--- output ---\n{text[-2000:]}")
            return done

        for command in blocks(readme):
            cmd = command.line
            if cmd in NOT_RUN:
                print(f"--  {cmd}  (not run: {NOT_RUN[cmd]})")
            elif "…" in cmd:
                print(f"--  {cmd}  (not run: needs the operator's own credentials)")
            elif cmd.startswith("bash scripts/serve.sh"):
                # A fresh install, then the console; the first question is who you are.
                check(cmd, {0}, ["Hvem er du?"], stdin="avslutt\n")
            else:
                check(cmd, {0}, command.expected)
        if not (clone / ".venv" / "bin" / "meldefra").exists():
            failures.append("`bash scripts/serve.sh` did not install .venv/bin/meldefra")
        else:
            for cmd in quoted(readme):
                if cmd in NOT_RUN:
                    print(f"--  {cmd}  (not run: {NOT_RUN[cmd]})")
                elif cmd not in INLINE:
                    failures.append(f"{cmd}: quoted in the README but neither run nor named here")
                else:
                    codes, want = INLINE[cmd]
                    extra = (
                        {"CLIENT_ID": "00000000-0000-4000-8000-000000000001"}
                        if "teams" in cmd
                        else None
                    )
                    check(cmd, codes, [want] if want else [], extra=extra)
            # From another folder: a reading command refuses and makes no database; with
            # MELDEFRA_HOME it finds the project's.
            elsewhere = Path(tmp) / "elsewhere"
            elsewhere.mkdir()
            refused = check("meldefra stats", {1, 2}, [], cwd=elsewhere)
            if refused.returncode != 0 and (elsewhere / "meldefra.db").exists():
                failures.append("meldefra stats from another folder made an empty meldefra.db")
            check("meldefra stats", {0}, [], cwd=elsewhere, extra={"MELDEFRA_HOME": str(clone)})
    if failures:
        print(f"\n{len(failures)} README command(s) did not run as written:", file=sys.stderr)
        for f in failures:
            print(f"\n* {f}", file=sys.stderr)
        return 1
    print("Every README command ran as written.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
