"""TLS material for ZooKeeper from a kubernetes.io/tls Secret, checked before the exec.

ZooKeeper's PEM reader takes one key store file holding a PKCS#8 key and the
certificate chain, and fails on the PKCS#1 (`BEGIN RSA PRIVATE KEY`) keys
cert-manager writes for RSA and on SEC1 (`BEGIN EC PRIVATE KEY`) keys. A bad
key does not stop ZooKeeper from starting: its ports bind and every TLS
connection fails. So start-zookeeper reads the Secret itself (a small DER
reader and writer, standard library only), refuses what ZooKeeper would
choke on with one line per problem, and writes what ZooKeeper reads into a
directory of its own: never the Secret's mount, whose updates ZooKeeper's
file watcher misses (only the `..data` symlink changes).

The modules, each resting on those before it: `der` (the encoding), `pem`
(its text armour), `keys` and `x509` (private keys and certificates),
`secret` (the Secret's files checked and turned into stores) and `rotation`
(the stores rewritten as the Secret changes). Importers name the module.
"""


class TlsProblem(ValueError):
    """A file of the Secret that ZooKeeper could not use; the message says why."""
