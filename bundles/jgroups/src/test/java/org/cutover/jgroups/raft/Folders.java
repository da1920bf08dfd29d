package org.cutover.jgroups.raft;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** the tests' own folders under target/ */
final class Folders {

    private Folders() {
    }

    /** {@code dir} and everything in it, if it exists */
    static void deleteAll(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
