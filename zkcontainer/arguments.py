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
        super().__init__(*args, **kwargs)
        self.raising = raising

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        try:
            parsed, extras = self.parse_known_args(args, namespace)
        except ConfigError as error:  # a value _get_value refused
            self.refuse(error.problems)
        except argparse.ArgumentError as error:
            self.refuse([_about(error)])
        if extras:
            self.refuse([self._unexpected(arg) for arg in extras])
        return parsed

    def error(self, message: str) -> NoReturn:
        """argparse's own remaining complaints (a missing required argument)."""
        self.refuse([message])

    def refuse(self, problems: list[str]) -> NoReturn:
        lines = ["\\n".join(problem.splitlines()) for problem in problems]
        if self.raising:
            raise ConfigError(lines)
        for line in lines:
            print(f"{self.prog}: {line}", file=sys.stderr)
        self.exit(2)

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError:
            why = NOT_A.get(action.type, "not a valid value")
            raise ConfigError([f"{_named(action, arg_string)}: {why}"]) from None

    def _unexpected(self, arg: str) -> str:
        if arg.startswith("-") and arg != "-":
            flags = (flag for action in self._actions for flag in action.option_strings)
            return unknown_flag(arg, flags, shown)
        return f"{shown(arg)}: unexpected argument"


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
