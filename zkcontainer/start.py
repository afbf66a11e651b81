"""start-zookeeper: configure ZooKeeper from flags and the pod's identity, then exec it.

Exit codes before the exec: 2 = bad flags or configuration, 1 = the machine
cannot run it (no java, no ZooKeeper, an unwritable directory) or its data
says not to (a myid of another server, a directory another server holds,
transaction logs ZooKeeper cannot start from or would start without).
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from zkcontainer import ConfigError, EnvironmentProblem, datalock, render, runtime, txnlog, volume
from zkcontainer.dynconfig import Member, dynamic_file_name, render_dynamic_file
from zkcontainer.errors import exit_code
from zkcontainer.fourlw import CLIENT_TRUST_STORE, local_address
from zkcontainer.identity import parse_pod_hostname
from zkcontainer.membership import decide
from zkcontainer.settings import Settings, load_settings, usage, wants_help
from zkcontainer.startgate import Verdict
from zkcontainer.tls import TlsProblem, rotation, secret

PROG = "start-zookeeper"
TRUST_EMPTY = "zookeeper.snapshot.trust.empty"
# The operator's word, for one member and one start, that logs spanning epochs
# hold all there is: a file in that member's --data_dir, removed as it is taken.
# Not a JVM flag: in the pod template (or the chart's values) one would hold
# for every member for as long as it stays there.
TRUST_MARKER = "zkcontainer-trust-logs"


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


def myid_path(settings: Settings) -> str:
    return os.path.join(settings.data_dir, "myid")


@dataclass(frozen=True)
class Evidence:
    """What the data directories say: whether to claim them with myid and record
    the log directory, and the JVM properties their data calls for, with the
    line that says why."""

    write_myid: bool
    properties: list[str]
    why: str | None
    takes_trust_marker: bool = False  # the start removes TRUST_MARKER: it held once
    record_log_dir: bool = False  # the start writes LOG_DIR_RECORD: there is none yet


def read_evidence(settings: Settings) -> Evidence:
    """Refuse a volume that belongs to another server or holds data ZooKeeper
    cannot start from; only reads."""
    write_myid = myid_to_write(settings)
    record_log_dir = log_dir_to_record(settings)
    properties, why, takes_trust_marker = data_properties(settings)
    return Evidence(write_myid, properties, why, takes_trust_marker, record_log_dir)


def check(
    settings: Settings, files: Mapping[str, str], private: Mapping[str, tuple[str, int]] = {}
) -> Evidence:
    """Everything prepare() would refuse, found without writing: what --dry-run runs."""
    evidence = read_evidence(settings)
    runtime.check_directories(*_directories(settings))
    datalock.check_unlocked(_locked_directories(settings))
    runtime.check_replaceable(_replaced(settings, files, private))
    return evidence


def prepare(
    settings: Settings, files: Mapping[str, str], private: Mapping[str, tuple[str, int]] = {}
) -> Evidence:
    """Lock the data directories, write the configuration and claim myid; a
    volume that belongs to another server, or holds data ZooKeeper cannot
    start from, stops everything before anything is written."""
    # Read first so a volume on the wrong pod, or with data ZooKeeper cannot
    # start from, is left exactly as it was.
    read_evidence(settings)
    runtime.ensure_directories(*_directories(settings))
    datalock.lock_directories(_locked_directories(settings))
    # Again under the lock: of two processes racing for one directory, the
    # second sees the first's myid, and refuses if it is not its own.
    evidence = read_evidence(settings)
    runtime.check_replaceable(_replaced(settings, files, private))
    if evidence.takes_trust_marker:
        remove_trust_marker(settings)
    for path, (text, mode) in private.items():
        runtime.write_atomically(path, text, mode)
    for path, text in files.items():
        runtime.write_atomically(path, text)
    for path, text in claims(settings, evidence).items():
        runtime.write_atomically(path, text)
    return evidence


def claims(settings: Settings, evidence: Evidence) -> dict[str, str]:
    """path -> text: what this start writes into the data directory as evidence."""
    written = {}
    if settings.myid is not None and evidence.write_myid:
        written[myid_path(settings)] = f"{settings.myid}\n"
    if evidence.record_log_dir:
        record = volume.log_dir_record(settings.data_dir, settings.data_log_dir)
        written[log_dir_record_path(settings)] = record
    return written


def _replaced(
    settings: Settings, files: Mapping[str, str], private: Mapping[str, tuple[str, int]]
) -> list[str]:
    reconfig = [render.zoo_cfg_path(settings), render.conf_zoo_cfg_path(settings)]
    evidence = [myid_path(settings), log_dir_record_path(settings)]
    return [*files, *private, *evidence, *(reconfig if settings.reconfig else [])]


def trust_marker_path(settings: Settings) -> str:
    return os.path.join(settings.data_dir, TRUST_MARKER)


def remove_trust_marker(settings: Settings) -> None:
    path = trust_marker_path(settings)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        raise EnvironmentProblem(
            f"cannot remove {path}, which says to replay this start's logs once: "
            f"{error.strerror}; make it a plain file this user may remove"
        ) from error


def data_properties(settings: Settings) -> tuple[list[str], str | None, bool]:
    """JVM properties for the data found, a line that says why, and whether the
    operator's TRUST_MARKER is taken.

    Transaction logs without a snapshot (as ZooKeeper 3.4 left a lightly used
    volume) are replayed when they provably hold every transaction, or span
    epochs and the operator's marker says so; refused otherwise. Only reads:
    called before anything is created.
    """
    if any(flag.startswith(f"-D{TRUST_EMPTY}=") for flag in settings.jvm_flags):
        return [], None, False  # the operator decided, knowing what is there
    try:
        logs = txnlog.logs_without_snapshot(settings.data_dir, settings.data_log_dir)
    except txnlog.UnreplayableLogs as error:
        raise EnvironmentProblem(str(error)) from error
    if logs is None:
        return [], None, False
    marker = trust_marker_path(settings)
    try:
        first, last = logs.replay_range()
    except txnlog.UnreplayableLogs as error:
        if error.epochs and os.path.lexists(marker):
            why = (
                f"{logs.log_dir} has transaction logs and no snapshot, and {error}; {marker} "
                "says they hold all there is, so ZooKeeper replays them onto an empty tree "
                f"(zookeeper.snapshot.trust.empty) and snapshots; {TRUST_MARKER} holds for "
                "this start only and is removed"
            )
            return [f"-D{TRUST_EMPTY}=true"], why, True
        raise EnvironmentProblem(unreplayable(logs.log_dir, error, marker)) from error
    why = (
        f"{logs.log_dir} has transaction logs from zxid {first:#x} to {last:#x} and no "
        "snapshot (as ZooKeeper 3.4 left it); they hold every transaction, so ZooKeeper "
        "replays them onto an empty tree (zookeeper.snapshot.trust.empty) and snapshots"
    )
    return [f"-D{TRUST_EMPTY}=true"], why, False


def unreplayable(log_dir: str, error: txnlog.UnreplayableLogs, marker: str) -> str:
    """The refusal of logs without a snapshot, with the repair the operator may choose."""
    resync = "wipe this member's version-2 directories (keep myid) and it resyncs from the quorum"
    problem = (
        f"{log_dir} has transaction logs but no snapshot, and ZooKeeper cannot start from "
        f"them safely: {error}"
    )
    if not error.epochs:
        return f"{problem}; {resync}"
    return (
        f"{problem}; if the other members serve this data, {resync}; if none holds it, "
        f"create the empty file {marker} and the next start replays what is here, once "
        '(README, "Upgrading in place from the original image")'
    )


def myid_to_write(settings: Settings) -> bool:
    """Whether this start claims the data directory by writing myid.

    myid and ZooKeeper's data are evidence of which server a volume belongs
    to. A different myid is refused. Data without any myid (a standalone that
    ran without a server id, a directory copied from elsewhere) is never
    adopted by an ensemble member under the id its hostname happens to give.
    """
    if settings.myid is None:
        return False
    if runtime.check_myid(myid_path(settings), settings.myid):
        return False
    if volume.holds_files([settings.data_dir, settings.data_log_dir]):
        if settings.servers > 1 or settings.reconfig:
            raise EnvironmentProblem(
                f"{settings.data_dir} holds ZooKeeper data but no myid, so no server of "
                f"this ensemble wrote it; refusing to adopt it as server {settings.myid} "
                f"(move it away, or write {settings.myid} into myid if it is this server's)"
            )
        return False  # a standalone serves it as it is, without claiming an id
    return True


def log_dir_record_path(settings: Settings) -> str:
    return os.path.join(settings.data_dir, volume.LOG_DIR_RECORD)


def log_dir_to_record(settings: Settings) -> bool:
    """Whether this start records --data_log_dir in the data directory; refuse when
    the transaction logs of its data are elsewhere.

    ZooKeeper on a log directory without the logs starts from its last
    snapshot, and a standalone (or a quorum of members alike) serves an older
    tree, often an empty one, as if nothing had been written. Where the logs
    went, it cannot tell: a log volume no longer mounted cannot be seen, so
    the first start that finds the logs where it looks (or none anywhere)
    records where that is, and a later start on another directory refuses.
    The record is never rewritten: moving the logs is the operator's, and so
    is the record of where they went.
    """
    path = log_dir_record_path(settings)
    recorded = read_log_dir_record(settings.data_dir, path)
    elsewhere = volume.logs_elsewhere(settings.data_dir, settings.data_log_dir, recorded)
    if elsewhere is not None:
        raise EnvironmentProblem(misplaced_logs(settings.data_log_dir, elsewhere, path))
    return recorded is None


def read_log_dir_record(data_dir: str, path: str) -> str | None:
    """The log directory the record names; None when there is no record."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape", newline="") as file:
            text = file.read(65536)
    except (FileNotFoundError, NotADirectoryError):
        return None  # no data directory yet: creating it says what stands in the way
    except OSError as error:
        raise EnvironmentProblem(f"cannot read {path}: {error.strerror}") from error
    recorded = volume.recorded_log_dir(data_dir, text)
    if recorded is None:
        raise EnvironmentProblem(
            f"{path} names no directory: write into it the --data_log_dir this data "
            "directory's transaction logs are in"
        )
    return recorded


def misplaced_logs(data_log_dir: str, elsewhere: volume.LogsElsewhere, record: str) -> str:
    """The refusal of a log directory without this data's logs, with both ways out."""
    old = os.path.join(elsewhere.directory, volume.VERSION_DIR)
    new = os.path.join(data_log_dir, volume.VERSION_DIR)
    if elsewhere.recorded:
        problem = (
            f"{record} says this data directory's transaction logs are in "
            f"{elsewhere.directory}, not --data_log_dir={data_log_dir}"
        )
        move = f"move the log.* files from {old} into {new} and write {data_log_dir} into {record}"
    else:
        problem = (
            f"{old} holds this data directory's transaction logs and "
            f"--data_log_dir={data_log_dir} holds none"
        )
        move = f"move the log.* files from {old} into {new}"
    return (
        f"{problem}: ZooKeeper would start from its last snapshot without them and lose the "
        f"writes they hold; {move}, or start with --data_log_dir={elsewhere.directory} again "
        "(the Helm chart: storage.dataLog.enabled as it was, or a pod mounting both claims "
        'moves them; README, "Moving the transaction log")'
    )


def _directories(settings: Settings) -> tuple[list[str], list[str]]:
    """(must be writable, must exist). Logs go to stdout: log_dir is only
    zookeeper.log.dir and may sit on a read-only root filesystem."""
    writable = [settings.conf_dir, settings.data_dir, settings.data_log_dir]
    if settings.reconfig:
        writable.append(render.reconfig_dir(settings))
    if settings.tls_dir is not None:
        writable.append(settings.tls_store_dir)
    return writable, [settings.log_dir]


def tls_stores(settings: Settings) -> secret.Stores | None:
    """The key and trust stores ZooKeeper will read, from --tls_dir, checked
    before anything is written: ZooKeeper itself would start with a bad key
    and fail every TLS connection instead."""
    if settings.tls_dir is None:
        return None
    where = f"--tls_dir={settings.tls_dir}"
    if not os.path.isdir(settings.tls_dir):
        raise EnvironmentProblem(f"{where}: not a directory")
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


def tls_files(settings: Settings, stores: secret.Stores | None) -> dict[str, tuple[str, int]]:
    """path -> (text, mode): the key store holds the private key, so its owner's only."""
    if stores is None:
        return {}
    key_store, trust_store = secret.store_paths(settings.tls_store_dir)
    files = {trust_store: (stores.trust_store, 0o644), key_store: (stores.key_store, 0o600)}
    if stores.client_authorities is not None:
        client_trust_store = os.path.join(settings.tls_store_dir, CLIENT_TRUST_STORE)
        files[client_trust_store] = (stores.trust_store + stores.client_authorities, 0o644)
    return files


def remove_tls_stores(settings: Settings) -> None:
    """With TLS off, the stores of an earlier start go: the key store holds an unencrypted key."""
    client_trust_store = os.path.join(settings.tls_store_dir, CLIENT_TRUST_STORE)
    for path in [*secret.store_paths(settings.tls_store_dir), client_trust_store]:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def start_tls_watcher(settings: Settings) -> None:
    """Fork the process that keeps the stores in step with --tls_dir, for the JVM's life.

    A child rather than a sidecar: start-zookeeper has to write the stores
    before ZooKeeper starts anyway, so the same code keeps them current, with
    nothing for a pod spec to wire (no second container, no shared volume),
    and it works as well under `docker run`. It dies with the pod's PID 1 and
    leaves when the JVM it was forked for is gone.
    """
    assert settings.tls_dir is not None
    tls_dir = settings.tls_dir

    def watch(keep_going: Callable[[], bool], log: Callable[[str], None]) -> None:
        rotation.watch(
            tls_dir,
            settings.tls_store_dir,
            client_auth_for=client_auth_for(settings),
            client_ca=settings.tls_client_ca,
            interval=settings.tls_reload_interval,
            write=runtime.write_atomically,  # a failure is logged, and retried next pass
            keep_going=keep_going,
            log=log,
        )

    fork_child(watch, "TLS watcher")


ChildWork = Callable[[Callable[[], bool], Callable[[str], None]], None]


def fork_child(work: ChildWork, name: str) -> None:
    """Run `work(keep_going, log)` in a child that leaves when its parent (the JVM,
    once exec'd) is gone; the parent returns at once."""
    parent = os.getpid()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    if os.fork():
        return
    code = 0
    try:
        _close_inherited_descriptors()  # the data directories' locks are the JVM's alone
        work(
            lambda: os.getppid() == parent,
            lambda line: print(f"{PROG}: {line}", file=sys.stderr, flush=True),
        )
    except BaseException as error:  # a child must never return into the parent's code
        print(f"{PROG}: {name} stopped: {error!r}", file=sys.stderr, flush=True)
        code = 1
    finally:
        os._exit(code)


def _close_inherited_descriptors() -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2:
            with contextlib.suppress(OSError):  # the directory's own, closed already
                os.close(fd)


def _locked_directories(settings: Settings) -> list[str]:
    return [settings.data_dir, settings.data_log_dir]


def reconfig_password(settings: Settings) -> str | None:
    """The superuser's password, read once: it reaches the joiner in memory only."""
    if not settings.reconfig or settings.reconfig_password_file is None:
        return None
    from zkcontainer.reconfig_client import ReconfigError, read_password  # noqa: PLC0415

    try:
        return read_password(settings.reconfig_password_file)
    except ReconfigError as error:
        raise EnvironmentProblem(f"--reconfig_password_file: {error.detail}") from error


def super_digest_flag(password: str) -> str:
    from zkcontainer.reconfig_client import super_digest_flag as flag  # noqa: PLC0415

    return flag(password)


def reconfig_files(settings: Settings) -> tuple[dict[str, str], Member | None]:
    """With --reconfig: decide the membership and write it (zoo.cfg and the dynamic
    file, path -> text), and the member to add once it serves, if it joins.

    --dry-run asks no peer and writes nothing: it shows what this volume alone
    would give, which a serving member's configuration overrides at start.
    """
    from zkcontainer import reconfig  # noqa: PLC0415

    def log(line: str) -> None:
        print(f"{PROG}: {line}", file=sys.stderr, flush=True)

    if settings.dry_run:
        assumed = Verdict(True, "new", False, "--dry-run assumes every voter answers empty")
        decision = decide(reconfig.evidence(settings, live=None, gate=assumed))
        log(f"--dry-run asks no peer; without one: {decision.action}: {decision.reason}")
        if decision.membership is None:
            return {render.zoo_cfg_path(settings): render.zoo_cfg(settings)}, None
        dynamic_path = os.path.join(
            render.reconfig_dir(settings), dynamic_file_name(decision.membership)
        )
        return {
            render.zoo_cfg_path(settings): render.zoo_cfg(settings, dynamic_path),
            dynamic_path: render_dynamic_file(decision.membership),
        }, None
    decision = reconfig.settle(settings, log)
    log(f"membership: {decision.action}: {decision.reason}")
    zoo_cfg, dynamic_path, dynamic_text = reconfig.write(settings, decision)
    joining = reconfig.own_member(settings) if decision.action == "join" else None
    return {render.zoo_cfg_path(settings): zoo_cfg, dynamic_path: dynamic_text}, joining


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


def pass_start_gate(settings: Settings) -> None:
    """A voter's volume without data waits here until a quorum of this ensemble serves,
    every voter is new, or the operator declares its data lost; one with data goes on."""
    if not needs_start_gate(settings):
        return
    state = volume.classify(settings.data_dir, settings.data_log_dir)
    if state.holds_data:
        return
    from zkcontainer import waiting  # noqa: PLC0415

    def log(line: str) -> None:
        print(f"{PROG}: {line}", file=sys.stderr, flush=True)

    voters = frozenset(range(1, settings.servers + 1))
    waiting.until_safe(settings, state, log, voters, ensemble_size=settings.servers)


def start_joiner(settings: Settings, member: Member, password: str) -> None:
    """Fork the child that adds this member once it serves (zkcontainer.joiner)."""
    from zkcontainer import joiner  # noqa: PLC0415

    host = local_address(settings.client_address)

    def add(keep_going: Callable[[], bool], log: Callable[[str], None]) -> None:
        joiner.join(member, host, settings.client_port, password, keep_going=keep_going, log=log)

    fork_child(add, "joiner")


def show_dry_run(files: Mapping[str, str], command: Sequence[str]) -> None:
    for path, text in files.items():
        print(f"==> {path} <==\n{text}")
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


def identity_warnings(settings: Settings) -> list[str]:
    """A standalone whose hostname ends in an ordinal other than 0 runs without a server id.

    Only where its name is not a StatefulSet pod's: such a pod beyond pod 0 is
    refused (settings), so this is a host that merely looks like one.
    """
    identity = parse_pod_hostname(settings.hostname)
    ensemble = settings.servers > 1 or settings.reconfig  # with --reconfig, one that may grow
    if ensemble or identity is None or identity.ordinal == 0:
        return []
    return [
        f"hostname {settings.hostname} ends in -{identity.ordinal} but --servers=1: running "
        "as a standalone without a server id, since its name is not a StatefulSet pod's "
        "(<set>-<n>.<service>.<namespace>.svc.<cluster domain>); a second standalone "
        "serves data of its own"
    ]


def gate_warnings(settings: Settings) -> list[str]:
    """What hides a serving ensemble from the start gate of a member on an empty volume."""
    gated = needs_start_gate(settings) and settings.tls_dir is None
    if not gated or settings.plaintext_reaches_peers:
        return []
    if settings.client_port == 0:
        hidden = "--client_port=0 closes the client port to"
    else:
        hidden = f"--client_address={settings.client_address} keeps the client port from"
    return [
        f"{hidden} the other members, so a member on an empty volume cannot see them serve:"
        " it waits until every voter is new, or its data is declared lost"
        " (zookeeper-declare-lost)"
    ]


def say_what_to_know(settings: Settings) -> None:
    warnings = [*identity_warnings(settings), *probe_warnings(settings), *gate_warnings(settings)]
    for warning in warnings:
        print(f"{PROG}: warning: {warning}", file=sys.stderr)
    if settings.heap_reason is not None:
        print(f"{PROG}: {settings.heap_reason}", file=sys.stderr)


def run(argv: Sequence[str], environ: Mapping[str, str]) -> int:
    settings = load_settings(argv, environ, runtime.system_fqdn)
    say_what_to_know(settings)
    java = runtime.find_java(environ)
    installation = runtime.find_zookeeper(settings.zk_home, settings.zk_home_source)
    files = planned_files(settings, installation.backend)
    classpath = list(installation.classpath)
    if settings.tls_dir is not None:
        if installation.netty_missing:
            raise EnvironmentProblem(installation.netty_missing)
        classpath += [jar for jar in installation.netty_classpath if jar not in classpath]
    private = tls_files(settings, tls_stores(settings))
    password = reconfig_password(settings)
    if settings.dry_run:
        evidence = check(settings, files, private)
    else:
        runtime.group_writable_umask()
        evidence = prepare(settings, files, private)
        if settings.tls_dir is None:
            remove_tls_stores(settings)
    if evidence.why:
        print(f"{PROG}: {evidence.why}", file=sys.stderr)
    properties = list(evidence.properties)
    if password is not None:
        # The digest (a SHA-1 of super:<password>), never the password: the
        # JVM's argv is visible to anyone in the pod (ps), as is java.env.
        properties.append(super_digest_flag(password))
    main_class = render.MAIN_CLASS
    if settings.fast_failover:
        properties += render.FAST_FAILOVER_PROPERTIES
        if installation.leaving_main_jar is not None:
            main_class = render.LEAVING_MAIN_CLASS
            if installation.leaving_main_jar not in classpath:
                classpath.append(installation.leaving_main_jar)
    command = render.java_command(
        settings,
        java,
        classpath,
        installation.backend,
        properties=properties,
        main_class=main_class,
    )
    joining = None
    if settings.reconfig:
        membership_files, joining = reconfig_files(settings)
        files = {**membership_files, **files}
    if settings.dry_run:
        show_dry_run({**files, **claims(settings, evidence)}, command)
        for path in private:
            print(f"==> {path} <==\n(from {settings.tls_dir}; not shown)\n")
        return 0
    pass_start_gate(settings)
    # As the original did: the effective zoo.cfg at the top of the pod's log.
    print(files[render.zoo_cfg_path(settings)], file=sys.stderr, end="")
    if settings.tls_dir is not None:
        start_tls_watcher(settings)
    if joining is not None and password is not None:
        start_joiner(settings, joining, password)
    runtime.exec_java(command, runtime.jvm_environment(environ))


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
