"""TLS material for ZooKeeper from a kubernetes.io/tls Secret."""

from zkcontainer.tls.secret import *  # noqa: F403
