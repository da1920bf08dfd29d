package org.cutover.shell.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.apache.karaf.shell.support.CommandException;

/** The bytes of the KAR {@code cluster:upgrade --kar} names: a file of this node, or a URL its handlers open. */
final class KarSource {

    /** larger than any KAR the log takes (8 MiB): reading stops there and the upgrade service says why */
    static final int READ_LIMIT = 8 * 1024 * 1024 + 1;

    private KarSource() {
    }

    static byte[] read(String where) throws CommandException {
        try (InputStream in = open(where)) {
            return in.readNBytes(READ_LIMIT);
        } catch (NoSuchFileException e) {
            throw new CommandException("--kar: no file " + where + " on this node" + (where.endsWith(".sig")
                    ? " (the KAR's signature by the cluster CA: bin/cutover-certs sign CA_DIR KAR)" : ""));
        } catch (IOException e) {
            throw new CommandException("--kar: cannot read " + where + ": " + e);
        }
    }

    /** the KAR's file name, for the reports */
    static String name(String where) {
        String path = where.replace('\\', '/');
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static InputStream open(String where) throws IOException {
        if (isUrl(where)) {
            return new URL(where).openStream();
        }
        return Files.newInputStream(Path.of(where));
    }

    private static boolean isUrl(String where) {
        int colon = where.indexOf(':');
        if (colon < 2) {
            return false; // a plain path, or a drive letter
        }
        try {
            new URL(where);
            return true;
        } catch (MalformedURLException e) {
            return false;
        }
    }
}
