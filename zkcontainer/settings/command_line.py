"""The flags' texts as given: `--name=value` arguments and `ZK_*` variables.

Every flag is accepted as `--name=value`, `--name value` and with dashes
(`--data-dir`), and also as its variable; the command line wins. Nothing is
read into a value here: this only finds what was given, and where.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from zkcontainer.probeargs import shown
from zkcontainer.settings.declarations import FLAGS, FLAGS_BY_NAME


class Given(NamedTuple):
    """A flag's text and where it came from, for error messages."""

    text: str
    origin: str  # "--client_port=x" or "ZK_CLIENT_PORT=x"

    @classmethod
    def of(cls, label: str, text: str, secret: bool = False) -> Given:
        if secret:
            # JVM options carry truststore passwords and the like: name, never echo.
            return cls(text, label)
        return cls(text, f"{label}={shown(text)}")


def usage() -> str:
    lines = [
        "usage: start-zookeeper [--name=value ...]",
        "",
        "Writes zoo.cfg, java.env, the logging config and myid, then execs ZooKeeper.",
        "Each flag may also be set as ZK_<NAME> in the environment; the command line wins.",
        "",
    ]
    for flag in FLAGS:
        default = "" if flag.default in (None, "") else f" (default {flag.default})"
        lines.append(f"  --{flag.name:<20} {flag.help}{default}  [{flag.env_name}]")
    return "\n".join(lines)


def wants_help(argv: Sequence[str]) -> bool:
    return any(arg in ("-h", "--help") for arg in argv)


def given_texts(
    argv: Sequence[str], environ: Mapping[str, str], problems: list[str]
) -> dict[str, Given]:
    """Each flag given, by name: from `environ`, overridden by `argv`."""
    given = _from_environment(environ)
    given.update(_from_argv(argv, problems))
    return given


def _from_environment(environ: Mapping[str, str]) -> dict[str, Given]:
    # Only our own names: Kubernetes also injects ZK_CS_PORT and the like for Services.
    return {
        flag.name: Given.of(flag.env_name, environ[flag.env_name], flag.secret)
        for flag in FLAGS
        if flag.env_name in environ
    }


def _from_argv(argv: Sequence[str], problems: list[str]) -> dict[str, Given]:
    given: dict[str, Given] = {}
    args = list(argv)
    i = 0
    bare_switch = None  # a true/false flag just given without a value
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("--"):
            if bare_switch is not None:
                # `--fast_failover false` would read as true plus a stray word.
                problems.append(
                    f"--{bare_switch} {shown(arg)}: a true/false flag takes its value "
                    f"after '=': --{bare_switch}={shown(arg)}"
                )
            else:
                problems.append(f"{shown(arg)}: unexpected argument; flags look like --name=value")
            bare_switch = None
            continue
        name, has_value, text = arg[2:].partition("=")
        flag = FLAGS_BY_NAME.get(name.replace("-", "_"))
        bare_switch = None
        if flag is None:
            from zkcontainer.suggest import unknown_flag  # noqa: PLC0415  (difflib: on a typo only)

            problems.append(unknown_flag(arg, (f"--{known.name}" for known in FLAGS), shown))
            continue
        if not has_value:
            if flag.kind == "bool":
                text = "true"
                bare_switch = flag.name
            elif i < len(args) and not args[i].startswith("--"):
                text = args[i]
                i += 1
            else:
                problems.append(f"--{flag.name}: needs a value")
                continue
        given[flag.name] = Given.of(f"--{flag.name}", text, flag.secret)
    return given
