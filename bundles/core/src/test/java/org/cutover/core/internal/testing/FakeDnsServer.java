package org.cutover.core.internal.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A DNS server on a free UDP port of 127.0.0.1 that answers A and SRV questions from records the test sets, and
 * NXDOMAIN for every other name: enough for JGroups' DNS_PING and the JDK's DNS provider, no more.
 */
public final class FakeDnsServer implements AutoCloseable {

    private static final int TYPE_A = 1;
    private static final int TYPE_SRV = 33;

    private final DatagramSocket socket;
    private final Map<String, List<String>> a = new ConcurrentHashMap<>();
    private final Map<String, List<String>> srv = new ConcurrentHashMap<>();
    private final Thread thread;

    public FakeDnsServer() throws SocketException {
        socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        thread = new Thread(this::serve, "fake-dns-" + socket.getLocalPort());
        thread.setDaemon(true);
        thread.start();
    }

    /** host:port, as dns.address takes it */
    public String address() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    public FakeDnsServer a(String name, String... addresses) {
        a.put(name.toLowerCase(Locale.ROOT), List.of(addresses));
        return this;
    }

    /** SRV records of {@code name}, each "target:port" */
    public FakeDnsServer srv(String name, String... targets) {
        srv.put(name.toLowerCase(Locale.ROOT), List.of(targets));
        return this;
    }

    private void serve() {
        byte[] buffer = new byte[512];
        while (!socket.isClosed()) {
            try {
                DatagramPacket query = new DatagramPacket(buffer, buffer.length);
                socket.receive(query);
                byte[] reply = answer(ByteBuffer.wrap(query.getData(), 0, query.getLength()));
                socket.send(new DatagramPacket(reply, reply.length, query.getSocketAddress()));
            } catch (IOException | RuntimeException e) {
                if (socket.isClosed()) {
                    return;
                }
            }
        }
    }

    private byte[] answer(ByteBuffer query) {
        short id = query.getShort(0);
        int position = 12;
        StringBuilder name = new StringBuilder();
        for (int len = query.get(position) & 0xff; len != 0; len = query.get(position) & 0xff) {
            name.append(name.length() == 0 ? "" : ".")
                    .append(new String(query.array(), position + 1, len, StandardCharsets.US_ASCII));
            position += len + 1;
        }
        int type = query.getShort(position + 1) & 0xffff;
        int questionEnd = position + 5;
        String key = name.toString().toLowerCase(Locale.ROOT);
        List<String> records = type == TYPE_A ? a.get(key) : type == TYPE_SRV ? srv.get(key) : null;
        boolean known = a.containsKey(key) || srv.containsKey(key);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(12).putShort(id).putShort((short) (0x8180 | (known ? 0 : 3)))
                .putShort((short) 1).putShort((short) (records == null ? 0 : records.size())).putShort((short) 0)
                .putShort((short) 0);
        out.writeBytes(header.array());
        out.write(query.array(), 12, questionEnd - 12);
        for (String record : records == null ? List.<String>of() : records) {
            byte[] data = type == TYPE_A ? address(record) : srvData(record);
            out.writeBytes(ByteBuffer.allocate(12 + data.length).putShort((short) 0xc00c).putShort((short) type)
                    .putShort((short) 1).putInt(5).putShort((short) data.length).put(data).array());
        }
        return out.toByteArray();
    }

    private static byte[] address(String ip) {
        try {
            return InetAddress.getByName(ip).getAddress();
        } catch (IOException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }

    private static byte[] srvData(String targetAndPort) {
        int colon = targetAndPort.lastIndexOf(':');
        ByteArrayOutputStream target = new ByteArrayOutputStream();
        for (String label : targetAndPort.substring(0, colon).split("\\.")) {
            target.write(label.length());
            target.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        }
        target.write(0);
        return ByteBuffer.allocate(6 + target.size()).putShort((short) 10).putShort((short) 100)
                .putShort((short) Integer.parseInt(targetAndPort.substring(colon + 1))).put(target.toByteArray())
                .array();
    }

    @Override
    public void close() {
        socket.close();
    }
}
