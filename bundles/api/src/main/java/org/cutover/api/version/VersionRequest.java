package org.cutover.api.version;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a check or an adjust is asked for.
 *
 * @param groups    the groups named; empty when {@code all}
 * @param all       every group of the cluster
 * @param target    the level to move to; empty means the groups' potential level
 * @param downgrade whether a move to a lower level is asked for explicitly
 */
public record VersionRequest(Set<String> groups, boolean all, OptionalInt target, boolean downgrade) {

    public VersionRequest {
        groups = Set.copyOf(new TreeSet<>(Objects.requireNonNull(groups, "groups")));
        Objects.requireNonNull(target, "target");
        if (all && !groups.isEmpty()) {
            throw new IllegalArgumentException("name groups or ask for all of them, not both");
        }
        if (!all && groups.isEmpty()) {
            throw new IllegalArgumentException("name at least one group, or ask for all of them");
        }
    }

    public static VersionRequest of(int target, String... groups) {
        return new VersionRequest(Set.of(groups), false, OptionalInt.of(target), false);
    }

    public static VersionRequest allGroups(OptionalInt target) {
        return new VersionRequest(Set.of(), true, target, false);
    }

    public VersionRequest withDowngrade() {
        return new VersionRequest(groups, all, target, true);
    }
}
