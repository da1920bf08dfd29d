package org.cutover.bench.stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Just enough JSON writing for the results file; no library needed. */
public final class Json {
    private Json() {
    }

    public static final class Obj {
        private final Map<String, Object> fields = new LinkedHashMap<>();

        public Obj put(String key, Object value) {
            fields.put(key, value);
            return this;
        }

        @Override
        public String toString() {
            return write(this, "");
        }
    }

    public static final class Arr {
        private final List<Object> items = new ArrayList<>();

        public Arr add(Object value) {
            items.add(value);
            return this;
        }
    }

    public static String write(Object v, String indent) {
        String in = indent + "  ";
        if (v == null) {
            return "null";
        } else if (v instanceof Obj o) {
            if (o.fields.isEmpty()) {
                return "{}";
            }
            StringBuilder b = new StringBuilder("{\n");
            int i = 0;
            for (Map.Entry<String, Object> e : o.fields.entrySet()) {
                b.append(in).append(quote(e.getKey())).append(": ").append(write(e.getValue(), in));
                b.append(++i < o.fields.size() ? ",\n" : "\n");
            }
            return b.append(indent).append('}').toString();
        } else if (v instanceof Arr a) {
            if (a.items.isEmpty()) {
                return "[]";
            }
            StringBuilder b = new StringBuilder("[\n");
            for (int i = 0; i < a.items.size(); i++) {
                b.append(in).append(write(a.items.get(i), in)).append(i + 1 < a.items.size() ? ",\n" : "\n");
            }
            return b.append(indent).append(']').toString();
        } else if (v instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.4f", d);
        } else if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        } else {
            return quote(v.toString());
        }
    }

    public static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
