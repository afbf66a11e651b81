"""Benchmark the probe commands against the shell probes they replace.

Starts a standalone ZooKeeper with start-zookeeper (and a second one with
--tls_dir, certificates made for the run, for the probes' TLS path: what they
cost with --client_port=0), writes the launchers the
image uses (Debian's /usr/bin/python3 -IS), then runs every command in turn,
alternating, and reports the median wall time, CPU time and peak RSS of each,
with ratios against the shell command it replaces and the interpreter floor.

    python bench/probes.py [--runs 30] [--python /usr/bin/python3]
"""

from __future__ import annotations

import argparse
import compileall
import os
import py_compile
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.harness.certs import Authority, mount_secret  # noqa: E402
from tests.harness.ports import free_port  # noqa: E402
from tests.harness.zookeeper import ZooKeeperServer  # noqa: E402
from zkcontainer.launchers import write_launchers  # noqa: E402

GNU_TIME = "/usr/bin/time"


@dataclass
class Measurements:
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    failures: int = 0

    def median(self, name: str) -> float:
        return float(statistics.median(getattr(self, name)))


def spawn(argv: list[str]) -> tuple[float, resource.struct_rusage, int]:
    """Run argv with output discarded; wall seconds, its rusage and exit code."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        started = time.perf_counter()
        pid = os.posix_spawn(
            argv[0],
            argv,
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, devnull, 1),
                (os.POSIX_SPAWN_DUP2, devnull, 2),
            ],
        )
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - started
    finally:
        os.close(devnull)
    return wall, usage, os.waitstatus_to_exitcode(status)


def measure(argv: list[str]) -> tuple[float, float, int]:
    """Wall ms and CPU ms (user + system, its children included) of one run, and its exit code."""
    wall, usage, code = spawn(argv)
    return wall * 1000, (usage.ru_utime + usage.ru_stime) * 1000, code


def peak_rss_mib(argv: list[str], scratch: Path) -> float:
    """Peak RSS of argv and its children, from GNU time.

    Not from our own wait4: a child spawned by this (large) Python process
    inherits its high-water mark at exec, so every command would look as big
    as the benchmark. GNU time forks from a process of a few hundred KiB.
    """
    output = scratch / "rss"
    spawn([GNU_TIME, "-f", "%M", "-o", str(output), *argv])
    return int(output.read_text().split()[-1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--python", default="/usr/bin/python3", help="the image's interpreter")
    args = parser.parse_args()
    for tool, package in (("sh", "dash"), ("nc", "netcat-openbsd"), (GNU_TIME, "time")):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} not found (install {package})")

    work = Path(tempfile.mkdtemp(prefix="zkcontainer-bench-"))
    # cert-manager's default: an RSA 2048 key (PKCS#1) from a CA.
    secret = work / "tls"
    mount_secret(secret, Authority.make().secret(["localhost", "127.0.0.1"]))
    secure = free_port()
    server = ZooKeeperServer(root=work / "zk", client_port=free_port())
    tls_server = ZooKeeperServer(
        root=work / "zk-tls",
        client_port=free_port(),
        extra_flags=[f"--tls_dir={secret}", f"--secure_client_port={secure}"],
    )
    print("bench: starting ZooKeeper, plaintext and TLS", file=sys.stderr)
    for each in (server, tls_server):
        each.root.mkdir(parents=True)
        each.start()
    try:
        server.wait_until_serving()
        tls_server.wait_until_serving()
        print(f"bench: {args.runs} rounds of every command, alternating", file=sys.stderr)
        return run_bench(args.runs, args.python, work, server.client_port, (secret, secure))
    finally:
        server.stop()
        tls_server.stop()
        shutil.rmtree(work, ignore_errors=True)


def run_bench(runs: int, python: str, work: Path, port: int, tls: tuple[Path, int]) -> int:
    # As the image does: a copy of the package byte-compiled with unchecked
    # hashes (no stat of the sources at import), launchers with -IS on PATH.
    lib_dir = work / "lib"
    shutil.copytree(ROOT / "zkcontainer", lib_dir / "zkcontainer")
    compileall.compile_dir(
        str(lib_dir), quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    bin_dir = work / "bin"
    bin_dir.mkdir()
    write_launchers(str(bin_dir), python, str(lib_dir))
    sh, nc = shutil.which("sh") or "sh", shutil.which("nc") or "nc"
    pip_wrapper = Path(sys.executable).parent / "zookeeper-ready"

    commands: dict[str, list[str]] = {
        "floor: python3 -I -S -c pass": [python, "-I", "-S", "-c", "pass"],
        EXCHANGE: [python, "-I", "-S", "-c", RAW_EXCHANGE.format(port=port)],
        "shell: echo ruok | nc": [sh, "-c", f"echo ruok | {nc} 127.0.0.1 {port}"],
        "zookeeper-ready": [str(bin_dir / "zookeeper-ready"), str(port)],
        "zookeeper-ready --serving": [str(bin_dir / "zookeeper-ready"), "--serving", str(port)],
        "shell: echo mntr | nc": [sh, "-c", f"echo mntr | {nc} 127.0.0.1 {port}"],
        "zookeeper-metrics": [str(bin_dir / "zookeeper-metrics"), str(port)],
        "zookeeper-metrics --format prometheus": [
            str(bin_dir / "zookeeper-metrics"),
            "--format=prometheus",
            str(port),
        ],
    }
    secret, secure = tls
    tls_flags = ["--timeout=5", f"--tls_dir={secret}", str(secure)]
    commands[TLS_EXCHANGE] = [python, "-I", "-S", "-c", RAW_TLS.format(secret=secret, port=secure)]
    commands["zookeeper-ready --tls_dir"] = [str(bin_dir / "zookeeper-ready"), *tls_flags]
    commands["zookeeper-ready --serving --tls_dir"] = [
        str(bin_dir / "zookeeper-ready"),
        "--serving",
        *tls_flags,
    ]
    commands["zookeeper-metrics --tls_dir"] = [str(bin_dir / "zookeeper-metrics"), *tls_flags]
    if pip_wrapper.exists():
        commands["(pip wrapper) zookeeper-ready"] = [str(pip_wrapper), str(port)]

    results = {name: Measurements() for name in commands}
    for argv in commands.values():  # warm the page cache once, unmeasured
        measure(argv)
    for _ in range(runs):
        for name, argv in commands.items():
            wall, cpu, code = measure(argv)
            result = results[name]
            result.wall_ms.append(wall)
            result.cpu_ms.append(cpu)
            result.rss_mib.append(peak_rss_mib(argv, work))
            result.failures += code != 0

    report(results, runs, python)
    return 1 if any(r.failures for r in results.values()) else 0


FLOOR = "floor: python3 -I -S -c pass"
EXCHANGE = "floor + ruok exchange, bare _socket"
# The least any Python probe can do: the interpreter plus one ruok round trip.
RAW_EXCHANGE = (
    "import _socket\n"
    "s = _socket.socket()\n"
    "s.connect(('127.0.0.1', {port}))\n"
    "s.sendall(b'ruok')\n"
    "s.shutdown(1)\n"
    "while s.recv(4096): pass"
)
TLS_EXCHANGE = "floor + ruok exchange over TLS, bare _ssl"
# The least a Python probe can do over TLS: the same with _ssl's handshake.
RAW_TLS = (
    "import _socket, _ssl\n"
    "class S(_socket.socket): __slots__ = ('__weakref__',)\n"
    "c = _ssl._SSLContext(_ssl.PROTOCOL_TLS_CLIENT)\n"
    "c.check_hostname = False\n"
    "c.load_cert_chain('{secret}/tls.crt', '{secret}/tls.key')\n"
    "c.load_verify_locations('{secret}/ca.crt')\n"
    "s = S()\n"
    "s.connect(('127.0.0.1', {port}))\n"
    "t = c._wrap_socket(s, False, None)\n"
    "t.do_handshake()\n"
    "t.write(b'ruok')\n"
    "try:\n"
    "    while t.read(4096): pass\n"
    "except (_ssl.SSLZeroReturnError, _ssl.SSLEOFError): pass"
)
SHELL_COUNTERPART = {
    EXCHANGE: "shell: echo ruok | nc",
    "zookeeper-ready": "shell: echo ruok | nc",
    "zookeeper-ready --serving": "shell: echo ruok | nc",
    "(pip wrapper) zookeeper-ready": "shell: echo ruok | nc",
    "zookeeper-metrics": "shell: echo mntr | nc",
    "zookeeper-metrics --format prometheus": "shell: echo mntr | nc",
}


def report(results: dict[str, Measurements], runs: int, python: str) -> None:
    print(f"\n{runs} alternating runs each, interpreter {python}; medians.\n")
    print(
        "| command | wall ms | CPU ms | peak RSS MiB | wall ÷ shell | CPU ÷ shell "
        "| wall ÷ floor | wall ÷ exchange | failures |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    floor, exchange = results[FLOOR], results[EXCHANGE]
    for name, result in results.items():
        shell = results.get(SHELL_COUNTERPART.get(name, ""))
        wall, cpu = result.median("wall_ms"), result.median("cpu_ms")
        ratio_wall = f"{wall / shell.median('wall_ms'):.2f}" if shell else ""
        ratio_cpu = f"{cpu / shell.median('cpu_ms'):.2f}" if shell else ""
        over_floor = f"{wall / floor.median('wall_ms'):.2f}"
        over_exchange = f"{wall / exchange.median('wall_ms'):.2f}"
        cell = name.replace("|", "\\|")  # a Markdown table cell
        print(
            f"| {cell} | {wall:.1f} | {cpu:.1f} | {result.median('rss_mib'):.1f} "
            f"| {ratio_wall} | {ratio_cpu} | {over_floor} | {over_exchange} | {result.failures} |"
        )


if __name__ == "__main__":
    sys.exit(main())
