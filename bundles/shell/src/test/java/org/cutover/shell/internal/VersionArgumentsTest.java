package org.cutover.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

import org.apache.karaf.shell.support.CommandException;
import org.cutover.api.version.VersionRequest;
import org.junit.Test;

public class VersionArgumentsTest {

    @Test
    public void namedGroupsWithoutALevelAskForThePotentialLevel() throws Exception {
        VersionRequest request = VersionArguments.request(List.of("users", "orders", "users"), false, null, false);
        assertEquals(Set.of("orders", "users"), request.groups());
        assertFalse(request.all());
        assertEquals(OptionalInt.empty(), request.target());
        assertFalse(request.downgrade());
    }

    @Test
    public void allGroupsToALevelWithDowngrade() throws Exception {
        VersionRequest request = VersionArguments.request(null, true, " 3 ", true);
        assertTrue(request.all());
        assertEquals(Set.of(), request.groups());
        assertEquals(OptionalInt.of(3), request.target());
        assertTrue(request.downgrade());
    }

    @Test
    public void groupsAndAllTogetherAreRefused() {
        CommandException refused = assertThrows(CommandException.class,
                () -> VersionArguments.request(List.of("orders"), true, null, false));
        assertEquals("name groups or use --all, not both", refused.getMessage());
    }

    @Test
    public void neitherGroupsNorAllIsRefused() {
        for (List<String> none : Arrays.asList(null, List.<String>of())) {
            CommandException refused = assertThrows(CommandException.class,
                    () -> VersionArguments.request(none, false, "2", false));
            assertEquals("name at least one group, or use --all", refused.getMessage());
        }
    }

    @Test
    public void optionsAfterTheGroupNamesAreRefusedInsteadOfTakenAsNames() {
        CommandException refused = assertThrows(CommandException.class,
                () -> VersionArguments.request(List.of("orders", "--to", "2"), false, null, false));
        assertEquals("options go before the group names, '--to' came after them", refused.getMessage());
    }

    @Test
    public void levelsBelowOneAndNonNumbersAreRefusedWithTheValue() {
        for (String to : new String[] {"0", "-1", "-2147483648", "abc", "", "2.5", "99999999999", "two"}) {
            CommandException refused = assertThrows(CommandException.class,
                    () -> VersionArguments.request(List.of("orders"), false, to, false));
            assertEquals("INVALID_LEVEL: --to takes a level, a whole number of 1 or more, not '" + to + "'",
                    refused.getMessage());
        }
    }

    @Test
    public void levelOneAndUpAreAccepted() throws Exception {
        assertEquals(OptionalInt.of(1), VersionArguments.level("1"));
        assertEquals(OptionalInt.of(2), VersionArguments.level("2"));
        assertEquals(OptionalInt.of(Integer.MAX_VALUE), VersionArguments.level(String.valueOf(Integer.MAX_VALUE)));
    }
}
