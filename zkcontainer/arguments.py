"""argparse for the commands an operator types, with start-zookeeper's error lines.

argparse answers bad input with a usage block and its own wording
("unrecognized arguments: --formt=json", "argument N: invalid int value:
'three'"). OneLineParser answers as every zkcontainer command does: one line
per problem naming the flag or argument and the value given
(`--formt=json: unknown flag; did you mean --format?`, `N three: not an
integer`), and exit code 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from zkcontainer import ConfigError
from zkcontainer.probeargs import shown
from zkcontainer.suggest import unknown_flag

# What a conversion argparse refused says, in start-zookeeper's words.
NOT_A: dict[object, str] = {int: "not an integer", float: "not a number"}


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose bad input is one line per problem and exit 2.

    By default it prints the lines on stderr and exits, as ArgumentParser does;
    `raising=True` raises them as a ConfigError instead, for a command whose
    main reports every error itself.
    """

    def __init__(self, *args: Any, raising: bool = False, **kwargs: Any) -> None:
        # argparse's errors then arrive as exceptions that still say which
        # argument they are about, rather than as a message to print.
        kwargs["exit_on_error"] = False
        # --tim=5 is no --timeout: a flag is spelled out, as start-zookeeper's are.
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)
        self.raising = raising
        # The unknown flags of the arguments being parsed, named in every refusal.
        self.unknown_flags: list[str] = []

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        argv = sys.argv[1:] if args is None else list(args)
        # Named even where argparse stops at a missing argument first.
        self.unknown_flags = [self._unexpected(a) for a in _flags(argv) if not self._knows(a)]
        try:
            parsed, extras = self.parse_known_args(argv, namespace)
        except ConfigError as error:  # a value _get_value refused
            self.refuse(error.problems)
        except argparse.ArgumentError as error:
            self.refuse([_about(error)])
        if extras:
            self.unknown_flags = []  # among the extras, in the order given
            self.refuse([self._unexpected(arg) for arg in extras])
        return parsed

    def error(self, message: str) -> NoReturn:
        """argparse's own remaining complaints (a missing required argument)."""
        self.refuse([message])

    def refuse(self, problems: list[str]) -> NoReturn:
        given = [*self.unknown_flags, *problems]
        lines = ["\\n".join(problem.splitlines()) for problem in given]
        if self.raising:
            raise ConfigError(lines)
        for line in lines:
            print(f"{self.prog}: {line}", file=sys.stderr)
        self.exit(2)

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as error:
            # A type below says why in its ArgumentTypeError; int and float do not.
            refused = error.__context__
            if isinstance(refused, argparse.ArgumentTypeError):
                why = str(refused)
            else:
                why = NOT_A.get(action.type, "not a valid value")
            raise ConfigError([f"{_named(action, arg_string)}: {why}"]) from None

    def _knows(self, arg: str) -> bool:
        return arg.split("=", 1)[0] in self._option_string_actions

    def _unexpected(self, arg: str) -> str:
        if arg.startswith("-") and arg != "-":
            flags = (flag for action in self._actions for flag in action.option_strings)
            return unknown_flag(arg, flags, shown)
        return f"{shown(arg)}: unexpected argument"


def _flags(argv: Sequence[str]) -> list[str]:
    """The arguments that are flags: before `--`, and not a negative number."""
    flags = []
    for arg in argv:
        if arg == "--":
            break
        if arg.startswith("-") and arg != "-" and not _is_number(arg):
            flags.append(arg)
    return flags


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def positive_integer(text: str) -> int:
    """An argparse type: a whole number from 1."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def tcp_port(text: str) -> int:
    """An argparse type: a TCP port a server listens on, 1 to 65535."""
    value = _integer(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("not a port: 1 to 65535")
    return value


def seconds(text: str) -> float:
    """An argparse type: a time limit, finite and above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(NOT_A[float]) from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError("must be a number of seconds above 0")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(NOT_A[int]) from None


def _named(action: argparse.Action, text: str) -> str:
    """The argument and its value as start-zookeeper names them: --timeout=x, N three."""
    if action.option_strings:
        return f"{action.option_strings[0]}={shown(text)}"
    return f"{action.metavar or action.dest} {shown(text)}"


def _about(error: argparse.ArgumentError) -> str:
    if error.argument_name is None:
        return error.message
    # "--conf_dir/--conf-dir" names an option by each of its spellings: the first will do.
    return f"{error.argument_name.split('/')[0]}: {error.message}"
