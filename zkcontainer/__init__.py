"""zkcontainer: run Apache ZooKeeper in containers on Kubernetes.

The exception tree lives here rather than in a module of its own: the probe
commands import this package anyway, and every further module file costs a
probe started every few seconds in every pod a measurable part of its run
time. Every module imports them from here (`from zkcontainer import
ProbeError`); zkcontainer.errors turns them into exit codes.
"""


class ZkContainerError(Exception):
    """Base of every error the commands report as a message instead of a traceback."""


class ConfigError(ZkContainerError):
    """The flags or environment are invalid: exit code 2, one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class EnvironmentProblem(ZkContainerError):
    """The machine cannot run ZooKeeper as configured: exit code 1.

    No java, no ZooKeeper jars, an unwritable directory, a myid that contradicts
    the pod's identity.
    """


class ProbeError(ZkContainerError):
    """A four-letter word got no usable answer, or its answer could not be
    written out: exit code 1 for the probes.

    `reason` is one of the short words an operator greps for in probe events:
    refused, timed out, reset, unreachable, not whitelisted, not serving,
    unexpected reply, too large, cannot write the output, tls failed.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class UsageError(ZkContainerError):
    """The probe commands were called wrongly: exit code 2."""
