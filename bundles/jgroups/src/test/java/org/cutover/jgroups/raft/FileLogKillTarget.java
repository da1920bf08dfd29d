package org.cutover.jgroups.raft;

import java.util.Map;

import org.jgroups.protocols.raft.FileBasedLog;
import org.jgroups.protocols.raft.LogEntries;
import org.jgroups.protocols.raft.LogEntry;

/**
 * A follower's log that installs snapshots over and over, with fsync, until
 * it is killed: {@link FileLogTest} kills it with SIGKILL at a random moment
 * and opens what it left. Arguments: the log's folder and its class.
 */
public final class FileLogKillTarget {

    private FileLogKillTarget() {
    }

    public static void main(String[] args) throws Exception {
        FileBasedLog log = (FileBasedLog) Class.forName(args[1]).getDeclaredConstructor().newInstance();
        log.useFsync(true);
        log.init(args[0], Map.of());
        long index = Math.max(log.lastAppended(), 1);
        if (log.lastAppended() == 0) {
            log.append(1, new LogEntries().add(new LogEntry(1, new byte[8])));
            log.commitIndex(1);
        }
        System.out.println("ready");
        System.out.flush();
        for (long term = 2; ; term++) {
            index += 10;
            log.reinitializeTo(index, new LogEntry(term, null));
            log.append(index + 1, new LogEntries().add(new LogEntry(term, new byte[100])));
            log.append(index + 2, new LogEntries().add(new LogEntry(term, new byte[100])));
            log.commitIndex(index + 2);
            index += 2;
        }
    }
}
