"""zkcontainer: run Apache ZooKeeper in containers on Kubernetes.

Kept empty on purpose: the probe commands import submodules of this package
and must not pay for anything here.
"""
