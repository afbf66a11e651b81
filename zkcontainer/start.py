"""start-zookeeper: configure ZooKeeper from flags and the pod's identity, then exec it.

Exit codes before the exec: 2 = bad flags or configuration, 1 = the machine
cannot run it (no java, no ZooKeeper, unwritable directory, myid mismatch).
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping, Sequence

from zkcontainer import render, runtime
from zkcontainer.errors import ConfigError, EnvironmentProblem
from zkcontainer.settings import Settings, load_settings, usage, wants_help

PROG = "start-zookeeper"


def planned_files(settings: Settings, backend: render.LoggingBackend) -> dict[str, str]:
    """Every configuration file to write, path -> text; myid is handled on its own."""
    return {
        render.zoo_cfg_path(settings): render.zoo_cfg(settings),
        os.path.join(settings.conf_dir, "java.env"): render.java_env(settings),
        render.logging_config_path(settings, backend): render.logging_config(settings, backend),
    }


def prepare(settings: Settings, files: Mapping[str, str]) -> None:
    """Write the configuration and myid; an existing, different myid stops everything first."""
    myid_path = os.path.join(settings.data_dir, "myid")
    myid_present = settings.myid is not None and runtime.check_myid(myid_path, settings.myid)
    # Logs go to stdout: log_dir is only zookeeper.log.dir and may sit on a
    # read-only root filesystem.
    runtime.ensure_directories(
        writable=[settings.conf_dir, settings.data_dir, settings.data_log_dir],
        present=[settings.log_dir],
    )
    for path, text in files.items():
        runtime.write_atomically(path, text)
    if settings.myid is not None and not myid_present:
        runtime.write_atomically(myid_path, f"{settings.myid}\n")


def show_dry_run(files: Mapping[str, str], command: Sequence[str], myid: int | None) -> None:
    for path, text in files.items():
        print(f"==> {path} <==\n{text}")
    if myid is not None:
        print(f"==> myid <==\n{myid}\n")
    print(f"==> command <==\n{shlex.join(command)}")


def probe_warnings(settings: Settings) -> list[str]:
    """What a custom four-letter-word whitelist will break: it is honoured, not corrected."""
    words = settings.four_letter_words
    if "*" in words:
        return []
    warnings = []
    if "ruok" not in words:
        warnings.append("ruok is not whitelisted: zookeeper-ready (liveness) will fail")
    if "mntr" not in words:
        warnings.append(
            "mntr is not whitelisted: zookeeper-metrics will fail and "
            "zookeeper-ready --serving falls back to srvr"
        )
    return warnings


def run(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    settings = load_settings(argv, environ, runtime.system_fqdn)
    for warning in probe_warnings(settings):
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    java = runtime.find_java(environ)
    installation = runtime.find_zookeeper(settings.zk_home)
    files = planned_files(settings, installation.backend)
    command = render.java_command(
        settings, java, list(installation.classpath), installation.backend
    )
    if settings.dry_run:
        show_dry_run(files, command, settings.myid)
        return 0
    prepare(settings, files)
    # As the original did: the effective zoo.cfg at the top of the pod's log.
    print(files[render.zoo_cfg_path(settings)], file=sys.stderr, end="")
    runtime.exec_java(command, environ)


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if wants_help(args):
        print(usage())
        return 0
    try:
        return run(args, os.environ)
    except ConfigError as error:
        for problem in error.problems:
            print(f"{PROG}: {problem}", file=sys.stderr)
        return 2
    except EnvironmentProblem as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
