"""The edges. Importing this package adds the edges' words (kept beside their renderers) to
the catalogs of handlers.i18n, which never imports bot."""

import importlib as _importlib

from handlers.i18n import register as _register

for _name in (
    "bot.core.i18n_chat",  # shared by Slack, Teams and the core's forms
    "bot.core.i18n_chat_plan",
    "bot.core.i18n_checks",
    "bot.console.i18n",
    "bot.cli_i18n",
    "bot.cli_help_i18n",  # `meldefra --help` (bot/cli_help.py)
    "bot.teams.i18n",  # a platform folder deleted takes its words along
):
    try:
        _register(_name, _importlib.import_module(_name).MESSAGES)
    except ModuleNotFoundError:
        pass
