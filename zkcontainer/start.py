"""start-zookeeper: configure ZooKeeper from flags and the pod's identity, then exec it.

Exit codes before the exec: 2 = bad flags or configuration, 1 = the machine
cannot run it (no java, no ZooKeeper, an unwritable directory) or its data
says not to (a myid of another server, a directory another server holds,
transaction logs ZooKeeper cannot start from or would start without).

run() is the sequence of steps. Each works out what to write and what to run
once, and the mode acts on it: Start writes it and becomes the JVM; DryRun
refuses what Start would refuse, and prints what it would write and run.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping, Sequence
from typing import NamedTuple, Protocol

from zkcontainer import (
    ConfigError,
    EnvironmentProblem,
    datadir,
    datalock,
    render,
    runtime,
    sasl,
    startwarnings,
    volume,
)
from zkcontainer.clientaddress import check_client_address
from zkcontainer.containerinit import under_init
from zkcontainer.errors import exit_code
from zkcontainer.fourlw import CLIENT_TRUST_STORE, KEY_STORE, TRUST_STORE
from zkcontainer.settings import Settings, load_settings, usage, wants_help

# Every start pays for what this module imports before the JVM runs: what only
# --tls_dir, --reconfig, a joiner or --dry-run needs is imported where it is used.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from zkcontainer.backup.archive import Contents
    from zkcontainer.reconfig.decision import Decision
    from zkcontainer.reconfig.model import Member
    from zkcontainer.startgate import Situation
    from zkcontainer.tls import secret

PROG = "start-zookeeper"


def say(line: str) -> None:
    """One line to the pod's log, at once: the JVM's lines follow it there."""
    print(f"{PROG}: {line}", file=sys.stderr, flush=True)


class Plan(NamedTuple):
    """What this start writes and runs, worked out once for either mode."""

    files: dict[str, str]  # path -> text, zoo.cfg first
    private: dict[str, tuple[str, int]]  # path -> (text, mode): the TLS stores, never shown
    command: list[str]
    joining: Member | None  # the member to add once it serves, with --reconfig
    password: str | None  # --reconfig_password_file's, for the joiner


class Mode(Protocol):
    """What a start does with each step's outcome: Start or DryRun."""

    def prepare(
        self, settings: Settings, files: Mapping[str, str], private: Mapping[str, tuple[str, int]]
    ) -> datadir.Evidence:
        """Claim the data directories and write the configuration; refuse as a start would."""

    def decide_membership(self, settings: Settings) -> Decision: ...

    def write_membership(
        self, settings: Settings, decision: Decision, files: Mapping[str, str]
    ) -> None: ...

    def finish(self, settings: Settings, plan: Plan) -> int: ...


def run(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    settings = load_settings(argv, environ, runtime.system_fqdn)
    say_what_to_know(settings)
    mode: Mode = DryRun() if settings.dry_run else Start(environ)
    java = runtime.find_java(environ)
    check_client_address(settings.client_address)
    installation = runtime.find_zookeeper(settings.zk_home, settings.zk_home_source)
    files = planned_files(settings, installation.backend)
    classpath = zookeeper_classpath(settings, installation)
    password = reconfig_password(settings)
    private = {**tls_files(settings, tls_stores(settings)), **sasl_files(settings, password)}
    evidence = mode.prepare(settings, files, private)
    if evidence.why:
        say(evidence.why)
    properties = [*jvm_properties(evidence, password), *sasl.jvm_properties(settings)]
    command = java_command(settings, java, installation, classpath, properties)
    joining = None
    if settings.reconfig:
        membership, joining = settle_membership(settings, mode)
        files = {**membership, **files}
    files = {**files, **datadir.claims(settings, evidence)}
    return mode.finish(settings, Plan(files, private, command, joining, password))


def planned_files(settings: Settings, backend: render.LoggingBackend) -> dict[str, str]:
    """Every configuration file to write, path -> text; myid is handled on its own,
    and so is zoo.cfg with --reconfig, which names the dynamic file decided at start."""
    files = {render.zoo_cfg_path(settings): render.zoo_cfg(settings)}
    if settings.reconfig:
        files = {render.scale_properties_path(settings): render.scale_properties(settings)}
    return {
        **files,
        os.path.join(settings.conf_dir, "java.env"): render.java_env(settings),
        render.logging_config_path(settings, backend): render.logging_config(settings, backend),
    }


def _directories(settings: Settings) -> tuple[list[str], list[str]]:
    """(must be writable, must exist). Logs go to stdout: log_dir is only
    zookeeper.log.dir and may sit on a read-only root filesystem."""
    writable = [settings.conf_dir, settings.data_dir, settings.data_log_dir]
    if settings.reconfig:
        writable.append(render.reconfig_dir(settings))
    if settings.tls_dir is not None:
        writable.append(settings.tls_store_dir)
    return writable, [settings.log_dir]


def _replaced(
    settings: Settings, files: Mapping[str, str], private: Mapping[str, tuple[str, int]]
) -> list[str]:
    """Every file this start may write, which nothing but a file may stand in the way of."""
    reconfig = [render.zoo_cfg_path(settings), render.conf_zoo_cfg_path(settings)]
    claims = datadir.claim_paths(settings)
    return [*files, *private, *claims, *(reconfig if settings.reconfig else [])]


def zookeeper_classpath(settings: Settings, installation: runtime.Installation) -> list[str]:
    """The installation's classpath, with what the Netty connection factory needs for TLS
    and what the AdminServer needs for --admin_port."""
    classpath = list(installation.classpath)
    if settings.tls_dir is not None:
        if installation.netty_missing:
            raise EnvironmentProblem(installation.netty_missing)
        classpath += [jar for jar in installation.netty_classpath if jar not in classpath]
    if settings.admin_port:
        classpath += [jar for jar in installation.admin_classpath if jar not in classpath]
    return classpath


def jvm_properties(evidence: datadir.Evidence, password: str | None) -> list[str]:
    """The properties the data calls for, and the superuser's digest with --reconfig."""
    properties = list(evidence.properties)
    if password is not None:
        # The digest (a SHA-1 of super:<password>), never the password: the
        # JVM's argv is visible to anyone in the pod (ps), as is java.env.
        properties.append(super_digest_flag(password))
    return properties


def java_command(
    settings: Settings,
    java: str,
    installation: runtime.Installation,
    classpath: list[str],
    properties: list[str],
) -> list[str]:
    """The JVM's argv; with --fast_failover, zkcontainer's main class when it is installed."""
    main_class = render.MAIN_CLASS
    leaving = installation.leaving_main_jar
    if leaving is not None:
        # Right after the installation's own jars, before what TLS adds, with or
        # without --fast_failover: the class archive was made with that order,
        # and a JVM maps an archive only where its classpath begins with the
        # archive's. Without the jar it maps none of it, not even the JDK's own
        # classes, and warns "shared class paths mismatch" at every start.
        own = [*installation.classpath, leaving]
        classpath = [*own, *(jar for jar in classpath if jar not in own)]
    if settings.fast_failover:
        properties = [*properties, *render.FAST_FAILOVER_PROPERTIES]
        if leaving is not None:
            main_class = render.LEAVING_MAIN_CLASS
    return render.java_command(
        settings,
        java,
        classpath,
        installation.backend,
        properties=properties,
        main_class=main_class,
        # The image's archive was made from Debian's jars: a JVM handed it with an
        # Apache tarball's classpath maps none of it and warns at every start.
        class_archive=runtime.class_archive(java) if settings.zk_home is None else None,
    )


def tls_stores(settings: Settings) -> secret.Stores | None:
    """The key and trust stores ZooKeeper will read, from --tls_dir, checked
    before anything is written: ZooKeeper itself would start with a bad key
    and fail every TLS connection instead."""
    if settings.tls_dir is None:
        return None
    where = f"--tls_dir={settings.tls_dir}"
    if not os.path.isdir(settings.tls_dir):
        raise EnvironmentProblem(f"{where}: not a directory")
    # Only --tls_dir reads a Secret: a start without it never imports the TLS code.
    from zkcontainer.tls import TlsProblem, secret  # noqa: PLC0415

    try:
        texts = secret.read_secret(settings.tls_dir, settings.tls_client_ca)
        return secret.stores(texts, client_auth_for=client_auth_for(settings))
    except TlsProblem as error:
        # One line, as every exit 1 is: every problem of the Secret, so one fix does.
        raise EnvironmentProblem(f"{where}: " + "; ".join(str(error).splitlines())) from error


def client_auth_for(settings: Settings) -> str | None:
    """What presents the pod's certificate as a client, and so needs its clientAuth usage."""
    if settings.quorum_tls:
        return "the quorum's TLS"
    if settings.client_port == 0:
        return "the probes with --client_port=0 (they present it to the TLS port)"
    return None


def tls_store_paths(settings: Settings) -> tuple[str, str, str]:
    """Where ZooKeeper reads the stores: (key store, trust store, client trust store)."""
    store_dir = settings.tls_store_dir
    return (
        os.path.join(store_dir, KEY_STORE),
        os.path.join(store_dir, TRUST_STORE),
        os.path.join(store_dir, CLIENT_TRUST_STORE),
    )


def tls_files(settings: Settings, stores: secret.Stores | None) -> dict[str, tuple[str, int]]:
    """path -> (text, mode): the key store holds the private key, so its owner's only."""
    if stores is None:
        return {}
    key_store, trust_store, client_trust_store = tls_store_paths(settings)
    files = {trust_store: (stores.trust_store, 0o644), key_store: (stores.key_store, 0o600)}
    if stores.client_authorities is not None:
        files[client_trust_store] = (stores.trust_store + stores.client_authorities, 0o644)
    return files


def sasl_files(settings: Settings, password: str | None) -> dict[str, tuple[str, int]]:
    """The JAAS file, the one file that holds the SASL passwords: its owner's only."""
    if not sasl.is_on(settings):
        return {}
    credentials = sasl.read_credentials(settings, password)
    say(sasl.FIPS_MODE_LINE)
    return {sasl.jaas_path(settings): (sasl.jaas_config(settings, credentials), 0o600)}


def remove_earlier_secrets(settings: Settings) -> None:
    """What an earlier start wrote for TLS or SASL, now off, goes: the key store holds
    an unencrypted key, the JAAS file passwords."""
    stale = [] if settings.tls_dir is not None else list(tls_store_paths(settings))
    if not sasl.is_on(settings):
        stale.append(sasl.jaas_path(settings))
    for path in stale:
        try:  # noqa: SIM105  (not contextlib.suppress: a start does not import contextlib)
            os.unlink(path)
        except FileNotFoundError:
            pass


def reconfig_password(settings: Settings) -> str | None:
    """The superuser's password, read once: it reaches the joiner in memory only."""
    if not settings.reconfig or settings.reconfig_password_file is None:
        return None
    from zkcontainer.reconfig.client import ReconfigError, read_password  # noqa: PLC0415

    try:
        return read_password(settings.reconfig_password_file)
    except ReconfigError as error:
        raise EnvironmentProblem(f"--reconfig_password_file: {error.detail}") from error


def super_digest_flag(password: str) -> str:
    from zkcontainer.reconfig.client import super_digest_flag as flag  # noqa: PLC0415

    return flag(password)


def settle_membership(settings: Settings, mode: Mode) -> tuple[dict[str, str], Member | None]:
    """With --reconfig: decide the membership and write it (zoo.cfg and the dynamic
    file, path -> text), and the member to add once it serves, if it joins."""
    from zkcontainer.reconfig import startup  # noqa: PLC0415

    decision = mode.decide_membership(settings)
    files = startup.membership_files(settings, decision)
    mode.write_membership(settings, decision, files)
    return files, startup.own_member(settings) if decision.action == "join" else None


def write_rendered(path: str, text: str, mode: int = 0o666) -> None:
    """A file this start renders from its flags and --tls_dir, and writes again at
    every start: zoo.cfg (outside --reconfig), java.env, the logging configuration,
    scale.properties, the TLS stores. Renamed into place (a reader never sees half
    of one) but not fsynced: a crash before the JVM reads it only means the next
    start writes it again. Evidence (myid, the log directory's record, the
    membership files of --reconfig) is written durably, where it is written."""
    runtime.write_atomically(path, text, mode, durable=False)


def needs_start_gate(settings: Settings) -> bool:
    """Static mode: a voter of an ensemble passes the start gate (zkcontainer.startgate);
    with --reconfig the membership decision asks it. A standalone has no quorum to
    help form, and an observer never votes."""
    return (
        not settings.reconfig
        and settings.servers > 1
        and settings.myid is not None
        and not settings.observing
    )


def pass_start_gate(settings: Settings) -> Situation | None:
    """A voter's volume without data waits here until a quorum of this ensemble serves,
    every voter is new, or the operator declares its data lost; one with data goes on."""
    if not needs_start_gate(settings):
        return None
    state = volume.classify(settings.data_dir, settings.data_log_dir)
    if state.holds_data:
        return "data"
    from zkcontainer import waiting  # noqa: PLC0415

    voters = frozenset(range(1, settings.servers + 1))
    return waiting.until_safe(settings, state, say, voters, settings.servers).situation


class Start:
    """start-zookeeper itself: writes everything, and becomes the JVM (or its init)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.backup: Contents | None = None  # --restore_from's, checked before any write
        self.membership: str | None = None  # with --reconfig, the decision's action

    def prepare(
        self, settings: Settings, files: Mapping[str, str], private: Mapping[str, tuple[str, int]]
    ) -> datadir.Evidence:
        """Lock the data directories, write the configuration and claim myid; a
        volume that belongs to another server, or holds data ZooKeeper cannot
        start from, stops everything before anything is written."""
        runtime.group_writable_umask()
        # Read first so a volume on the wrong pod, or with data ZooKeeper cannot
        # start from, is left exactly as it was.
        datadir.read_evidence(settings)
        if settings.restore_from is not None:
            from zkcontainer import restore  # noqa: PLC0415 - kept from other starts' imports

            self.backup, _ = restore.check(settings)  # a bad file or volume: before any write
        runtime.ensure_directories(*_directories(settings))
        datalock.lock_directories(datadir.locked_directories(settings))
        # Again under the lock: of two processes racing for one directory, the
        # second sees the first's myid, and refuses if it is not its own.
        evidence = datadir.read_evidence(settings)
        runtime.check_replaceable(_replaced(settings, files, private))
        if evidence.takes_trust_marker:
            datadir.remove_trust_marker(settings)
        for path, (text, mode) in private.items():
            write_rendered(path, text, mode)
        for path, text in files.items():
            write_rendered(path, text)
        for path, text in datadir.claims(settings, evidence).items():
            runtime.write_atomically(path, text)  # evidence: forced to disk
        remove_earlier_secrets(settings)
        return evidence

    def decide_membership(self, settings: Settings) -> Decision:
        """Ask the serving members, and wait while the decision is to."""
        from zkcontainer.reconfig import startup  # noqa: PLC0415

        decision = startup.settle(settings, say)
        say(f"membership: {decision.action}: {decision.reason}")
        self.membership = decision.action
        return decision

    def write_membership(
        self, settings: Settings, decision: Decision, files: Mapping[str, str]
    ) -> None:
        from zkcontainer.reconfig import startup  # noqa: PLC0415

        startup.write(settings, decision, files)

    def finish(self, settings: Settings, plan: Plan) -> int:
        """Wait at the start gate, fork the children, and exec the JVM (under tini, which
        reaps them, as the container's first process: zkcontainer.containerinit)."""
        situation = pass_start_gate(settings)
        if settings.restore_from is not None:  # under the lock, before the JVM
            from zkcontainer import restore  # noqa: PLC0415

            restore.seed(settings, say, situation, self.membership, self.backup)
        # As the original did: the effective zoo.cfg at the top of the pod's log.
        print(plan.files[render.zoo_cfg_path(settings)], file=sys.stderr, end="")
        if settings.tls_dir is not None or plan.joining is not None:
            # Only these fork a child: the children's code is imported when one is forked.
            from zkcontainer import children  # noqa: PLC0415

            if settings.tls_dir is not None:
                children.start_tls_watcher(settings, client_auth_for(settings), say)
            if plan.joining is not None and plan.password is not None:
                children.start_joiner(settings, plan.joining, plan.password, say)
        environ = runtime.jvm_environment(self.environ)
        runtime.exec_java(under_init(plan.command, environ, say), environ)


class DryRun:
    """--dry-run: refuses what a start would refuse, and prints what it would write
    and run; writes nothing, and asks no peer."""

    def prepare(
        self, settings: Settings, files: Mapping[str, str], private: Mapping[str, tuple[str, int]]
    ) -> datadir.Evidence:
        evidence = datadir.read_evidence(settings)
        runtime.check_directories(*_directories(settings))
        datalock.check_unlocked(datadir.locked_directories(settings))
        if settings.restore_from is not None:
            from zkcontainer import restore  # noqa: PLC0415

            restore.dry_run(settings, say)
        runtime.check_replaceable(_replaced(settings, files, private))
        return evidence

    def decide_membership(self, settings: Settings) -> Decision:
        """What this volume alone would give, which a serving member's configuration
        overrides at start."""
        # --dry-run with --reconfig only: the decision's code stays out of a start's imports.
        from zkcontainer.reconfig import startup  # noqa: PLC0415
        from zkcontainer.reconfig.decision import decide  # noqa: PLC0415
        from zkcontainer.startgate import Verdict  # noqa: PLC0415

        assumed = Verdict(True, "new", False, "--dry-run assumes every voter answers empty")
        decision = decide(startup.evidence(settings, live=None, gate=assumed))
        say(f"--dry-run asks no peer; without one: {decision.action}: {decision.reason}")
        return decision

    def write_membership(
        self, settings: Settings, decision: Decision, files: Mapping[str, str]
    ) -> None:
        pass  # printed with the rest

    def finish(self, settings: Settings, plan: Plan) -> int:
        for path, text in plan.files.items():
            print(f"==> {path} <==\n{text}")
        print(f"==> command <==\n{render.shell_join(plan.command)}")
        for path in plan.private:
            print(f"==> {path} <==\n(holds a key or passwords; not shown)\n")
        return 0


def say_what_to_know(settings: Settings) -> None:
    gated = needs_start_gate(settings)
    warnings = [
        *startwarnings.identity_warnings(settings),
        *startwarnings.probe_warnings(settings),
        *startwarnings.client_address_warnings(settings),
        *startwarnings.gate_warnings(settings, gated),
    ]
    for warning in warnings:
        say(f"warning: {warning}")
    if settings.heap_reason is not None:
        say(settings.heap_reason)


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    # A path the terminal's encoding cannot show is printed escaped, not a failure.
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        if wants_help(args):
            print(usage())
            return 0
        return run(args, os.environ)
    except BrokenPipeError:
        # --dry-run or --help into a reader that went away (| head): nothing to exec.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        print(f"{PROG}: standard output was closed before everything was written", file=sys.stderr)
        return 1
    except (ConfigError, EnvironmentProblem) as error:
        return exit_code(PROG, error)
    except Exception as error:  # the last line of defence: never a traceback
        print(f"{PROG}: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
