"""Kubernetes' Pod Security Standards, "baseline" and "restricted", as checks of a pod spec.

The rules of https://kubernetes.io/docs/concepts/security/pod-security-standards/ as
the Pod Security admission controller enforces them on the pods' fields (latest
version of each profile): `violations` lists every rule a pod breaks, so that a test
shows them all at once. Restricted includes baseline.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

Spec = Mapping[str, Any]

BASELINE_CAPABILITIES = {
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
}
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def _containers(spec: Spec) -> Iterator[Spec]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(field) or []


def baseline_violations(spec: Spec, annotations: Mapping[str, str] | None = None) -> list[str]:
    """The baseline profile's rules this pod spec breaks."""
    found = []
    pod = spec.get("securityContext") or {}
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            found.append(f"{field}: true")
    for volume in spec.get("volumes") or []:
        if "hostPath" in volume:
            found.append(f"volume {volume['name']}: hostPath")
    for sysctl in pod.get("sysctls") or []:
        if sysctl["name"] not in SAFE_SYSCTLS:
            found.append(f"sysctl {sysctl['name']}: not a safe sysctl")
    for key, value in (annotations or {}).items():
        if key.startswith(APPARMOR_ANNOTATION) and not (
            value == "runtime/default" or value.startswith("localhost/")
        ):
            found.append(f"annotation {key}: {value}")
    found += _context_violations("pod", pod)
    for container in _containers(spec):
        name = f"container {container['name']}"
        context = container.get("securityContext") or {}
        found += _context_violations(name, context)
        if context.get("privileged"):
            found.append(f"{name}: privileged")
        if context.get("procMount", "Default") != "Default":
            found.append(f"{name}: procMount {context['procMount']}")
        added = set((context.get("capabilities") or {}).get("add") or [])
        if added - BASELINE_CAPABILITIES:
            found.append(f"{name}: adds capabilities {sorted(added - BASELINE_CAPABILITIES)}")
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                found.append(f"{name}: hostPort {port['hostPort']}")
    return found


def _context_violations(name: str, context: Spec) -> list[str]:
    """Baseline's rules that pod and container security contexts share."""
    found = []
    if (context.get("windowsOptions") or {}).get("hostProcess"):
        found.append(f"{name}: windowsOptions.hostProcess")
    selinux = context.get("seLinuxOptions") or {}
    if selinux.get("type", "") not in SELINUX_TYPES:
        found.append(f"{name}: seLinuxOptions.type {selinux['type']}")
    for field in ("user", "role"):
        if selinux.get(field):
            found.append(f"{name}: seLinuxOptions.{field} set")
    if (context.get("seccompProfile") or {}).get("type") == "Unconfined":
        found.append(f"{name}: seccompProfile Unconfined")
    apparmor = (context.get("appArmorProfile") or {}).get("type")
    if apparmor not in (None, "RuntimeDefault", "Localhost"):
        found.append(f"{name}: appArmorProfile {apparmor}")
    return found


def restricted_violations(spec: Spec, annotations: Mapping[str, str] | None = None) -> list[str]:
    """The restricted profile's rules (baseline's among them) this pod spec breaks."""
    found = baseline_violations(spec, annotations)
    pod = spec.get("securityContext") or {}
    for volume in spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            found.append(f"volume {volume['name']}: {sorted(kinds - RESTRICTED_VOLUMES)}")
    if pod.get("runAsUser") == 0:
        found.append("pod: runAsUser 0")
    for container in _containers(spec):
        name = f"container {container['name']}"
        context = container.get("securityContext") or {}
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name}: allowPrivilegeEscalation is not false")
        non_root = context.get("runAsNonRoot", pod.get("runAsNonRoot"))
        if non_root is not True:
            found.append(f"{name}: runAsNonRoot is not true, in the pod or the container")
        if context.get("runAsUser") == 0:
            found.append(f"{name}: runAsUser 0")
        seccomp = (context.get("seccompProfile") or pod.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name}: seccompProfile {seccomp}, not RuntimeDefault or Localhost")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            found.append(f"{name}: capabilities do not drop ALL")
        added = set(capabilities.get("add") or [])
        if added - {"NET_BIND_SERVICE"}:
            found.append(f"{name}: adds {sorted(added - {'NET_BIND_SERVICE'})}")
    return found
