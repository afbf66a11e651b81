package zkcontainer;

import org.apache.zookeeper.server.quorum.Election;
import org.apache.zookeeper.server.quorum.QuorumPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ZooKeeper's QuorumPeerMain, leaving the quorum as soon as the JVM is told to stop.
 *
 * <p>On SIGTERM the JVM runs its shutdown hooks and then, before it exits, waits about
 * 300 ms for threads blocked in native code (HotSpot's VM_Exit waits for them; a
 * ZooKeeper server always has some, in accept and select). Only the exit closes the
 * server's sockets, so followers of a leader being stopped keep waiting on it, and its
 * clients keep their connections, for that long. The hook here shuts the quorum peer
 * down first: the followers see the leader go and elect at once, and clients move to
 * another member. A transaction is acknowledged only once it is on disk, so this
 * changes nothing about what survives; SIGKILL remains safe.
 */
public final class QuorumPeerMain {
    private static final Logger LOG = LoggerFactory.getLogger(QuorumPeerMain.class);

    /**
     * How long the hook waits for the shutdown. A shutdown that hangs must not
     * hold the JVM until the kubelet's SIGKILL at the end of the grace period.
     */
    private static final long SHUTDOWN_BOUND_MS = 2000;

    private QuorumPeerMain() {}

    public static void main(String[] args) {
        Runtime.getRuntime().addShutdownHook(new Thread(QuorumPeerMain::leaveQuorum, "leave-quorum"));
        org.apache.zookeeper.server.quorum.QuorumPeerMain.main(args);
    }

    private static void leaveQuorum() {
        // QuorumPeerMain keeps its peer to itself; the peer is a thread, so it is found
        // among the threads. A standalone server has none: nothing to leave.
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread instanceof QuorumPeer peer && peer.isRunning()) {
                LOG.info("Stopping: leaving the quorum before the JVM exits");
                Thread shutdown = new Thread(() -> leave(peer), "leave-quorum-shutdown");
                shutdown.setDaemon(true);
                shutdown.start();
                try {
                    shutdown.join(SHUTDOWN_BOUND_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
        }
    }

    private static void leave(QuorumPeer peer) {
        // The election first. QuorumPeer.shutdown() stops a leader's followers
        // before its election, and until then it answers the survivors' votes as
        // LEADING: one of them would follow it and lose a round of the election.
        Election election = peer.getElectionAlg();
        if (election != null) {
            election.shutdown();
        }
        peer.shutdown();
    }
}
