package org.cutover.jgroups.raft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import org.jgroups.protocols.raft.FileBasedLog;
import org.jgroups.protocols.raft.LogEntry;

/**
 * The entries a cut of the log keeps, written whole into a file beside the log before anything is cut. RAFT
 * 1.1.4's cut copies them with one {@code FileChannel.transferTo}, ignores how much it copied, and moves the copy
 * over the log: on a full file system {@code transferTo} copied 10 of 29 MB and returned without an error (40 MB
 * tmpfs), which put the older part of the kept entries in place of the log and lost its newest ones, acknowledged
 * ones included; so did a signal that reached the thread inside the copy, on a disk with room
 * ({@code LogCutSignalTest}). Here each kept entry is read through the log and written in RAFT's format (header,
 * then bytes) until every byte is in the file, the file's size is checked, and only then can it be moved over
 * the log; a copy that cannot be made fails before the log or the snapshot changes. Reading the kept
 * entries costs what they weigh; finding where they start in the file, as RAFT's copy does from its position
 * cache, cost a scan of the whole log (16-18 ms for 62 MB).
 */
final class LogCut {

    /** entries are gathered up to this many bytes per write */
    private static final int WRITE_BUFFER = 1 << 18;

    /** the first entry the copy holds, at the start of the file */
    final long index;
    /** the last entry the copy holds */
    final long last;
    /** the size of the log's entries file when the copy was made */
    final long logSize;
    final Path copy;

    private LogCut(long index, long last, long logSize, Path copy) {
        this.index = index;
        this.last = last;
        this.logSize = logSize;
        this.copy = copy;
    }

    /**
     * Entries {@code index} to {@code last} of {@code log} (whose entries file has {@code logSize} bytes) in
     * {@code copy}, its size checked; forced to disk with {@code fsync}.
     *
     * @throws IOException if the copy cannot be made whole (no space left), or the log cannot read a kept entry
     */
    static LogCut prepare(FileBasedLog log, Path copy, long index, long last, long logSize, boolean fsync)
            throws IOException {
        try {
            long length = 0;
            try (FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.allocate(WRITE_BUFFER);
                for (long i = index; i <= last; i++) {
                    LogEntry e = log.get(i);
                    if (e == null) {
                        throw new IOException("the log cannot read entry " + i + " of the " + index + ".." + last
                                + " its cut keeps");
                    }
                    ByteBuffer data = FileLog.dataOf(e);
                    int bytes = data.remaining();
                    if (buf.remaining() < FileLog.HEADER_SIZE + bytes) {
                        writeAll(out, buf.flip());
                        buf.clear();
                    }
                    ByteBuffer header = FileLog.header(i, e.term(), e.internal(), bytes);
                    if (buf.remaining() >= FileLog.HEADER_SIZE + bytes) {
                        buf.put(header).put(data);
                    } else { // larger than the buffer
                        writeAll(out, header);
                        writeAll(out, data);
                    }
                    length += FileLog.HEADER_SIZE + bytes;
                }
                writeAll(out, buf.flip());
                if (out.size() != length) {
                    throw new IOException(copy + " holds " + out.size() + " bytes, not the " + length
                            + " of entries " + index + ".." + last);
                }
                if (fsync) {
                    out.force(false);
                }
            }
            return new LogCut(index, last, logSize, copy);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
    }

    /** moves the copy over the log's entries file */
    void moveOver(Path entries) throws IOException {
        Files.move(copy, entries, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** every byte written, or an exception: a write may take part of what it is given (a signal, a full disk) */
    private static void writeAll(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (out.write(b) <= 0) {
                throw new IOException("a write of " + b.remaining() + " bytes took none (no space left?)");
            }
        }
    }
}
