package org.cutover.core.internal.testing;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.jgroups.Address;
import org.jgroups.Header;
import org.jgroups.Message;
import org.jgroups.protocols.PingHeader;
import org.jgroups.stack.Protocol;

/**
 * Once armed, loses the first discovery request (TCPPING's GET_MBRS_REQ) from each sender, as TCP loses one that
 * a node restarted on its old port writes into a connection the peer closes unread: the survivors still send to
 * the dead run's address, the two connects cross, and each side keeps its own (FailoverBench's trace,
 * 2026-12-05). Sits just above the transport, as a network would drop it.
 */
public class LoseFirstDiscovery extends Protocol {

    private volatile boolean armed;
    private final Set<Address> seen = ConcurrentHashMap.newKeySet();
    private final AtomicInteger lost = new AtomicInteger();

    public void arm() {
        armed = true;
    }

    /** the requests lost so far */
    public int lost() {
        return lost.get();
    }

    @Override
    public Object up(Message msg) {
        if (armed) {
            for (Header h : msg.getHeaders().values()) {
                if (h instanceof PingHeader p && p.type() == PingHeader.GET_MBRS_REQ && seen.add(msg.getSrc())) {
                    lost.incrementAndGet();
                    return null;
                }
            }
        }
        return up_prot.up(msg);
    }
}
