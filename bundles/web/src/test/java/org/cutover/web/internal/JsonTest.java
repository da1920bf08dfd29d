package org.cutover.web.internal;

import static org.junit.Assert.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.Test;

public class JsonTest {

    @Test
    public void writesWhatThePageReadsAndNoMarkupGetsThrough() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "kv\"</script><b>\n\u0001");
        m.put("level", 2);
        m.put("epoch", 12L);
        m.put("millis", 1.5);
        m.put("nan", Double.NaN);
        m.put("held", true);
        m.put("members", List.of("n1#a", "n2#b"));
        m.put("none", null);
        m.put("empty", Arrays.asList());
        assertEquals("{\"name\":\"kv\\\"\\u003c/script\\u003e\\u003cb\\u003e\\n\\u0001\",\"level\":2,\"epoch\":12,"
                + "\"millis\":1.5,\"nan\":null,\"held\":true,\"members\":[\"n1#a\",\"n2#b\"],\"none\":null,"
                + "\"empty\":[]}", Json.write(m));
    }
}
