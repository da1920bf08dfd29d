package org.cutover.jgroups.raft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The entries a cut of the log keeps, copied whole into a file beside the log before anything is cut. RAFT
 * 1.1.4's cut copies them with one {@code FileChannel.transferTo}, ignores how much it copied, and moves the copy
 * over the log: on a full file system {@code transferTo} copied 10 of 29 MB and returned without an error (40 MB
 * tmpfs), which put the older part of the kept entries in place of the log and lost its newest ones, acknowledged
 * ones included; so did a signal that reached the thread inside the copy, on a disk with room
 * ({@code LogCutSignalTest}). Here the copy is made until every byte is in it, its size and headers are checked against the
 * log, and only then can it be moved over the log; a copy that cannot be made fails before the log or the
 * snapshot changes.
 */
final class LogCut {

    /** read size of the scan for the cut's position: RAFT's file has no index of positions on disk */
    private static final int SCAN_BUFFER = 1 << 18;

    /** the first entry the copy holds, at the start of the file */
    final long index;
    /** the last entry the copy holds */
    final long last;
    /** the log's entries file's size when it was copied: a log that changed since needs a new copy */
    final long logSize;
    final Path copy;

    private LogCut(long index, long last, long logSize, Path copy) {
        this.index = index;
        this.last = last;
        this.logSize = logSize;
        this.copy = copy;
    }

    /**
     * Entries {@code index} to {@code last} of the entries file {@code entries}, copied into {@code copy} and
     * checked; forced to disk with {@code fsync}. Null if the file starts at {@code index} (nothing to cut).
     *
     * @throws IOException if the copy cannot be made whole (no space left), or the file does not hold entries
     *                     {@code index} to {@code last} one after the other
     */
    static LogCut prepare(Path entries, Path copy, long index, long last, boolean fsync) throws IOException {
        try (FileChannel log = FileChannel.open(entries, StandardOpenOption.READ)) {
            long size = log.size();
            Span kept = find(log, size, index, last);
            if (kept.start == 0) {
                return null;
            }
            long length = kept.end - kept.start;
            try (FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                long copied = 0;
                while (copied < length) {
                    long n = log.transferTo(kept.start + copied, length - copied, out);
                    if (n <= 0) {
                        throw new IOException("copied " + copied + " of the " + length + " bytes of entries "
                                + index + ".." + last + " the cut keeps into " + copy + " (no space left?)");
                    }
                    copied += n;
                }
                if (out.size() != length) {
                    throw new IOException(copy + " holds " + out.size() + " bytes, not the " + length
                            + " of entries " + index + ".." + last);
                }
                if (fsync) {
                    out.force(false);
                }
            }
            try (FileChannel written = FileChannel.open(copy, StandardOpenOption.READ)) {
                Span whole = find(written, length, index, last);
                if (whole.start != 0 || whole.end != length) {
                    throw new IOException(copy + " does not hold entries " + index + ".." + last + " whole");
                }
            }
            return new LogCut(index, last, size, copy);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
    }

    /** moves the copy over the log's entries file */
    void moveOver(Path entries) throws IOException {
        Files.move(copy, entries, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** positions in a file: from the header of the first kept entry to the end of the last */
    private record Span(long start, long end) {
    }

    /**
     * Where entries {@code index} to {@code last} lie in {@code file} (its first {@code size} bytes). RAFT writes
     * zeros ahead of its last entry, so the entries end where a header stops making sense.
     *
     * @throws IOException if the file does not hold them, one after the other
     */
    private static Span find(FileChannel file, long size, long index, long last) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(SCAN_BUFFER);
        long bufStart = 0;
        buf.limit(0);
        long position = 0;
        long previous = -1;
        long start = -1;
        while (position + FileLog.HEADER_SIZE <= size) {
            if (position < bufStart || position + FileLog.HEADER_SIZE > bufStart + buf.limit()) {
                buf.clear();
                bufStart = position;
                while (buf.hasRemaining() && file.read(buf, bufStart + buf.position()) > 0) {
                    // until the buffer is full or the file ends
                }
                buf.flip();
                if (buf.limit() < FileLog.HEADER_SIZE) {
                    break; // the file ended sooner than its size said
                }
            }
            int at = (int) (position - bufStart);
            byte magic = buf.get(at);
            int total = buf.getInt(at + 1);
            long entry = buf.getLong(at + 13);
            int length = buf.getInt(at + 22);
            if (magic != FileLog.MAGIC || length < 0 || total != FileLog.HEADER_SIZE + length
                    || position + total > size) {
                break; // past the last entry
            }
            if (previous >= 0 && entry != previous + 1) {
                throw new IOException("entry " + entry + " follows entry " + previous + " at position " + position);
            }
            if (entry == index) {
                start = position;
            }
            previous = entry;
            position += total;
            if (entry == last) {
                break;
            }
        }
        if (start < 0 || previous != last) {
            throw new IOException("the log holds entries up to " + previous + ", not " + index + ".." + last);
        }
        return new Span(start, position);
    }
}
