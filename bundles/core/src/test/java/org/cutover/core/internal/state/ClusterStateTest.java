package org.cutover.core.internal.state;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.cutover.api.Member;
import org.cutover.api.MembershipChange;
import org.cutover.api.NodeStatus;
import org.cutover.api.ReasonCode;
import org.cutover.core.internal.wire.Envelope;
import org.cutover.core.internal.wire.Envelope.AddNode;
import org.cutover.core.internal.wire.Envelope.Adjust;
import org.cutover.core.internal.wire.Envelope.Asker;
import org.cutover.core.internal.wire.Envelope.CapabilityChanged;
import org.cutover.core.internal.wire.Envelope.GroupVersion;
import org.cutover.core.internal.wire.Envelope.Hold;
import org.cutover.core.internal.wire.Envelope.Hello;
import org.cutover.core.internal.wire.Envelope.ImportHistory;
import org.cutover.core.internal.wire.Envelope.Join;
import org.cutover.core.internal.wire.Envelope.Leave;
import org.cutover.core.internal.wire.Envelope.MajorityRecovered;
import org.cutover.core.internal.wire.Envelope.RemoveNode;
import org.cutover.core.internal.wire.Envelope.RevokeCertificate;
import org.cutover.core.internal.wire.Envelope.SetAcl;
import org.cutover.core.internal.wire.Envelope.ViewChanged;
import org.junit.Test;

/**
 * The cluster state's transitions, without a network: what every replica
 * decides from nothing but the state and the entry.
 */
public class ClusterStateTest {

    private static Hello hello(String node, Integer... levels) {
        return new Hello(node, "u-" + node, "127.0.0.1:" + node, new TreeSet<>(List.of(levels)), Map.of(), List.of(),
                true, 0);
    }

    private static ViewChanged view(long term, long id, String... nodes) {
        List<String> uuids = new ArrayList<>();
        for (String n : nodes) {
            uuids.add("u-" + n);
        }
        return new ViewChanged(term, id, uuids);
    }

    private static Adjust adjust(String id, int to, String group, long epoch) {
        return new Adjust(id, "n1", to, List.of(new GroupVersion(group, 0, epoch)), 1_000L);
    }

    /** three nodes running levels 1 and 2, a group g at level 2 with one member on each */
    static ClusterState threeNodes() {
        ClusterState s = new ClusterState();
        for (String n : List.of("n1", "n2", "n3")) {
            assertTrue(s.hello(hello(n, 1, 2)).accepted());
        }
        assertTrue(s.viewChanged(view(1, 1, "n1", "n2", "n3")).accepted());
        for (String n : List.of("n1", "n2", "n3")) {
            assertTrue(s.join(new Join("g", n + "#1.1", n)).accepted());
        }
        return s;
    }

    static byte[] snapshot(ClusterState s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    /**
     * An entry the API would never write (a level below 1, a negative epoch, a name with control characters) is
     * refused where it is applied, so every replica refuses it and nothing changes: before, a hello carrying
     * group g at level 0 with a higher epoch moved g to no level and dropped its members everywhere.
     */
    @Test
    public void entriesWithoutALevelOrWithUnprintableNamesAreRefusedAndChangeNothing() throws IOException {
        ClusterState s = threeNodes();
        byte[] before = snapshot(s);
        List<Envelope> forged = List.of(
                new Hello("n1", "u-n1", "127.0.0.1:n1", new TreeSet<>(List.of(1, 2)), Map.of(),
                        List.of(new GroupVersion("g", 0, 99)), false, 0),
                new Hello("n1", "u-n1", "127.0.0.1:n1", new TreeSet<>(List.of(1, 2)), Map.of(),
                        List.of(new GroupVersion("g", 2, -1)), false, 0),
                new Hello("n\u001b[2J", "u-x", "127.0.0.1:x", new TreeSet<>(List.of(1)), Map.of(), List.of(), true, 0),
                new Hello("n4", "u-n4", "127.0.0.1:n4", new TreeSet<>(List.of(0, 1)), Map.of(), List.of(), true, 0),
                new Envelope.CapabilityChanged("n2", new TreeSet<>(List.of(-1, 2))),
                new Join("g\r", "n1#1.2", "n1"),
                new Join("g", "n1#\u202e1", "n1"));
        for (Envelope e : forged) {
            ClusterState.Result r = e instanceof Hello h ? s.hello(h)
                    : e instanceof Join j ? s.join(j) : s.capabilityChanged((Envelope.CapabilityChanged) e);
            assertFalse(e + " was accepted", r.accepted());
        }
        assertArrayEquals("the state is as before, byte for byte", before, snapshot(s));
    }

    @Test
    public void theNodesThatMustConfirmAnAdjustAreThoseHostingMembersOfItsGroups() {
        ClusterState s = threeNodes();
        assertTrue(s.hello(hello("n4", 1, 2)).accepted());
        assertTrue(s.join(new Join("h", "n4#1.1", "n4")).accepted());
        List<GroupVersion> g = List.of(new GroupVersion("g", 2, 1));
        assertTrue(s.hostsMembers("n2", g));
        assertFalse(s.hostsMembers("n4", g));
        List<GroupVersion> both = List.of(new GroupVersion("g", 2, 1), new GroupVersion("h", 2, 1),
                new GroupVersion("gone", 2, 1));
        assertTrue(s.hostsMembers("n4", both));
        assertFalse(s.hostsMembers("n5", both));

        ClusterState.Result r = s.adjust(new Adjust("a", "n1", 2, List.of(new GroupVersion("g", 1, 1)), 1_000L));
        assertEquals(Map.of("n1", on("n1"), "n2", on("n2"), "n3", on("n3")),
                r.switched().membersByNode());
        // the members at the adjust's point of the log: a leave after it does not change what it switched
        assertTrue(s.leave(new Leave("g", "n2#1.1")).accepted());
        assertEquals(on("n2"), r.switched().membersByNode().get("n2"));
        assertEquals(Map.of("g", 2L), Map.copyOf(r.newEpochs()));
    }

    @Test
    public void aGroupNamedTwiceInOneAdjustIsSwitchedTwiceAndItsMembersConfirmOnce() {
        // no node of ours writes such an entry; every version must apply it alike (it always switched twice)
        ClusterState s = threeNodes();
        assertTrue(s.hello(hello("n4", 1, 2)).accepted());
        assertTrue(s.join(new Join("h", "n4#1.1", "n4")).accepted());
        ClusterState.Result r = s.adjust(new Adjust("a", "n1", 2, List.of(new GroupVersion("g", 1, 1),
                new GroupVersion("h", 1, 1), new GroupVersion("g", 1, 1)), 1_000L));
        assertTrue(r.why(), r.accepted());
        assertEquals(List.of("g", "h"), List.copyOf(r.newEpochs().keySet()));
        assertEquals(Map.of("g", 3L, "h", 2L), Map.copyOf(r.newEpochs()));
        assertEquals(3L, s.group("g").orElseThrow().epoch());
        assertEquals(3, r.changes().size());
        assertEquals(Map.of("n1", on("n1"), "n2", on("n2"), "n3", on("n3"), "n4", on("n4")),
                r.switched().membersByNode());
    }

    @Test
    public void theMembersOfANodeShareItsNameHoweverTheirJoinsNamedIt() throws IOException {
        ClusterState s = threeNodes();
        assertTrue(s.join(new Join("g", "n1#1.2", new String("n1"))).accepted()); // decoded apart from the hello
        ClusterState.Result r = s.adjust(new Adjust("a", "n1", 2, List.of(new GroupVersion("g", 1, 1)), 1_000L));
        List<Member> onN1 = r.switched().membersByNode().get("n1");
        assertEquals(List.of(new Member("n1", "n1#1.1"), new Member("n1", "n1#1.2")), onN1);
        assertSame("one name per node: membersByNode compares names by reference first", onN1.get(0).node(),
                onN1.get(1).node());

        ClusterState back = ClusterState.readFrom(new DataInputStream(new ByteArrayInputStream(snapshot(s))));
        List<Member> restored = back.adjust(new Adjust("b", "n1", 1, List.of(new GroupVersion("g", 2, 2)), 2_000L))
                .switched().membersByNode().get("n1");
        assertEquals(onN1, restored);
        assertSame("and after a restore", restored.get(0).node(), restored.get(1).node());
    }

    @Test
    public void membersByNodeGroupsNamesThatAreEqualButNotTheSameString() {
        Switched switched = new Switched(2);
        switched.set(0, "g", 2, new Member[] {new Member("n1", "n1#1.1"), new Member("n2", "n2#1.1")});
        switched.set(1, "h", 2, new Member[] {new Member(new String("n2"), "n2#1.2"),
                new Member(new String("n1"), "n1#1.2")});
        assertEquals(Map.of("n1", List.of(new Member("n1", "n1#1.1"), new Member("n1", "n1#1.2")),
                "n2", List.of(new Member("n2", "n2#1.1"), new Member("n2", "n2#1.2"))), switched.membersByNode());
        assertEquals(List.of("n1", "n2"), List.copyOf(switched.membersByNode().keySet()));
    }

    /** node's member of group g in {@link #threeNodes} */
    private static List<Member> on(String node) {
        return List.of(new Member(node, node + "#1.1"));
    }

    @Test
    public void aNewGroupStartsAtTheHighestLevelEveryNodeRuns() {
        ClusterState s = threeNodes();
        assertEquals(2, s.group("g").orElseThrow().level());
        assertEquals(1, s.group("g").orElseThrow().epoch());
        assertEquals(3, s.group("g").orElseThrow().members().size());
    }

    @Test
    public void aViewWithoutANodeMarksItPartitionedAndItsMembersFail() {
        ClusterState s = threeNodes();
        ClusterState.Result r = s.viewChanged(view(1, 2, "n1", "n2"));
        assertTrue(r.accepted());
        assertEquals(NodeStatus.PARTITIONED, s.definedNode("n3").orElseThrow().status());
        assertEquals(List.of(MembershipChange.Reason.FAILURE), r.changes().stream().map(MembershipChange::reason)
                .toList());
        assertEquals(2, s.group("g").orElseThrow().members().size());
        // an older view committed late (a deposed leader's) changes nothing
        ClusterState.Result stale = s.viewChanged(view(1, 1, "n1", "n2", "n3"));
        assertFalse(stale.accepted());
        assertEquals(NodeStatus.PARTITIONED, s.definedNode("n3").orElseThrow().status());
        // the same node back in a newer view is ACTIVE again
        assertTrue(s.viewChanged(view(2, 1, "n1", "n2", "n3")).accepted());
        assertEquals(NodeStatus.ACTIVE, s.definedNode("n3").orElseThrow().status());
    }

    /** the check-then-split race, decided where the adjust is applied */
    @Test
    public void anAdjustAppliedAfterANodeVanishedIsRefused() {
        ClusterState s = threeNodes();
        s.viewChanged(view(1, 2, "n1", "n2"));
        ClusterState.Result r = s.adjust(adjust("a1", 1, "g", 1));
        assertEquals(ReasonCode.GROUP_PARTITIONED, r.refused());
        assertEquals(2, s.group("g").orElseThrow().level());
        assertEquals(1, s.group("g").orElseThrow().epoch());
        assertTrue(s.history(java.util.Optional.empty()).isEmpty());
    }

    @Test
    public void anActiveNodeCannotBeRemovedAPartitionedOneCanAndThenTheAdjustPasses() {
        ClusterState s = threeNodes();
        assertEquals(ReasonCode.NODE_ACTIVE, s.removeNode(new RemoveNode("n3", "n1")).refused());
        assertEquals(ReasonCode.UNKNOWN_NODE, s.removeNode(new RemoveNode("n9", "n1")).refused());
        s.viewChanged(view(1, 2, "n1", "n2"));
        assertTrue(s.removeNode(new RemoveNode("n3", "n1")).accepted());
        assertTrue(s.definedNode("n3").isEmpty());
        ClusterState.Result r = s.adjust(adjust("a1", 1, "g", 1));
        assertTrue(r.why(), r.accepted());
        assertEquals(1, s.group("g").orElseThrow().level());
        assertEquals(2, s.group("g").orElseThrow().epoch());
        assertEquals(Map.of("g", 2L), r.newEpochs());
    }

    @Test
    public void aRecoveryKeepsOnlyTheNewVotersItsMembersGoAndTheHistorySaysWho() {
        ClusterState s = threeNodes();
        assertEquals(ReasonCode.UNKNOWN_NODE, s.majorityRecovered(new MajorityRecovered("n1", List.of(), 5))
                .refused());
        ClusterState.Result r = s.majorityRecovered(new MajorityRecovered("n1", List.of("n1", "n2"), 5));
        assertTrue(r.why(), r.accepted());
        assertTrue(s.definedNode("n3").isEmpty());
        assertEquals(List.of("n1#1.1", "n2#1.1"), s.group("g").orElseThrow().members().stream().map(m -> m.id())
                .sorted().toList());
        assertTrue(r.changes().stream().anyMatch(c -> c.reason() == MembershipChange.Reason.FAILURE
                && c.members().stream().anyMatch(m -> m.id().equals("n3#1.1"))));
        var last = s.history(java.util.Optional.empty()).get(0);
        assertEquals("n1", last.requestedBy());
        assertEquals("MAJORITY_RECOVERED: voters n1, n2", last.outcome());
    }

    @Test
    public void anImportedHistoryAddsWhatIsMissingInTimeOrderAndNothingTwice() {
        ClusterState old = threeNodes();
        assertTrue(old.adjust(adjust("a1", 1, "g", 1)).accepted());
        assertTrue(old.adjust(adjust("a0", 2, "g", 2)).accepted());
        ClusterState s = threeNodes();
        assertTrue(s.adjust(adjust("a1", 1, "g", 1)).accepted());
        byte[] bytes = old.historyBytes();
        assertTrue(s.importHistory(new ImportHistory("n1", bytes)).accepted());
        assertTrue(s.importHistory(new ImportHistory("n1", bytes)).accepted());
        List<String> outcomes = s.history(java.util.Optional.empty()).stream().map(r -> r.outcome()).toList();
        assertEquals("the one it lacked, marked with the node that brought it",
                List.of("APPLIED", "APPLIED (imported from n1)"), outcomes);
        assertEquals(old.history(java.util.Optional.empty()).stream().map(r -> r.epoch()).toList(),
                s.history(java.util.Optional.empty()).stream().map(r -> r.epoch()).toList());
        assertEquals(ReasonCode.INVALID_LEVEL, s.importHistory(new ImportHistory("n1", new byte[] {1})).refused());
    }

    @Test
    public void twoAdjustsFromTheSameEpochCannotBothWinAndNoneAppliesTwice() {
        ClusterState s = threeNodes();
        assertTrue(s.adjust(adjust("a1", 1, "g", 1)).accepted());
        assertEquals(ReasonCode.CONCURRENT_ADJUST, s.adjust(adjust("a2", 2, "g", 1)).refused());
        assertEquals(ReasonCode.CONCURRENT_ADJUST, s.adjust(adjust("a1", 1, "g", 1)).refused());
        assertEquals(1, s.group("g").orElseThrow().level());
        assertEquals(1, s.history(java.util.Optional.empty()).size());
    }

    @Test
    public void aLevelSomeNodeCannotRunIsRefused() {
        ClusterState s = threeNodes();
        assertEquals(ReasonCode.NODE_INCAPABLE, s.adjust(adjust("a1", 3, "g", 1)).refused());
        assertEquals(ReasonCode.INVALID_LEVEL, s.adjust(adjust("a2", 0, "g", 1)).refused());
        assertEquals(ReasonCode.UNKNOWN_GROUP, s.adjust(adjust("a3", 1, "nope", 1)).refused());
    }

    /** replicas that apply the same entries write the same snapshot bytes, and a snapshot reads back to itself */
    @Test
    public void theSameEntriesGiveTheSameSnapshotBytes() throws IOException {
        List<Envelope> entries = List.of(hello("n1", 1, 2), hello("n2", 1, 2), hello("n3", 1),
                view(1, 1, "n1", "n2", "n3"), new Join("g", "n1#1.1", "n1"), new Join("h", "n2#1.1", "n2"),
                adjust("a1", 1, "g", 1), view(1, 2, "n1", "n2"), new RemoveNode("n3", "n2"));
        ClusterState a = new ClusterState();
        ClusterState b = new ClusterState();
        for (Envelope e : entries) {
            apply(a, e);
            apply(b, e);
        }
        byte[] bytes = snapshot(a);
        assertArrayEquals(bytes, snapshot(b));
        ClusterState back = ClusterState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
        assertArrayEquals(bytes, snapshot(back));
        assertEquals(a.groups(), back.groups());
        assertEquals(a.definedNodes(), back.definedNodes());
        assertEquals(a.history(java.util.Optional.empty()), back.history(java.util.Optional.empty()));
    }

    /**
     * A replica read from a snapshot finds its groups where entries look them up (they are indexed apart from the
     * sorted table the snapshot is written from), and goes on exactly as the replica it was taken from.
     */
    @Test
    public void aReplicaReadFromASnapshotGoesOnLikeTheOneItWasTakenFrom() throws IOException {
        ClusterState a = threeNodes();
        assertTrue(a.join(new Join("h", "n2#1.2", "n2")).accepted());
        ClusterState back = ClusterState.readFrom(new DataInputStream(new ByteArrayInputStream(snapshot(a))));
        for (ClusterState s : List.of(a, back)) {
            assertTrue(s.adjust(adjust("a1", 1, "g", 1)).accepted());
            assertTrue(s.join(new Join("h", "n3#1.2", "n3")).accepted());
            assertTrue(s.leave(new Envelope.Leave("g", "n1#1.1")).accepted());
        }
        assertEquals(1, back.group("g").orElseThrow().level());
        assertEquals(2, back.group("h").orElseThrow().members().size());
        assertArrayEquals(snapshot(a), snapshot(back));
    }

    /**
     * The ACL is state like any other: it changes only through an acl-set entry that the ACL itself allows, every
     * replica takes the same branch, and a snapshot carries it, so a joiner or a restarted node checks the same
     * rules. A rule for an operation nobody knows, or with no role, changes nothing.
     */
    @Test
    public void aRevocationTravelsInTheSnapshotAndAnOlderSnapshotReadsWithNone() throws IOException {
        ClusterState s = threeNodes();
        String fingerprint = "0123456789abcdef".repeat(4);
        assertEquals(ReasonCode.UNKNOWN_NODE, s.revokeCertificate(new RevokeCertificate("n3", "AB", "n1", 1_000L,
                Asker.NODE)).refused());
        assertTrue(s.revokeCertificate(new RevokeCertificate("n3", fingerprint, "n1", 1_000L, Asker.NODE))
                .accepted());
        assertTrue("again: nothing changes", s.revokeCertificate(new RevokeCertificate("n3", fingerprint, "n1",
                2_000L, Asker.NODE)).accepted());
        assertEquals(1, s.history(java.util.Optional.empty()).stream()
                .filter(r -> r.outcome().startsWith("CERT_REVOKED")).count());
        byte[] bytes = snapshot(s);
        assertEquals(java.util.Map.of(fingerprint, "n3"), ClusterState.readFrom(new java.io.DataInputStream(
                new java.io.ByteArrayInputStream(bytes))).revoked());
        ClusterState empty = threeNodes();
        byte[] full = snapshot(empty);
        byte[] before = java.util.Arrays.copyOf(full, full.length - Integer.BYTES);
        assertEquals(java.util.Map.of(), ClusterState.readFrom(new java.io.DataInputStream(
                new java.io.ByteArrayInputStream(before))).revoked());
    }

    @Test
    public void theAclChangesOnlyThroughAnAllowedEntryAndTravelsInTheSnapshot() throws IOException {
        Asker vera = new Asker("vera", List.of("viewer"));
        Asker otto = new Asker("otto", List.of("viewer", "operator"));
        Asker ada = new Asker("ada", List.of("admin"));
        ClusterState s = threeNodes();
        assertEquals(List.of("adjust", "hold", "upgrade", "node-add", "node-remove", "majority-recover", "cert-revoke",
                "acl-set"),
                List.copyOf(s.acl().keySet()));
        s.acl().values().forEach(roles -> assertEquals(List.of("admin"), roles));

        Adjust byOtto = new Adjust("a1", "n2", 1, List.of(new GroupVersion("g", 2, 1)), 1_000L, otto);
        assertEquals(ReasonCode.NOT_AUTHORIZED, s.adjust(byOtto).refused());
        assertEquals(ReasonCode.NOT_AUTHORIZED, s.setAcl(new SetAcl("adjust", List.of("operator"), "n1", 5, vera))
                .refused());
        assertEquals(ReasonCode.NOT_AUTHORIZED, s.setAcl(new SetAcl("adjust", List.of("operator"), "n1", 5, otto))
                .refused());
        assertEquals(ReasonCode.INVALID_ACL, s.setAcl(new SetAcl("reboot", List.of("admin"), "n1", 5, ada))
                .refused());
        assertEquals(ReasonCode.INVALID_ACL, s.setAcl(new SetAcl("adjust", List.of(), "n1", 5, ada)).refused());
        assertEquals(ReasonCode.INVALID_ACL, s.setAcl(new SetAcl("adjust", List.of("a\u001bdmin"), "n1", 5, ada))
                .refused());
        assertTrue(s.history(java.util.Optional.empty()).isEmpty());

        assertTrue(s.setAcl(new SetAcl("adjust", List.of("operator", "admin"), "n1", 6, ada)).accepted());
        assertEquals(List.of("admin", "operator"), s.acl().get("adjust"));
        assertEquals("ada@n1", s.history(java.util.Optional.empty()).get(0).requestedBy());
        assertTrue(s.history(java.util.Optional.empty()).get(0).outcome().startsWith("ACL_SET: adjust"));
        assertTrue(s.adjust(byOtto).accepted());
        assertEquals(1, s.group("g").orElseThrow().level());
        // other operations keep their rule
        assertEquals(ReasonCode.NOT_AUTHORIZED, s.removeNode(new RemoveNode("n3", "n2", otto)).refused());

        ClusterState back = ClusterState.readFrom(new DataInputStream(new ByteArrayInputStream(snapshot(s))));
        assertEquals(s.acl(), back.acl());
        assertArrayEquals(snapshot(s), snapshot(back));
    }

    /** node-add is ruled by the ACL too, names a running node, and the history says who added whom */
    @Test
    public void aNodeAddIsCheckedAgainstTheAclAndRecorded() {
        ClusterState s = threeNodes();
        assertEquals(ReasonCode.NOT_AUTHORIZED, s.addNode(new AddNode("n3", "n1", 7,
                new Asker("vera", List.of("viewer")))).refused());
        assertEquals(ReasonCode.UNKNOWN_NODE, s.addNode(new AddNode("n9", "n1", 7, Asker.NODE)).refused());
        assertTrue(s.history(java.util.Optional.empty()).isEmpty());
        assertTrue(s.addNode(new AddNode("n3", "n1", 7, new Asker("ada", List.of("admin")))).accepted());
        assertEquals("ada@n1", s.history(java.util.Optional.empty()).get(0).requestedBy());
        assertEquals("NODE_ADDED: n3 votes in the cluster log", s.history(java.util.Optional.empty()).get(0)
                .outcome());
        assertEquals(ReasonCode.NOT_AUTHORIZED, s.majorityRecovered(new MajorityRecovered("n1", List.of("n1"), 8,
                new Asker("vera", List.of("viewer")))).refused());
        assertEquals(3, s.definedNodes().size());
    }

    /**
     * A hold is replicated state: an operator's (ruled by the ACL's hold), or a downgrade's, which holds the group
     * so that no automatic adjust undoes it; a release clears it; the snapshot carries it; the history says who.
     */
    @Test
    public void aDowngradeHoldsTheGroupAndAnOperatorHoldsOrReleasesIt() throws IOException {
        Asker ada = new Asker("ada", List.of("admin"));
        ClusterState s = threeNodes();
        assertTrue(s.join(new Join("h", "n1#1.2", "n1")).accepted());
        assertFalse(s.group("g").orElseThrow().held());
        assertEquals(ReasonCode.NOT_AUTHORIZED, s.hold(new Hold(List.of("g"), true, "n1", 5,
                new Asker("vera", List.of("viewer")))).refused());
        assertEquals(ReasonCode.UNKNOWN_GROUP, s.hold(new Hold(List.of("nope"), true, "n1", 5, ada)).refused());
        assertFalse(s.group("g").orElseThrow().held());

        assertTrue(s.hold(new Hold(List.of(), true, "n1", 6, ada)).accepted());
        assertTrue(s.group("g").orElseThrow().held() && s.group("h").orElseThrow().held());
        var last = s.history(java.util.Optional.empty()).get(s.history(java.util.Optional.empty()).size() - 1);
        assertEquals("ada@n1 HOLD [g, h]", last.requestedBy() + " " + last.outcome() + " " + last.groups());
        assertTrue(s.hold(new Hold(List.of("g", "h"), false, "n2", 7, Asker.NODE)).accepted());
        assertFalse(s.group("g").orElseThrow().held() || s.group("h").orElseThrow().held());

        // an upgrade holds nothing, a downgrade holds the groups it lowers
        assertTrue(s.adjust(new Adjust("up", "n1", 2, List.of(new GroupVersion("h", 0, 1)), 10L)).accepted());
        assertFalse(s.group("h").orElseThrow().held());
        assertTrue(s.adjust(new Adjust("down", "n1", 1, List.of(new GroupVersion("g", 0, 1)), 11L)).accepted());
        assertTrue(s.group("g").orElseThrow().held());
        assertFalse(s.group("h").orElseThrow().held());

        ClusterState back = ClusterState.readFrom(new DataInputStream(new ByteArrayInputStream(snapshot(s))));
        assertEquals(s.groups(), back.groups());
        assertArrayEquals(snapshot(s), snapshot(back));
    }

    @Test
    public void aNodeAdjustsByItselfOnlyUpToThePotentialLevelAndNeverAHeldGroup() {
        ClusterState s = threeNodes(); // levels 1 and 2 everywhere, g at 2
        assertTrue(s.adjust(new Adjust("down", "n1", 1, List.of(new GroupVersion("g", 0, 1)), 10L)).accepted());
        assertTrue(s.join(new Join("h", "n1#1.2", "n1")).accepted()); // made at the potential level 2
        assertTrue(s.adjust(new Adjust("h-down", "n1", 1, List.of(new GroupVersion("h", 0, 1)), 11L)).accepted());
        assertTrue(s.hold(new Hold(List.of("h"), false, "n1", 12, Asker.NODE)).accepted());
        assertEquals(java.util.Set.of("h"), s.groupsToRaise());

        Adjust held = auto("a1", 2, "g", 2);
        assertEquals(ReasonCode.CONCURRENT_ADJUST, s.adjust(held).refused());
        assertTrue(s.adjust(held).why(), s.adjust(held).why().contains("held"));
        assertEquals(ReasonCode.NODE_INCAPABLE, s.adjust(auto("a2", 3, "h", 2)).refused());
        Adjust unknown = new Adjust("a3", "n1", 2, List.of(new GroupVersion("h", 0, 2)), 13L, Asker.NODE, "revert?");
        assertTrue(s.adjust(unknown).why(), s.adjust(unknown).why().contains("revert?"));
        assertEquals(1, s.group("h").orElseThrow().level());

        assertTrue(s.adjust(auto("a4", 2, "h", 2)).accepted());
        assertEquals(2, s.group("h").orElseThrow().level());
        assertFalse("an automatic adjust holds nothing", s.group("h").orElseThrow().held());
        var last = s.history(java.util.Optional.of("h")).get(s.history(java.util.Optional.of("h")).size() - 1);
        assertEquals("auto@n1 [h] 1->2", last.requestedBy() + " " + last.groups() + " " + last.fromLevel() + "->"
                + last.toLevel());
        assertEquals(java.util.Set.of(), s.groupsToRaise());
        // only up: once at the potential level, an automatic adjust to it changes nothing
        assertEquals(ReasonCode.CONCURRENT_ADJUST, s.adjust(auto("a5", 2, "h", 3)).refused());

        // every node runs level 3 too: an automatic adjust goes to 3, not to a level between
        assertTrue(s.hold(new Hold(List.of("g"), false, "n1", 14, Asker.NODE)).accepted());
        for (String n : List.of("n1", "n2", "n3")) {
            assertTrue(s.capabilityChanged(new CapabilityChanged(n, new TreeSet<>(List.of(1, 2, 3)))).accepted());
        }
        assertEquals(java.util.Set.of("g", "h"), s.groupsToRaise());
        Adjust between = auto("a6", 2, "g", 2);
        assertTrue(s.adjust(between).why(), s.adjust(between).why().contains("potential level 3"));
        assertTrue(s.adjust(auto("a7", 3, "g", 2)).accepted());
        assertEquals(3, s.group("g").orElseThrow().level());
    }

    private static Adjust auto(String id, int to, String group, long epoch) {
        return new Adjust(id, "n1", to, List.of(new GroupVersion(group, 0, epoch)), 1_000L, Asker.NODE,
                Adjust.AUTOMATIC);
    }

    private static void apply(ClusterState s, Envelope e) {
        if (e instanceof Hello h) {
            s.hello(h);
        } else if (e instanceof ViewChanged v) {
            s.viewChanged(v);
        } else if (e instanceof Join j) {
            s.join(j);
        } else if (e instanceof Adjust a) {
            s.adjust(a);
        } else if (e instanceof RemoveNode r) {
            s.removeNode(r);
        } else {
            throw new IllegalArgumentException(e.toString());
        }
    }
}
