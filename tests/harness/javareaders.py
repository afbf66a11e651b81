"""The JVM's own readers, as an oracle: what ZooKeeper and log4j make of our files.

One `java tests/oracle/JavaReaders.java` process (the JDK's single-file
launcher) answers requests for a whole test session. It runs under a UTF-8
locale, as start-zookeeper runs the JVM, so file names reach the file
system as the same bytes Python uses.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.harness.prerequisites import missing

SOURCE = Path(__file__).resolve().parent.parent / "oracle" / "JavaReaders.java"


class JavaReaders:
    def __init__(self) -> None:
        java = shutil.which("java")
        javac = shutil.which("javac")
        if java is None or javac is None:
            missing("no JDK: `java File.java` needs openjdk-17-jdk-headless")
        self.process = subprocess.Popen(
            [str(java), str(SOURCE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
            text=True,
            encoding="utf-8",
        )

    def _ask(self, request: str, argument: str) -> str:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        encoded = argument.encode("utf-8", "surrogatepass").hex()
        self.process.stdin.write(f"{request} {encoded}\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().rstrip("\n")
        if not answer:
            raise AssertionError(f"the Java oracle died (exit {self.process.poll()})")
        return answer

    def properties(self, path: Path) -> dict[str, str]:
        """Every key of a Properties file and its trimmed value, as ZooKeeper reads zoo.cfg."""
        answer = self._ask("props", str(path))
        if answer.startswith("ERROR"):
            raise AssertionError(f"Properties.load({path}): {answer}")
        return self._pairs(answer)

    @staticmethod
    def _pairs(answer: str) -> dict[str, str]:
        entries = {}
        for pair in answer.split():
            key, _, value = pair.partition("=")
            entries[_unhex(key)] = _unhex(value)
        return entries

    def jaas(self, path: Path) -> dict[str, str] | None:
        """Every `section.option` of a JAAS file and its value, as the JVM reads it
        for ZooKeeper's SASL; None when the JVM refuses the file."""
        answer = self._ask("jaas", str(path))
        if answer.startswith("ERROR"):
            return None
        return self._pairs(answer)

    def read_url(self, url: str) -> bytes | None:
        """What the JVM reads from `url` (as log4j does), or None when it cannot open it."""
        answer = self._ask("url", url)
        return None if answer.startswith("ERROR") else bytes.fromhex(answer[1:])

    def parse_int(self, text: str) -> int | None:
        """Integer.parseInt(text), or None when Java refuses it."""
        answer = self._ask("int", text)
        return None if answer.startswith("ERROR") else int(answer)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(10)


def _unhex(text: str) -> str:
    return bytes.fromhex(text[1:]).decode("utf-8")
