"""The exceptions zkcontainer raises; only the console scripts turn them into exit codes.

Defined in the package's `__init__` (see there why); this is their usual name.
"""

from zkcontainer import ConfigError, EnvironmentProblem, ProbeError, UsageError, ZkContainerError

__all__ = ["ConfigError", "EnvironmentProblem", "ProbeError", "UsageError", "ZkContainerError"]
