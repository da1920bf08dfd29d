package org.cutover.core.internal;

/**
 * The names the API takes (nodes, groups) are printed in shell tables, log
 * lines and error messages on an operator's terminal: a name holding control
 * characters (ESC sequences, carriage returns) or invisible formatting (bidi
 * overrides) would let whoever chose it rewrite what the operator sees.
 */
public final class Names {

    private Names() {
    }

    /** @throws IllegalArgumentException naming the offending character's position, never echoing it */
    public static String requirePrintable(String what, String name) {
        if (name == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        int at = firstUnprintable(name);
        if (at >= 0) {
            throw new IllegalArgumentException(what + " holds a control or invisible character (U+"
                    + String.format("%04X", name.codePointAt(at)) + ") at position " + at
                    + "; names must be printable");
        }
        return name;
    }

    /** the position of the first control or invisible character, or -1 */
    public static int firstUnprintable(String name) {
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE
                    || type == Character.UNASSIGNED) {
                return i;
            }
            i += Character.charCount(c);
        }
        return -1;
    }
}
