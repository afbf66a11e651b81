package zkcontainer;

import java.lang.management.ManagementFactory;
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
 *
 * <p>It also creates the JVM's platform MBean server on a thread of its own while the
 * main thread sets up logging and reads the configuration. ZooKeeper registers its beans
 * there before it serves, and creating the server (the JVM's own beans for memory,
 * threads, garbage collection...) is a fifth of a standalone start's time to serving.
 * ZooKeeper's first registration finds it made, or waits for it: the call is
 * synchronized and made once.
 */
public final class QuorumPeerMain {

    /**
     * How long the hook waits for the shutdown. A shutdown that hangs must not
     * hold the JVM until the kubelet's SIGKILL at the end of the grace period.
     */
    private static final long SHUTDOWN_BOUND_MS = 2000;

    private QuorumPeerMain() {}

    public static void main(String[] args) {
        Thread mbeans = new Thread(ManagementFactory::getPlatformMBeanServer, "platform-mbean-server");
        mbeans.setDaemon(true);
        mbeans.start();
        Runtime.getRuntime().addShutdownHook(new Thread(QuorumPeerMain::leaveQuorum, "leave-quorum"));
        org.apache.zookeeper.server.quorum.QuorumPeerMain.main(args);
    }

    private static void leaveQuorum() {
        // QuorumPeerMain keeps its peer to itself; the peer is a thread, so it is found
        // among the threads. A standalone server has none: nothing to leave.
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread instanceof QuorumPeer peer && peer.isRunning()) {
                // Looked up here, not in a static field: logging's setup is the main
                // thread's first work, and the class must not start it first.
                Logger log = LoggerFactory.getLogger(QuorumPeerMain.class);
                log.info("Stopping: leaving the quorum before the JVM exits");
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
