package org.cutover.bench;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jgroups.JChannel;
import org.jgroups.protocols.raft.RAFT;

/**
 * Prints every node's log state when one node's commit index has stayed more than {@code lag} entries behind
 * the highest for {@code seconds}: what a stalled follower and its leader's commit table looked like, for a run
 * that ends in failed sends. A daemon thread; it prints at most once per stall.
 */
final class LagWatch {

    private LagWatch() {
    }

    static void start(Map<Integer, JChannel> channels, long lag, double seconds) {
        Thread t = new Thread(() -> {
            long behindSince = 0;
            boolean printed = false;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                List<RAFT> rafts = rafts(channels.values());
                long highest = rafts.stream().mapToLong(RAFT::commitIndex).max().orElse(0);
                long lowest = rafts.stream().mapToLong(RAFT::commitIndex).min().orElse(0);
                long now = System.nanoTime();
                if (highest - lowest <= lag) {
                    behindSince = 0;
                    printed = false;
                    continue;
                }
                if (behindSince == 0) {
                    behindSince = now;
                }
                if (!printed && now - behindSince > seconds * 1e9) {
                    printed = true;
                    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                            "  lag watch: a node %d entries behind for %.1f s%n", highest - lowest, seconds));
                    for (RAFT r : rafts) {
                        sb.append("    ").append(r.raftId()).append(' ').append(r.role()).append(" term ")
                                .append(r.currentTerm()).append(" leader ").append(r.leader()).append(" commit ")
                                .append(r.commitIndex()).append(" last ").append(r.lastAppended()).append(" first ")
                                .append(r.log().firstAppended()).append(" queue ").append(r.processingQueueSize())
                                .append('\n');
                        if (r.isLeader() && r.commitTable() != null) {
                            sb.append("      commit table: ").append(r.commitTable()).append('\n');
                        }
                    }
                    System.out.print(sb);
                }
            }
        }, "lag-watch");
        t.setDaemon(true);
        t.start();
    }

    private static List<RAFT> rafts(Collection<JChannel> channels) {
        return channels.stream().map(ch -> ch.getProtocolStack().<RAFT>findProtocol(RAFT.class))
                .filter(r -> r != null).toList();
    }
}
