# Sends SIGUSR1 to one thread of another process every millisecond until that process ends:
#   python3 tgkill.py PID TID
# Java has no way to signal one thread of a process (kill(2) hands a signal to any thread that takes it).
import ctypes, os, signal, sys, time

SYS_TGKILL = 234  # x86_64
libc = ctypes.CDLL(None, use_errno=True)
pid, tid = int(sys.argv[1]), int(sys.argv[2])
sent = 0
while libc.syscall(SYS_TGKILL, pid, tid, signal.SIGUSR1) == 0:
    sent += 1
    time.sleep(0.001)
print(sent)
