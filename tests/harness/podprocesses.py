"""The processes inside a container of the image, as its /proc shows them: which are
zombies, which are start-zookeeper's children, and the JVM's command line."""

from __future__ import annotations

from dataclasses import dataclass

from docker.models.containers import Container

from tests.harness.statefulset import wait_for

# Every process's stat line; one that ends between the glob and cat is left out.
READ_STATS = ["sh", "-c", "cat /proc/[0-9]*/stat 2>/dev/null"]
JVM = "java"  # the JVM's main thread's name (comm)


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int  # 0: started from outside the container (docker exec)
    name: str  # comm: at most 15 bytes of the program's name
    state: str  # R, S, D, Z (a zombie: exited, not yet reaped by its parent) …


def parse_stats(text: str) -> list[Process]:
    """/proc/<pid>/stat lines: `pid (comm) state ppid …`; comm may hold spaces and parentheses."""
    found = []
    for line in text.splitlines():
        pid, _, rest = line.partition(" (")
        name, _, fields = rest.rpartition(") ")
        state, ppid = fields.split()[:2]
        found.append(Process(int(pid), int(ppid), name, state))
    return found


def processes(container: Container) -> list[Process]:
    result = container.exec_run(READ_STATS)
    return parse_stats((result.output or b"").decode(errors="replace"))


def zombies(container: Container) -> list[Process]:
    return [process for process in processes(container) if process.state == "Z"]


def running_children(container: Container) -> list[Process]:
    """start-zookeeper's children that still run (the TLS watcher, the joiner): what
    the container's first process, PID 1, started besides the JVM, not yet exited."""
    return [
        process
        for process in processes(container)
        if process.ppid == 1 and process.name != JVM and process.state != "Z"
    ]


def until_children_end(container: Container, timeout: float) -> None:
    wait_for(
        lambda: not running_children(container),
        timeout,
        lambda: f"start-zookeeper's children still run: {running_children(container)}",
    )


def jvm_argv(container: Container) -> list[str]:
    """The JVM's command line, wherever in the container it runs."""
    [jvm] = [process for process in processes(container) if process.name == JVM]
    output = container.exec_run(["cat", f"/proc/{jvm.pid}/cmdline"]).output or b""
    return output.decode().split("\0")
