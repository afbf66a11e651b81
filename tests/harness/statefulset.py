"""Run a Kubernetes StatefulSet's pods in a Docker engine, as the controller and kubelet would.

Given a pod template (the dict under `spec.template` of a StatefulSet
manifest), pods are containers named `<sts>-<i>` with hostname `<sts>-<i>`,
domain `<serviceName>.<namespace>.svc.cluster.local` and a DNS alias for that
FQDN on a user-defined network; each volumeClaimTemplate is a named volume per
ordinal that outlives the pod, like a PVC; an emptyDir is a fresh named volume
per pod incarnation. The security
context (runAsUser/Group, fsGroup, readOnlyRootFilesystem, capabilities,
allowPrivilegeEscalation), memory and CPU limits are applied; startup,
liveness and readiness exec probes run through `docker exec` on their
period, with their timeout and thresholds, and every result is recorded. As
in the kubelet, a startupProbe runs until it first succeeds and neither of
the others runs before; it then stops; failing its threshold is a liveness
failure.

The namespace is the manifest's own (metadata.namespace) unless given. A
Service selecting the pods is a DNS name every pod answers to
(`services`), and a bare Pod, such as a `helm test` hook, runs to completion
beside them (`run_pod`) with a pod's DNS search path.

What the controller does to a running set is here too: `scale` (new pods
together under podManagementPolicy Parallel, one Ready at a time under
OrderedReady; a scale-down removes the highest ordinals and keeps their
volumes, as PVCs are kept), `rolling_restart` (highest ordinal first,
each Ready before the next) and `set_image` (pods recreated from then on run
the new image). A Secret volume is a read-only bind mount of a
directory of this machine laid out as the kubelet lays one out
(tests/harness/certs.py `mount_secret`), given per Secret name (`secrets`);
`cut` moves a pod onto a network of its own, where no peer resolves or
answers, until `heal`, and a pod created while cut starts there. With
`ipv6_only` the pods' and Services' names resolve to IPv6 addresses alone, as
in an IPv6-only cluster (tests/harness/ipv6.py).

Not emulated: restarting a container whose liveness probe fails (tests call
`restart` themselves), Services' virtual IPs and ports (a Service name
resolves to the pods, round robin), and any API server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors
from docker.models.containers import Container
from docker.models.networks import Network
from docker.types import IPAMConfig, IPAMPool, Mount

from tests.harness.ipv6 import RESOLV_CONF, HostEntry, Ipv6Plan, hosts_file
from zkcontainer.fourlw import address_label

LABEL = "zkcontainer.test"  # on every container, network and volume the harness makes
# Who made it: a process id, or a name for what outlives its process (make demo).
# Leftovers are what processes that no longer exist made.
OWNER = "zkcontainer.test.owner"
CLUSTER_DOMAIN = "svc.cluster.local"


@dataclass
class ProbeResult:
    at: float
    kind: str  # startup | liveness | readiness
    ok: bool
    output: str


@dataclass
class Probe:
    """An exec probe from a container spec, with Kubernetes' defaults."""

    kind: str
    command: list[str]
    period: float = 10
    timeout: float = 1
    failure_threshold: int = 3
    success_threshold: int = 1
    initial_delay: float = 0

    @classmethod
    def from_spec(cls, kind: str, spec: Mapping[str, Any]) -> Probe:
        if "exec" not in spec:
            raise ValueError(f"{kind} probe: only exec probes are supported")
        return cls(
            kind=kind,
            command=list(spec["exec"]["command"]),
            period=spec.get("periodSeconds", 10),
            timeout=spec.get("timeoutSeconds", 1),
            failure_threshold=spec.get("failureThreshold", 3),
            success_threshold=spec.get("successThreshold", 1),
            initial_delay=spec.get("initialDelaySeconds", 0),
        )


@dataclass
class Pod:
    name: str
    ordinal: int
    fqdn: str
    container: Container | None = None
    started_at: float = 0.0
    incarnation: int = 0
    ready: bool = False
    live: bool = True
    started: bool = False  # the startup probe succeeded (set at start without one)
    results: list[ProbeResult] = field(default_factory=list)
    streaks: dict[str, tuple[bool, int]] = field(default_factory=dict)
    next_probe: dict[str, float] = field(default_factory=dict)

    def record(self, probe: Probe, ok: bool, output: str) -> None:
        self.results.append(ProbeResult(time.monotonic(), probe.kind, ok, output))
        last, count = self.streaks.get(probe.kind, (ok, 0))
        count = count + 1 if last == ok else 1
        self.streaks[probe.kind] = (ok, count)
        threshold = probe.success_threshold if ok else probe.failure_threshold
        if probe.kind == "startup":
            # Kubernetes requires successThreshold 1 for startup: one success is enough.
            if ok:
                self.started = True
            elif count >= threshold:
                self.live = False
        elif count >= threshold:
            if probe.kind == "readiness":
                self.ready = ok
            else:
                self.live = ok


class StatefulSet:
    """The pods of one StatefulSet manifest, run in a Docker engine."""

    def __init__(
        self,
        manifest: Mapping[str, Any],
        image: str,
        namespace: str | None = None,
        replicas: int | None = None,
        client: docker.DockerClient | None = None,
        run_id: str | None = None,
        publish: Sequence[int] = (),
        owner: str | None = None,
        services: Sequence[str] = (),
        secrets: Mapping[str, str] | None = None,
        ipv6_only: bool = False,
        claims: Mapping[str, str] | None = None,
    ) -> None:
        """`publish`: container ports to publish on random 127.0.0.1 ports (not a Kubernetes
        notion; lets a host tool such as nc reach a pod). `owner`: what to label as the
        owner instead of this process, for pods that outlive it (make demo). `services`:
        names of Services that select these pods; each resolves to them. `secrets`: Secret
        name -> a directory of this machine holding its files as the kubelet mounts them.
        `ipv6_only`: every pod and Service name resolves to the pods' IPv6 addresses alone.
        `claims`: PersistentVolumeClaims made beforehand, claim name -> a Docker volume,
        which every pod naming the claim mounts (as a ReadWriteMany claim would be)."""
        self.client = client or docker.from_env()
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.publish = publish
        self.secrets: Mapping[str, str] = secrets or {}
        self.existing_claims: dict[str, str] = dict(claims or {})
        self.owner = owner or str(os.getpid())
        spec = manifest["spec"]
        self.name: str = manifest["metadata"]["name"]
        self.namespace = namespace or manifest["metadata"].get("namespace", "default")
        self.replicas: int = replicas if replicas is not None else spec.get("replicas", 1)
        self.domain = f"{spec['serviceName']}.{self.namespace}.{CLUSTER_DOMAIN}"
        self.service_names = [f"{name}.{self.namespace}.{CLUSTER_DOMAIN}" for name in services]
        self.ordered_ready = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        self.template: Mapping[str, Any] = spec["template"]
        self.claims = [claim["metadata"]["name"] for claim in spec.get("volumeClaimTemplates", [])]
        self.image = image
        pod_spec = self.template["spec"]
        self.container_spec: Mapping[str, Any] = pod_spec["containers"][0]
        self.grace: float = pod_spec.get("terminationGracePeriodSeconds", 30)
        self.pod_security: Mapping[str, Any] = pod_spec.get("securityContext", {})
        self.volumes = {volume["name"]: volume for volume in pod_spec.get("volumes", [])}
        self.probes = [
            Probe.from_spec(kind, self.container_spec[key])
            for kind, key in (
                ("startup", "startupProbe"),
                ("liveness", "livenessProbe"),
                ("readiness", "readinessProbe"),
            )
            if key in self.container_spec
        ]
        self.pods = [self._new_pod(i) for i in range(self.replicas)]
        self.network: Network | None = None
        self._cut_network: Network | None = None
        self._cut: set[int] = set()  # ordinals on the cut network instead of the set's
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._prober: threading.Thread | None = None
        self.ipv6 = Ipv6Plan.for_run(self.run_id) if ipv6_only else None
        self._hosts_dir: str | None = None  # each pod's /etc/hosts, with ipv6_only

    # -- lifecycle -----------------------------------------------------------------

    def start(self, ready_timeout: float = 180) -> None:
        """Create the network and every pod: in parallel, or each once the previous is Ready."""
        self.network = self.client.networks.create(
            f"{self.name}-{self.run_id}", driver="bridge", labels=self.labels(), **self._ipv6_net()
        )
        self._prober = threading.Thread(target=self._probe_forever, daemon=True)
        self._prober.start()
        if self.ordered_ready:
            for pod in self.pods:
                self._create(pod)
                self._start(pod)
                self.wait_ready([pod.ordinal], ready_timeout)
            return
        # Parallel: create every pod (volumes, network names) first, then start them
        # together, so no member's start waits on the harness preparing another.
        for pod in self.pods:
            self._create(pod)
        for pod in self.pods:
            self._start(pod)

    def _ipv6_net(self) -> dict[str, Any]:
        if self.ipv6 is None:
            return {}
        self._hosts_dir = tempfile.mkdtemp(prefix=f"zk-hosts-{self.run_id}-")
        with open(os.path.join(self._hosts_dir, "resolv.conf"), "w") as file:
            file.write(RESOLV_CONF)
        pool = IPAMPool(subnet=self.ipv6.subnet)
        return {"enable_ipv6": True, "ipam": IPAMConfig(pool_configs=[pool])}

    def _new_pod(self, ordinal: int) -> Pod:
        return Pod(f"{self.name}-{ordinal}", ordinal, f"{self.name}-{ordinal}.{self.domain}")

    def scale(self, replicas: int, ready_timeout: float = 180) -> None:
        """`kubectl scale statefulset --replicas`: as the controller does it.

        Up: the new ordinals are created and started together under Parallel (each
        on the volumes an earlier pod of that ordinal left, if any), and one at a
        time, each Ready before the next, under OrderedReady; the call returns once
        they are started (Parallel) or Ready (OrderedReady). Down: the highest
        ordinals are deleted (SIGTERM and the grace period), all at once under
        Parallel, highest first under OrderedReady; their volumes stay.
        """
        if replicas > self.replicas:
            new = [self._new_pod(i) for i in range(self.replicas, replicas)]
            with self._lock:
                self.pods = [*self.pods, *new]
                self.replicas = replicas
            if self.ordered_ready:
                for pod in new:
                    self._create(pod)
                    self._start(pod)
                    self.wait_ready([pod.ordinal], ready_timeout)
                return
            for pod in new:
                self._create(pod)
            for pod in new:
                self._start(pod)
            return
        leaving = list(reversed(self.pods[replicas:]))
        if self.ordered_ready:
            for pod in leaving:
                self._remove_pod(pod)
        else:
            threads = [threading.Thread(target=self._remove_pod, args=(pod,)) for pod in leaving]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        with self._lock:
            self.pods = self.pods[:replicas]
            self.replicas = replicas
        self._write_hosts()

    def upgrade(self, manifest: Mapping[str, Any], ready_timeout: float = 180) -> None:
        """`helm upgrade` changing the template and the replica count, as the controller
        applies it: pods added by the new count start from the new template at once
        (`scale`); the pods already running keep the old one until `rolling_restart`,
        which the controller starts only once every new pod is Ready."""
        changed = StatefulSet(manifest, self.image, client=self.client, run_id=self.run_id)
        self.template, self.container_spec = changed.template, changed.container_spec
        self.grace, self.pod_security = changed.grace, changed.pod_security
        self.volumes, self.probes, self.claims = changed.volumes, changed.probes, changed.claims
        self.scale(changed.replicas, ready_timeout)

    def set_image(self, image: str) -> None:
        """`kubectl set image` (`helm upgrade` with a new image tag): the template's image
        changes; each pod runs it once recreated (`delete`, `rolling_restart`), the others
        keep the one they were created from, as the controller leaves them."""
        self.image = image

    def _remove_pod(self, pod: Pod) -> None:
        """Delete the pod for good: stopped within its grace period, then removed."""
        container = pod.container
        if container is None:
            return
        container.stop(timeout=int(self.grace))
        container.remove(force=True)
        with self._lock:
            pod.container, pod.ready = None, False
        self._cut.discard(pod.ordinal)

    def rolling_restart(self, ready_timeout: float = 180) -> None:
        """A RollingUpdate of the template (`kubectl rollout restart`): each pod deleted
        and recreated on its volumes, highest ordinal first, the next only once the
        new one is Ready."""
        for pod in reversed(list(self.pods)):
            self.delete(pod.ordinal)
            self.wait_ready([pod.ordinal], ready_timeout)

    def stop_probing(self) -> None:
        """Stop running probes; the pods keep running."""
        self._stop.set()
        if self._prober is not None:
            self._prober.join(30)

    def teardown(self) -> None:
        self.stop_probing()
        remove_everything(self.client, self.run_id)
        if self._hosts_dir is not None:
            shutil.rmtree(self._hosts_dir, ignore_errors=True)

    def labels(self) -> dict[str, str]:
        return labels(self.run_id, self.owner)

    def _image_user(self) -> str:
        return str(self.client.images.get(self.image).attrs["Config"].get("User") or "")

    def _volume_name(self, claim: str, pod: Pod) -> str:
        return f"{claim}-{pod.name}-{self.run_id}"

    def _create(self, pod: Pod) -> None:
        spec = self.container_spec
        security = {**self.pod_security, **spec.get("securityContext", {})}
        mounts = self._mounts(pod, security)
        if self._hosts_dir is not None:
            self._write_hosts()
            hosts = os.path.join(self._hosts_dir, pod.name)
            resolver = os.path.join(self._hosts_dir, "resolv.conf")
            mounts.append(Mount("/etc/hosts", hosts, type="bind", read_only=True))
            mounts.append(Mount("/etc/resolv.conf", resolver, type="bind", read_only=True))
        options: dict[str, Any] = {
            **self._run_options(pod.name, spec, security),
            "name": pod.name + f"-{self.run_id}",
            "hostname": pod.name,
            "domainname": self.domain,
            "environment": self._environment(pod),
            "mounts": mounts,
            "labels": {**self.labels(), "pod": pod.name},
            "ports": {f"{port}/tcp": ("127.0.0.1", None) for port in self.publish},
        }
        container = self.client.containers.create(self.image, **options)
        if self.network is not None:
            # Aliases are per network endpoint: reconnect with the FQDN as the pod's DNS name.
            self.network.disconnect(container)
            if pod.ordinal in self._cut:
                self._cut_off().connect(container)
            else:
                self._attach(container, pod)
        with self._lock:
            pod.container = container

    def _run_options(
        self, name: str, spec: Mapping[str, Any], security: Mapping[str, Any]
    ) -> dict[str, Any]:
        """What a container spec and its effective security context make of `docker run`."""
        uid = security.get("runAsUser")
        if security.get("runAsNonRoot") and str(uid or self._image_user()) in ("0", "root", ""):
            raise ValueError(f"{name}: runAsNonRoot, but the container would run as root")
        gid = security.get("runAsGroup", 0 if uid is not None else None)
        fs_group = security.get("fsGroup")
        limits = spec.get("resources", {}).get("limits", {})
        capabilities = security.get("capabilities", {})
        options: dict[str, Any] = {
            "user": None if uid is None else f"{uid}:{gid}",
            "group_add": [str(fs_group)] if fs_group is not None else None,
            "read_only": bool(security.get("readOnlyRootFilesystem")),
            "cap_drop": capabilities.get("drop"),
            "cap_add": capabilities.get("add"),
            "security_opt": (
                ["no-new-privileges"] if security.get("allowPrivilegeEscalation") is False else None
            ),
            "mem_limit": quantity_bytes(limits["memory"]) if "memory" in limits else None,
            "nano_cpus": int(_cpus(limits["cpu"]) * 1e9) if "cpu" in limits else None,
            "network": self.network.name if self.network else None,
            "detach": True,
        }
        if "command" in spec:
            options["entrypoint"] = spec["command"]
        if "args" in spec:
            options["command"] = spec["args"]
        return options

    def _start(self, pod: Pod) -> None:
        """Start (or restart) the pod's container, its probe history starting afresh."""
        with self._lock:
            pod.ready, pod.live, pod.streaks, pod.next_probe = False, True, {}, {}
            pod.started = "startupProbe" not in self.container_spec
        assert pod.container is not None
        pod.container.start()
        pod.started_at = time.monotonic()

    def _mounts(self, pod: Pod, security: Mapping[str, Any]) -> list[Mount]:
        """Named volumes: one per claim and ordinal (kept, like a PVC), one per emptyDir and
        pod incarnation (fresh, like an emptyDir)."""
        mounts: list[Mount] = []
        fs_group = security.get("fsGroup")
        pod.incarnation += 1
        for mount in self.container_spec.get("volumeMounts", []):
            name, path = mount["name"], mount["mountPath"]
            if "subPath" in mount:
                raise ValueError(f"volume {name}: subPath mounts are not emulated")
            secret = self.volumes.get(name, {}).get("secret")
            if secret is not None and secret["secretName"] in self.secrets:
                # A Secret volume is always read-only, whatever the mount says.
                source = self.secrets[secret["secretName"]]
                mounts.append(Mount(path, source, type="bind", read_only=True))
                continue
            if name in self.claims:
                volume = self._volume_name(name, pod)
                self._provision(volume, fs_group, mode="2775" if fs_group is not None else None)
            elif self._existing_claim(self.volumes.get(name, {})) is not None:
                mounts.append(self._claim_mount(self.volumes[name], mount))
                continue
            elif "emptyDir" in self.volumes.get(name, {}):
                volume = f"{self._volume_name(name, pod)}-{pod.incarnation}"
                self._provision(volume, fs_group, mode="2777" if fs_group is not None else "777")
            else:
                raise ValueError(
                    f"volume {name}: only volumeClaimTemplates, emptyDir, given secrets and claims"
                )
            # no_copy: both start empty; Docker would otherwise copy the image's files in.
            mounts.append(
                Mount(
                    path, volume, type="volume", read_only=bool(mount.get("readOnly")), no_copy=True
                )
            )
        return mounts

    def make_claim(self, claim: str) -> str:
        """A claim made beforehand for these pods (and any StatefulSet given it in
        `claims`), provisioned as the kubelet would for their fsGroup; its Docker volume."""
        volume = f"{claim}-{self.run_id}"
        fs_group = self.pod_security.get("fsGroup")
        self._provision(volume, fs_group, mode="2775" if fs_group is not None else None)
        self.existing_claims[claim] = volume
        return volume

    def _existing_claim(self, volume: Mapping[str, Any]) -> str | None:
        """The Docker volume of a persistentVolumeClaim volume given in `claims`."""
        claim = volume.get("persistentVolumeClaim")
        if claim is None:
            return None
        if claim["claimName"] not in self.existing_claims:
            raise ValueError(f"claim {claim['claimName']}: not among the claims given")
        return self.existing_claims[claim["claimName"]]

    def _claim_mount(self, volume: Mapping[str, Any], mount: Mapping[str, Any]) -> Mount:
        source = self._existing_claim(volume)
        read_only = bool(mount.get("readOnly") or volume["persistentVolumeClaim"].get("readOnly"))
        return Mount(mount["mountPath"], source, type="volume", read_only=read_only, no_copy=True)

    def _provision(self, volume: str, fs_group: int | None, mode: str | None) -> None:
        """A volume's first use, as the kubelet prepares it: with fsGroup, owned by that group."""
        try:
            self.client.volumes.get(volume)
            return
        except docker.errors.NotFound:
            self.client.volumes.create(volume, labels=self.labels())
        steps = []
        if fs_group is not None:
            steps.append(f"chgrp {fs_group} /v")
        if mode is not None:
            steps.append(f"chmod {mode} /v")
        if steps:
            self.client.containers.run(
                self.image,
                entrypoint=["sh", "-c", " && ".join(steps)],
                user="0",
                mounts=[Mount("/v", volume, type="volume", no_copy=True)],
                labels=self.labels(),
                remove=True,
            )

    def _environment(self, pod: Pod) -> dict[str, str]:
        fields = {"metadata.name": pod.name, "metadata.namespace": self.namespace}
        environment = {}
        for variable in self.container_spec.get("env", []):
            if "value" in variable:
                environment[variable["name"]] = str(variable["value"])
            else:
                field_path = variable["valueFrom"]["fieldRef"]["fieldPath"]
                environment[variable["name"]] = fields[field_path]
        return environment

    # -- what a test does to pods -------------------------------------------------------

    def pod(self, ordinal: int) -> Pod:
        return self.pods[ordinal]

    def container(self, ordinal: int) -> Container:
        container = self.pods[ordinal].container
        assert container is not None, f"{self.pods[ordinal].name} has no container"
        return container

    def delete(self, ordinal: int) -> float:
        """`kubectl delete pod`: SIGTERM, grace period, then the controller recreates it."""
        elapsed = self.stop(ordinal)
        self.container(ordinal).remove(force=True)
        self.restart_as_new(ordinal)
        return elapsed

    def restart_as_new(self, ordinal: int) -> None:
        """The controller's new pod for a removed one: same name, same volumes."""
        self._create(self.pods[ordinal])
        self._start(self.pods[ordinal])

    def kill(self, ordinal: int) -> None:
        """SIGKILL the pod's main process; the container stays down until `restart`."""
        container = self.container(ordinal)
        container.kill()
        container.wait(timeout=30)
        with self._lock:
            self.pods[ordinal].ready = False

    def stop(self, ordinal: int, grace: float | None = None) -> float:
        """SIGTERM, then SIGKILL after the grace period; returns the seconds it took."""
        container = self.container(ordinal)
        started = time.monotonic()
        container.stop(timeout=int(grace if grace is not None else self.grace))
        with self._lock:
            self.pods[ordinal].ready = False
        return time.monotonic() - started

    def restart(self, ordinal: int) -> None:
        """The kubelet restarting a stopped container: same pod, same volumes."""
        self._start(self.pods[ordinal])

    def disconnect(self, ordinal: int) -> None:
        assert self.network is not None
        self.network.disconnect(self.container(ordinal))

    def reconnect(self, ordinal: int) -> None:
        assert self.network is not None
        self._attach(self.container(ordinal), self.pods[ordinal])

    def _attach(self, container: Container, pod: Pod) -> None:
        """On the set's network under the pod's names: DNS aliases, or with ipv6_only its
        fixed IPv6 address, which the pods' hosts files name."""
        assert self.network is not None
        if self.ipv6 is None:
            self.network.connect(container, aliases=[pod.fqdn, *self.service_names])
        else:
            self.network.connect(container, ipv6_address=self.ipv6.address(pod.ordinal))

    def _write_hosts(self) -> None:
        """Every pod's /etc/hosts, naming the pods the set has now. Written in place: a
        bind-mounted file is its inode."""
        if self._hosts_dir is None or self.ipv6 is None:
            return
        entries = [
            HostEntry(self.ipv6.address(pod.ordinal), pod.fqdn, pod.name) for pod in self.pods
        ]
        for pod, own in zip(self.pods, entries, strict=True):
            with open(os.path.join(self._hosts_dir, pod.name), "w") as file:
                file.write(hosts_file(own, entries, self.service_names))

    def cut(self, ordinal: int) -> None:
        """Cut the pod off its peers: moved onto a network of its own (DNS answers there,
        but no peer's name resolves and no peer is reachable), where it stays across
        restarts and a new pod of that ordinal starts, until `heal`."""
        assert self.network is not None
        container = self.container(ordinal)
        self._cut_off().connect(container)
        self.network.disconnect(container)
        self._cut.add(ordinal)

    def heal(self, ordinal: int) -> None:
        """Back on the set's network, under its own names."""
        assert self.network is not None
        container = self.container(ordinal)
        self._attach(container, self.pods[ordinal])
        self._cut_off().disconnect(container)
        self._cut.discard(ordinal)

    def _cut_off(self) -> Network:
        if self._cut_network is None:
            self._cut_network = self.client.networks.create(
                f"{self.name}-{self.run_id}-cut",
                driver="bridge",
                internal=True,
                labels=self.labels(),
            )
        return self._cut_network

    def container_run(self, ordinal: int) -> tuple[str, str, int]:
        """The pod's container id, when it last started and how often Docker restarted
        it: the same later means the pod has run throughout, without a restart."""
        container = self.container(ordinal)
        container.reload()
        state = container.attrs["State"]
        return container.id or "", str(state["StartedAt"]), int(container.attrs["RestartCount"])

    def on_volume(self, claim: str, ordinal: int, script: str) -> str:
        """Run `script` (sh, as root) on a pod's claim volume, mounted at /v, with the
        pod down or gone (an operator's debug pod); returns its output."""
        output: bytes = self.client.containers.run(
            self.image,
            entrypoint=["sh", "-c", script],
            user="0",
            mounts=[Mount("/v", self._volume_name(claim, self._new_pod(ordinal)), type="volume")],
            labels=self.labels(),
            remove=True,
        )
        return output.decode(errors="replace")

    def on_claim(self, claim: str, script: str) -> bytes:
        """Run `script` (sh, as root) on a claim made beforehand, mounted at /v; its output."""
        output: bytes = self.client.containers.run(
            self.image,
            entrypoint=["sh", "-c", script],
            user="0",
            mounts=[Mount("/v", self.existing_claims[claim], type="volume", no_copy=True)],
            labels=self.labels(),
            remove=True,
        )
        return output

    def exec(self, ordinal: int, command: Sequence[str] | str) -> tuple[int, str]:
        argv = ["sh", "-c", command] if isinstance(command, str) else list(command)
        result = self.container(ordinal).exec_run(argv, demux=False)
        return result.exit_code, (result.output or b"").decode(errors="replace")

    def address(self, ordinal: int) -> str:
        container = self.container(ordinal)
        container.reload()
        networks = container.attrs["NetworkSettings"]["Networks"]
        assert self.network is not None
        key = "IPAddress" if self.ipv6 is None else "GlobalIPv6Address"
        return str(networks[self.network.name][key])

    def host_port(self, ordinal: int, port: int) -> int:
        """The 127.0.0.1 port a published container port landed on."""
        container = self.container(ordinal)
        container.reload()
        return int(container.attrs["NetworkSettings"]["Ports"][f"{port}/tcp"][0]["HostPort"])

    def connect_string(self, port: int = 2181, ordinals: Iterator[int] | None = None) -> str:
        chosen = range(self.replicas) if ordinals is None else ordinals
        return ",".join(address_label(self.address(i), port) for i in chosen)

    def run_pod(self, manifest: Mapping[str, Any], timeout: float = 120) -> tuple[int, str]:
        """Run a bare Pod's one container in this namespace until it exits, as the kubelet
        would a `helm test` hook; returns its exit code and output. Its DNS search path
        and ndots are a pod's, so `<pod>.<service>` and `<service>` resolve as in a
        cluster, and no name leaves the network unqualified."""
        pod_spec = manifest["spec"]
        (spec,) = pod_spec["containers"]
        security = {**pod_spec.get("securityContext", {}), **spec.get("securityContext", {})}
        name = manifest["metadata"]["name"]
        container = self.client.containers.create(
            self.image,
            **self._run_options(name, spec, security),
            mounts=self._pod_mounts(pod_spec, spec, security.get("fsGroup")),
            name=f"{name}-{self.run_id}",
            hostname=name,
            dns_search=[f"{self.namespace}.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN],
            dns_opt=["ndots:5"],
            labels={**self.labels(), "pod": name},
        )
        try:
            container.start()
            code = int(container.wait(timeout=timeout)["StatusCode"])
            return code, container.logs().decode(errors="replace")
        finally:
            container.remove(force=True)

    def _pod_mounts(
        self, pod_spec: Mapping[str, Any], spec: Mapping[str, Any], fs_group: int | None
    ) -> list[Mount]:
        """A bare pod's volumes: given claims and secrets, and fresh emptyDirs."""
        volumes = {volume["name"]: volume for volume in pod_spec.get("volumes", [])}
        mounts = []
        for mount in spec.get("volumeMounts", []):
            volume = volumes[mount["name"]]
            if self._existing_claim(volume) is not None:
                mounts.append(self._claim_mount(volume, mount))
            elif "secret" in volume and volume["secret"]["secretName"] in self.secrets:
                source = self.secrets[volume["secret"]["secretName"]]
                mounts.append(Mount(mount["mountPath"], source, type="bind", read_only=True))
            elif "emptyDir" in volume:
                name = f"{mount['name']}-{uuid.uuid4().hex[:8]}-{self.run_id}"
                self._provision(name, fs_group, mode="2777" if fs_group is not None else "777")
                mounts.append(Mount(mount["mountPath"], name, type="volume", no_copy=True))
            else:
                raise ValueError(f"volume {mount['name']}: not emulated for a bare pod")
        return mounts

    def logs(self, ordinal: int) -> str:
        container = self.pods[ordinal].container
        if container is None:
            return ""
        with contextlib.suppress(docker.errors.NotFound):
            return container.logs().decode(errors="replace")
        return ""

    # -- readiness ------------------------------------------------------------------------

    def wait_ready(self, ordinals: Sequence[int] | None = None, timeout: float = 180) -> float:
        """Wait until the readiness probe holds for every chosen pod; returns seconds waited.

        A container that exits fails the wait at once, with its last log lines: the
        kubelet would only restart it into the same failure.
        """
        chosen = list(range(self.replicas)) if ordinals is None else list(ordinals)

        def all_ready() -> bool:
            for i in chosen:
                container = self.container(i)
                container.reload()
                if container.status == "exited":
                    raise AssertionError(f"{self.pods[i].name} exited:\n{self.logs(i)[-2000:]}")
            return all(self.pods[i].ready for i in chosen)

        return wait_for(
            all_ready,
            timeout,
            lambda: f"not Ready: {[self.pods[i].name for i in chosen if not self.pods[i].ready]}",
        )

    def _probe_forever(self) -> None:
        while not self._stop.wait(0.2):
            for pod in self.pods:
                for probe in self.probes:
                    self._maybe_probe(pod, probe)

    def _maybe_probe(self, pod: Pod, probe: Probe) -> None:
        now = time.monotonic()
        container = pod.container
        if container is None or now < pod.started_at + probe.initial_delay:
            return
        # Until the startup probe succeeds only it runs; after, only the others.
        if pod.started == (probe.kind == "startup"):
            return
        if now < pod.next_probe.get(probe.kind, 0):
            return
        pod.next_probe[probe.kind] = now + probe.period
        ok, output = self._run_probe(container, probe)
        with self._lock:
            if pod.container is container:
                pod.record(probe, ok, output)

    def _run_probe(self, container: Container, probe: Probe) -> tuple[bool, str]:
        """`docker exec` the probe; a probe exceeding timeoutSeconds fails, as in the kubelet."""
        outcome: list[tuple[bool, str]] = []

        def run() -> None:
            try:
                result = container.exec_run(probe.command)
                output = (result.output or b"").decode(errors="replace")
                outcome.append((result.exit_code == 0, output))
            except docker.errors.APIError as error:  # container not running
                outcome.append((False, str(error)))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(probe.timeout + 0.5)  # docker exec's own start costs some 100 ms
        return outcome[0] if outcome else (False, f"timed out after {probe.timeout}s")


def wait_for(
    condition: Callable[[], bool], timeout: float, describe: Callable[[], str], step: float = 0.25
) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"after {timeout}s: {describe()}")
        time.sleep(step)
    return time.monotonic() - started


def labels(run_id: str, owner: str | None = None) -> dict[str, str]:
    """Labels for everything the harness makes: its run, and who owns it (by default
    this process)."""
    return {LABEL: run_id, OWNER: owner or str(os.getpid())}


def remove_everything(client: docker.DockerClient, run_id: str) -> None:
    """Remove one run's containers, networks and volumes."""
    _remove(client, f"{LABEL}={run_id}", lambda _labels: True)


def remove_leftovers(client: docker.DockerClient) -> None:
    """Remove what runs of processes that no longer exist left behind (an interrupted
    test session), never what a live session on the same engine is using."""
    _remove(client, LABEL, lambda found: _dead_process(found.get(OWNER, "")))


def _dead_process(owner: str) -> bool:
    return owner.isdigit() and not _alive(owner)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(
    client: docker.DockerClient, selector: str, wanted: Callable[[dict[str, str]], bool]
) -> None:
    for container in client.containers.list(all=True, filters={"label": selector}):
        if wanted(container.labels):
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                container.remove(force=True, v=False)
    for network in client.networks.list(filters={"label": selector}):
        if wanted(network.attrs.get("Labels") or {}):
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                network.remove()
    for volume in client.volumes.list(filters={"label": selector}):
        if wanted(volume.attrs.get("Labels") or {}):
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                volume.remove(force=True)


_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6, "G": 10**9}


def quantity_bytes(quantity: str) -> int:
    """A Kubernetes memory quantity in bytes: 1Gi = 2**30, 1G = 10**9."""
    for suffix, factor in _UNITS.items():
        if quantity.endswith(suffix):
            return int(float(quantity[: -len(suffix)]) * factor)
    return int(quantity)


def _cpus(quantity: str | float) -> float:
    text = str(quantity)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)
