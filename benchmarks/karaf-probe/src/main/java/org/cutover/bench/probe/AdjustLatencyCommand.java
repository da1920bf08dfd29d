package org.cutover.bench.probe;

import java.nio.file.Path;
import java.util.Arrays;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "bench", name = "adjust-latency", description = "Measures VersionService.adjust on this node beside the"
        + " raw ordered round trip of the probe's JChannel (same stack), interleaved; prints a table, writes JSON")
@Service
public class AdjustLatencyCommand implements Action {

    @Reference
    AdjustProbe probe;

    @Option(name = "--groups", description = "Group counts, comma separated; 1 also measures a named single group")
    String groups = "1,10,100";

    @Option(name = "--switches", description = "Measured switches per scenario (alternating down with --downgrade, up)")
    int switches = 200;

    @Option(name = "--warmup", description = "Unmeasured switches per scenario first")
    int warmup = 40;

    @Option(name = "--block", description = "Raw round trips and switches of each scenario alternate in blocks of this size (even)")
    int block = 20;

    @Option(name = "--nodes", description = "Nodes the raw channel's view must hold before it starts")
    int nodes = 3;

    @Option(name = "--out", description = "JSON file to write; default ${karaf.data}/bench/adjust-latency.json")
    String out;

    @Override
    public Object execute() throws Exception {
        int[] counts = Arrays.stream(groups.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        Path file = out != null ? Path.of(out)
                : Path.of(System.getProperty("karaf.data", "data"), "bench", "adjust-latency.json");
        probe.measure(new AdjustProbe.Options(counts, switches, warmup, block, nodes), file, System.out);
        return null;
    }
}
