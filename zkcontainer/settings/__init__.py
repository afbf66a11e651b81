"""start-zookeeper's settings: flags and `ZK_*` variables, validated all at once.

Every flag of the original script is accepted as `--name=value`, `--name value`
and with dashes (`--data-dir`), and also as the variable `ZK_<NAME>`; the
command line wins. Validation collects every problem before failing, so an
operator fixes all of them in one round.

Each flag is declared once, as a field of `Settings` (`declarations`); the
command line and environment are read in `command_line`, each flag's text as
its kind says in `reader`, and the rules across flags are in `validation`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from zkcontainer import memory
from zkcontainer.settings.command_line import given_texts, usage, wants_help
from zkcontainer.settings.declarations import (
    FLAGS,
    FLAGS_BY_NAME,
    TLS_ONLY_FLAGS,
    Flag,
    Settings,
)
from zkcontainer.settings.validation import build

__all__ = [
    "FLAGS",
    "FLAGS_BY_NAME",
    "TLS_ONLY_FLAGS",
    "Flag",
    "Settings",
    "load_settings",
    "usage",
    "wants_help",
]


def load_settings(
    argv: Sequence[str],
    environ: Mapping[str, str],
    system_fqdn: Callable[[], str],
    memory_limit: Callable[[], memory.Limit] = memory.container_limit,
) -> Settings:
    """Build validated Settings, or raise ConfigError listing every problem.

    `system_fqdn` is only called when neither --hostname nor --domain says it all,
    `memory_limit` only for --heap=auto.
    """
    problems: list[str] = []
    given = given_texts(argv, environ, problems)
    return build(given, problems, system_fqdn, memory_limit)
