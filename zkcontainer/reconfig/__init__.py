"""Dynamic membership: how a --reconfig ensemble learns, grows and shrinks its member list.

The modules, in the order a member meets them:

- model: a member and a configuration (Member, Membership), and the text
  ZooKeeper keeps them in: server lines, /zookeeper/config, dynamic files.
- decision: which configuration a starting member uses, joins or
  bootstraps, or whether it waits; a pure function of what it knows.
- startup: start-zookeeper --reconfig gathers that evidence, asks the
  decision until it is not to wait, and writes the files on the data volume.
- client: read and change a running ensemble's configuration (kazoo, as
  ZooKeeper's superuser); imported only where a change is made, never by the
  probes or a static start.
- joiner: the child start-zookeeper forks so that a joining member is added
  once it serves as a non-voting follower.
- scale: zookeeper-scale N, which removes the members above N.
- ensemble: the members a server's running config lists (zoo.cfg, and its
  dynamic file when it names one), as zookeeper-status reads them.

Whether a member is serving, and synced with its leader, is decided once, in
zkcontainer.ready (the readiness probe), which the joiner and scale ask.
The start gate (zkcontainer.startgate) is not here: it guards a volume that
lost its data, in static mode as in this one. Why a member never starts a
configuration of one, why a joiner starts without a vote, and why the files
live on the volume: docs/design.md.

Importing this package imports none of its modules, so a command pays only
for the ones it uses.
"""
