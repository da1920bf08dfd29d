package org.cutover.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.support.CommandException;
import org.cutover.api.DefinedNode;
import org.cutover.api.GroupException;
import org.cutover.api.Member;
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.api.version.AdjustOption;
import org.cutover.api.version.AdjustResult;
import org.cutover.api.version.CheckFailure;
import org.cutover.api.version.CheckResult;
import org.cutover.api.version.MemberConfirmation;
import org.cutover.api.version.VersionRequest;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** Runs the commands against fakes of the services, reading what they print. */
public class CommandsTest {

    private static final CheckResult PASSED = new CheckResult(2, Map.of("orders", 1), Map.of("orders", 3L), List.of());
    private static final CheckResult INCAPABLE = new CheckResult(2, Map.of("orders", 1), Map.of("orders", 3L),
            List.of(new CheckFailure(ReasonCode.NODE_INCAPABLE, List.of("node2"), "node node2 can run levels 1 only")));

    private final FakeVersionService versions = new FakeVersionService();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private PrintStream console;

    @Before
    public void capturePrinting() {
        console = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    @After
    public void restorePrinting() {
        System.setOut(console);
    }

    @Test
    public void versionCheckThatPassesPrintsOkAndSucceeds() throws Exception {
        versions.checkResult = PASSED;
        VersionCheckCommand check = new VersionCheckCommand();
        check.versionService = versions;
        check.groups = List.of("orders");
        check.to = "2";
        check.execute();
        assertEquals("ok: orders can move from 1 to 2\n", printed());
        assertEquals(List.of(VersionRequest.of(2, "orders")), versions.requests);
    }

    @Test
    public void versionCheckThatFindsCausesPrintsThemAndFails() {
        versions.checkResult = INCAPABLE;
        VersionCheckCommand check = new VersionCheckCommand();
        check.versionService = versions;
        check.all = true;
        check.downgrade = true;
        CommandException failed = assertThrows(CommandException.class, check::execute);
        assertEquals("NODE_INCAPABLE: node node2 can run levels 1 only\n", printed());
        assertEquals("version check of all groups to level 2 failed: 1 cause (NODE_INCAPABLE)", failed.getMessage());
        assertEquals(List.of(VersionRequest.allGroups(OptionalInt.empty()).withDowngrade()), versions.requests);
    }

    @Test
    public void badLevelFailsBeforeAnythingIsAsked() {
        VersionAdjustCommand adjust = new VersionAdjustCommand();
        adjust.versionService = versions;
        adjust.groups = List.of("orders");
        adjust.to = "-1";
        CommandException failed = assertThrows(CommandException.class, adjust::execute);
        assertTrue(failed.getMessage(), failed.getMessage().startsWith("INVALID_LEVEL: "));
        assertTrue(versions.requests.isEmpty());
        assertEquals("", printed());
    }

    @Test
    public void versionAdjustThatIsRefusedPrintsItsCausesAndFails() {
        versions.adjustResult = AdjustResult.refused(INCAPABLE);
        VersionAdjustCommand adjust = new VersionAdjustCommand();
        adjust.versionService = versions;
        adjust.groups = List.of("orders");
        CommandException failed = assertThrows(CommandException.class, adjust::execute);
        assertEquals("NODE_INCAPABLE: node node2 can run levels 1 only\n", printed());
        assertTrue(failed.getMessage(), failed.getMessage().contains("refused, nothing was sent"));
    }

    @Test
    public void versionAdjustThatIsConfirmedByAllSucceeds() throws Exception {
        versions.adjustResult = new AdjustResult(PASSED, true, Map.of("orders", 4L),
                List.of(new MemberConfirmation(new Member("node1", "node1#1"), Duration.ofMillis(1))), Map.of(),
                Duration.ofMillis(1));
        VersionAdjustCommand adjust = new VersionAdjustCommand();
        adjust.versionService = versions;
        adjust.groups = List.of("orders");
        adjust.to = "2";
        adjust.execute();
        assertEquals("adjusted orders to level 2\nepochs: orders 4\nconfirmed node1#1 in 1.000 ms\n"
                + "total 1.000 ms, 1 member confirmed\n", printed());
        adjust.noRevert = true;
        adjust.execute();
        assertEquals(List.of(Set.of(), Set.of(AdjustOption.NO_REVERT)), versions.options);
    }

    @Test
    public void versionAdjustWithAnUnconfirmedMemberFailsNamingIt() {
        versions.adjustResult = new AdjustResult(PASSED, true, Map.of("orders", 4L), List.of(),
                Map.of(new Member("node2", "node2#7"), "left the group"), Duration.ofSeconds(10));
        VersionAdjustCommand adjust = new VersionAdjustCommand();
        adjust.versionService = versions;
        adjust.all = true;
        CommandException failed = assertThrows(CommandException.class, adjust::execute);
        assertTrue(printed(), printed().contains("unconfirmed node2#7: left the group\n"));
        assertTrue(failed.getMessage(), failed.getMessage().endsWith("did not confirm: node2#7"));
    }

    @Test
    public void nodeRemoveHandsTheNameToTheClusterService() throws Exception {
        FakeClusterService cluster = new FakeClusterService(
                new DefinedNode("node1", NodeStatus.ACTIVE, "a", new TreeSet<>(Set.of(1))),
                new DefinedNode("node3", NodeStatus.INACTIVE, "c", new TreeSet<>(Set.of(1))));
        NodeRemoveCommand remove = new NodeRemoveCommand();
        remove.clusterService = cluster;
        remove.node = "node3";
        remove.execute();
        assertEquals("removed node node3 from the defined nodes\n", printed());
        assertFalse(cluster.definedNode("node3").isPresent());
    }

    @Test
    public void nodeAddMakesALearnerAVoterAndSaysSoOnceOnly() {
        FakeClusterService cluster = new FakeClusterService(
                new DefinedNode("node1", NodeStatus.ACTIVE, "a", new TreeSet<>(Set.of(1))),
                new DefinedNode("node4", NodeStatus.ACTIVE, "d", new TreeSet<>(Set.of(1))));
        cluster.voters.add("node1");
        NodeAddCommand add = new NodeAddCommand();
        add.clusterService = cluster;
        add.node = "node4";
        add.execute();
        add.execute();
        assertEquals("node node4 votes in the cluster log now (2 voters)\nnode node4 already votes in the cluster log\n",
                printed());
        assertEquals(List.of("node1", "node4"), cluster.voters());
    }

    @Test
    public void nodeAddOfAnUnknownNodeFailsWithTheServicesReason() {
        FakeClusterService cluster = new FakeClusterService(
                new DefinedNode("node1", NodeStatus.ACTIVE, "a", new TreeSet<>(Set.of(1))));
        NodeAddCommand add = new NodeAddCommand();
        add.clusterService = cluster;
        add.node = "nobody";
        GroupException refused = assertThrows(GroupException.class, add::execute);
        assertTrue(refused.getMessage(), refused.getMessage().startsWith("UNKNOWN_NODE: "));
        assertEquals("", printed());
    }

    @Test
    public void majorityRecoverWithoutForceChangesNothingAndSaysWhatItWouldDo() throws Exception {
        FakeClusterService cluster = twoVotersOneGone();
        MajorityRecoverCommand recover = new MajorityRecoverCommand();
        recover.clusterService = cluster;
        CommandException refused = assertThrows(CommandException.class, recover::execute);
        assertTrue(refused.getMessage(), refused.getMessage().contains("voters now: node1, node2")
                && refused.getMessage().contains("--force"));
        assertEquals(List.of("node1", "node2"), cluster.voters());
        assertEquals("", printed());
        assertOption(MajorityRecoverCommand.class, "force", "-f", "--force");
    }

    @Test
    public void majorityRecoverWithForceRecoversAndNamesTheVoters() throws Exception {
        FakeClusterService cluster = twoVotersOneGone();
        MajorityRecoverCommand recover = new MajorityRecoverCommand();
        recover.clusterService = cluster;
        recover.force = true;
        recover.execute();
        assertEquals("voters now node1; the recovery is in cluster:version-history\n", printed());
    }

    @Test
    public void nodeRemoveThatIsRefusedFailsWithTheServicesReason() {
        FakeClusterService cluster = new FakeClusterService(
                new DefinedNode("node1", NodeStatus.ACTIVE, "a", new TreeSet<>(Set.of(1))));
        cluster.removeRefusal = new GroupException(ReasonCode.NODE_INACTIVE, "node1 is active; stop it first");
        NodeRemoveCommand remove = new NodeRemoveCommand();
        remove.clusterService = cluster;
        remove.node = "node1";
        GroupException refused = assertThrows(GroupException.class, remove::execute);
        assertEquals("NODE_INACTIVE: node1 is active; stop it first", refused.getMessage());
        assertEquals("", printed());
    }

    @Test
    public void aclSetHandsTheRuleToTheClusterServiceAndAclListShowsIt() {
        FakeClusterService cluster = new FakeClusterService(
                new DefinedNode("node1", NodeStatus.ACTIVE, "a", new TreeSet<>(Set.of(1))));
        AclSetCommand set = new AclSetCommand();
        set.clusterService = cluster;
        set.operation = "adjust";
        set.roles = List.of("admin", "operator");
        set.execute();
        assertEquals("adjust needs one of admin, operator on every node now; cluster:version-history records it\n",
                printed());
        assertEquals(List.of("admin", "operator"), cluster.acl().get("adjust"));
        printed.reset();
        AclListCommand list = new AclListCommand();
        list.clusterService = cluster;
        list.noFormat = true;
        list.execute();
        assertEquals("adjust\tadmin, operator\n", printed().replaceAll(" +\t", "\t"));
    }

    @Test
    public void versionHoldSaysOnOrOffAndHandsTheGroupsToTheClusterService() throws Exception {
        FakeClusterService cluster = new FakeClusterService(
                new DefinedNode("node1", NodeStatus.ACTIVE, "a", new TreeSet<>(Set.of(1))));
        VersionHoldCommand hold = new VersionHoldCommand();
        hold.clusterService = cluster;
        hold.onOff = "on";
        hold.groups = List.of("kv");
        hold.execute();
        hold.onOff = "off";
        hold.groups = null;
        hold.execute();
        assertEquals(List.of("on [kv]", "off []"), cluster.holds);
        assertEquals("held kv; cluster:group-list shows it, cluster:version-history records it\n"
                + "released every group; cluster:group-list shows it, cluster:version-history records it\n", printed());
        hold.onOff = "maybe";
        CommandException refused = assertThrows(CommandException.class, hold::execute);
        assertTrue(refused.getMessage(), refused.getMessage().contains("on or off"));
        assertEquals(2, cluster.holds.size());
    }

    @Test
    public void certRevokeHandsTheNodeToTheClusterServiceAndCertRevokedListsIt() {
        FakeClusterService cluster = new FakeClusterService(
                new DefinedNode("node1", NodeStatus.ACTIVE, "a", new TreeSet<>(Set.of(1))),
                new DefinedNode("node2", NodeStatus.ACTIVE, "b", new TreeSet<>(Set.of(1))));
        CertRevokedCommand list = new CertRevokedCommand();
        list.clusterService = cluster;
        list.noFormat = true;
        list.execute();
        assertEquals("", printed());
        CertRevokeCommand revoke = new CertRevokeCommand();
        revoke.clusterService = cluster;
        revoke.node = "node2";
        revoke.execute();
        String fingerprint = cluster.revoked.keySet().iterator().next();
        assertEquals("revoked the certificate of node2 (SHA-256 " + fingerprint + ") on every node; it is cut off"
                + " until it has a new one (bin/cutover-certs node)\n", printed());
        printed.reset();
        list.execute();
        assertEquals("node2\t" + fingerprint + "\n", printed().replaceAll(" +\t", "\t"));
        revoke.node = "node9";
        GroupException refused = assertThrows(GroupException.class, revoke::execute);
        assertTrue(refused.getMessage(), refused.getMessage().startsWith("UNKNOWN_NODE: "));
    }

    @Test
    public void aclSetOfAnUnknownOperationFailsWithTheServicesReason() {
        AclSetCommand set = new AclSetCommand();
        set.clusterService = new FakeClusterService(
                new DefinedNode("node1", NodeStatus.ACTIVE, "a", new TreeSet<>(Set.of(1))));
        set.operation = "reboot";
        set.roles = List.of("admin");
        GroupException refused = assertThrows(GroupException.class, set::execute);
        assertTrue(refused.getMessage(), refused.getMessage().startsWith("INVALID_ACL: "));
        assertEquals("", printed());
    }

    @Test
    public void commandsAreInScopeClusterWithShortAndLongOptions() throws Exception {
        Map<Class<?>, String> names = Map.ofEntries(
                Map.entry(NodeListCommand.class, "node-list"),
                Map.entry(GroupListCommand.class, "group-list"),
                Map.entry(VersionCheckCommand.class, "version-check"),
                Map.entry(VersionAdjustCommand.class, "version-adjust"),
                Map.entry(VersionHistoryCommand.class, "version-history"),
                Map.entry(NodeRemoveCommand.class, "node-remove"),
                Map.entry(NodeAddCommand.class, "node-add"),
                Map.entry(MajorityRecoverCommand.class, "majority-recover"),
                Map.entry(AclListCommand.class, "acl-list"),
                Map.entry(AclSetCommand.class, "acl-set"),
                Map.entry(CertRevokeCommand.class, "cert-revoke"),
                Map.entry(CertRevokedCommand.class, "cert-revoked"),
                Map.entry(VersionHoldCommand.class, "version-hold"));
        for (Map.Entry<Class<?>, String> command : names.entrySet()) {
            Command annotation = command.getKey().getAnnotation(Command.class);
            assertEquals("cluster", annotation.scope());
            assertEquals(command.getValue(), annotation.name());
        }
        for (Class<?> versionCommand : List.of(VersionCheckCommand.class, VersionAdjustCommand.class)) {
            assertOption(versionCommand, "all", "-a", "--all");
            assertOption(versionCommand, "to", "-t", "--to");
            assertOption(versionCommand, "downgrade", "-d", "--downgrade");
            assertTrue(versionCommand.getDeclaredField("groups").getAnnotation(Argument.class).multiValued());
        }
        for (Class<?> listCommand : List.of(NodeListCommand.class, GroupListCommand.class, VersionHistoryCommand.class,
                AclListCommand.class, CertRevokedCommand.class)) {
            assertEquals("--no-format", listCommand.getDeclaredField("noFormat").getAnnotation(Option.class).name());
        }
    }

    private static FakeClusterService twoVotersOneGone() {
        FakeClusterService cluster = new FakeClusterService(
                new DefinedNode("node1", NodeStatus.ACTIVE, "a", new TreeSet<>(Set.of(1))),
                new DefinedNode("node2", NodeStatus.PARTITIONED, "b", new TreeSet<>(Set.of(1))));
        cluster.voters.addAll(List.of("node1", "node2"));
        return cluster;
    }

    private static void assertOption(Class<?> command, String field, String shortName, String longName)
            throws Exception {
        Option option = command.getDeclaredField(field).getAnnotation(Option.class);
        assertEquals(shortName, option.name());
        assertEquals(List.of(longName), List.of(option.aliases()));
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n");
    }
}
