"""Members of a dynamic configuration, named as a StatefulSet's pods are."""

from __future__ import annotations

from zkcontainer.reconfig.model import Member


def member(server_id: int, role: str = "participant", port: int | None = 2181) -> Member:
    return Member(
        server_id,
        f"zk-{server_id - 1}.zk-hs",
        2888,
        3888,
        "observer" if role == "observer" else "participant",
        port,
    )
