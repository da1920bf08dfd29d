package org.cutover.shell.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.cutover.api.version.AdjustOption;
import org.cutover.api.version.AdjustRecord;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.VersionRequest;
import org.cutover.api.version.VersionService;

/** Answers with the results a test sets and remembers what it was asked. */
final class FakeVersionService implements VersionService {

    final List<VersionRequest> requests = new ArrayList<>();
    final List<Set<AdjustOption>> options = new ArrayList<>();
    final List<AdjustRecord> history = new ArrayList<>();
    CheckResult checkResult;
    AdjustResult adjustResult;

    @Override
    public CheckResult check(VersionRequest request) {
        requests.add(request);
        return checkResult;
    }

    @Override
    public AdjustResult adjust(VersionRequest request) {
        requests.add(request);
        return adjustResult;
    }

    @Override
    public AdjustResult adjust(VersionRequest request, Set<AdjustOption> options) {
        this.options.add(Set.copyOf(options));
        return adjust(request);
    }

    @Override
    public List<AdjustRecord> history(Optional<String> group) {
        return history.stream()
                .filter(record -> group.isEmpty() || record.groups().contains(group.get()))
                .collect(Collectors.toList());
    }
}
