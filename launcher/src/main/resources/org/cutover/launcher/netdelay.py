# Delays the packets a netfilter rule hands to NFQUEUE queue QUEUE, in this network namespace:
#   python3 - cutover-netdelay QUEUE DELAY_MS JITTER_MS REORDER_PCT
# Each packet is let through DELAY_MS +- JITTER_MS after it was queued, in the order queued, except
# REORDER_PCT % of them, let through at once (so they overtake the waiting ones). This machine's
# kernel has no netem qdisc; the queue is the kernel's own (nfnetlink_queue), spoken to over
# netlink with the standard library only. PrivateNetwork starts and ends it (launcher module).
import heapq, random, select, socket, struct, sys, time

queue, delay, jitter, reorder = int(sys.argv[2]), float(sys.argv[3]) / 1000, float(sys.argv[4]) / 1000, \
    float(sys.argv[5]) / 100
SUBSYS_QUEUE = 3 << 8
MSG_PACKET, MSG_VERDICT, MSG_CONFIG = 0, 1, 2
NF_ACCEPT = 1

sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
sock.bind((0, 0))
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
seq = 0


def send(kind, attributes):
    global seq
    seq += 1
    body = struct.pack("!BBH", socket.AF_UNSPEC, 0, queue)
    for kind_of_attribute, value in attributes:
        attribute = struct.pack("=HH", 4 + len(value), kind_of_attribute) + value
        body += attribute + b"\0" * (-len(attribute) % 4)
    sock.send(struct.pack("=IHHII", 16 + len(body), SUBSYS_QUEUE | kind, 1, seq, 0) + body)  # NLM_F_REQUEST


send(MSG_CONFIG, [(1, struct.pack("!BBH", 1, 0, socket.AF_INET))])  # command BIND
send(MSG_CONFIG, [(2, struct.pack("!IB", 0, 1))])  # copy the packets' metadata only
send(MSG_CONFIG, [(3, struct.pack("!I", 50000))])  # queue length
print("bound", flush=True)  # PrivateNetwork sends packets here only after this line

due = []  # (time, packet id)
last = 0.0
while True:
    now = time.monotonic()
    while due and due[0][0] <= now:
        send(MSG_VERDICT, [(2, struct.pack("!II", NF_ACCEPT, heapq.heappop(due)[1]))])
    ready, _, _ = select.select([sock], [], [], max(0.0, due[0][0] - time.monotonic()) if due else None)
    if not ready:
        continue
    data = sock.recv(1 << 16)
    at = 0
    while at + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, at)
        if length < 16:
            break
        if kind == SUBSYS_QUEUE | MSG_PACKET:
            a = at + 20
            while a + 4 <= at + length:
                alen, atype = struct.unpack_from("=HH", data, a)
                if alen < 4:
                    break
                if atype & 0x7fff == 1:  # the packet header: its id first
                    packet = struct.unpack_from("!I", data, a + 4)[0]
                    if random.random() < reorder:
                        send(MSG_VERDICT, [(2, struct.pack("!II", NF_ACCEPT, packet))])
                    else:
                        last = max(time.monotonic() + delay + random.uniform(-jitter, jitter), last)
                        heapq.heappush(due, (last, packet))
                a += (alen + 3) & ~3
        at += (length + 3) & ~3
