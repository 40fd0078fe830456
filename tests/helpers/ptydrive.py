"""Run a command on a new pseudo-terminal, as a user at a terminal would.

usage: python3 ptydrive.py ROWS COLS KEYS CMD [ARG...]

The terminal gets the window size ROWS x COLS before CMD starts. Once CMD
has printed READY, KEYS (with backslash escapes, such as \\x03 for
Ctrl-C; "" for none) is typed, or, for KEYS of the form "winsize=R,C",
the window is resized to R rows and C columns. Prints what CMD wrote (with CR LF as
LF), then "status=N" (CMD's exit status, 128+N for signal N) and
"restored=yes" when the terminal is back in canonical mode with echo
after CMD ended, else "restored=no". A CMD still running after 60 s is
killed and reported as "status=hung".
"""
import fcntl
import os
import select
import signal
import struct
import sys
import termios
import time

HANG_GUARD_S = 60


def act(master, terminal, keys):
    if keys.startswith(b"winsize="):
        rows, cols = (int(n) for n in keys[len(b"winsize="):].split(b","))
        # The kernel sends SIGWINCH to the terminal's foreground process group.
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    else:
        os.write(master, keys)


def main():
    rows, cols = int(sys.argv[1]), int(sys.argv[2])
    keys = sys.argv[3].encode().decode("unicode_escape").encode("latin-1")
    argv = sys.argv[4:]

    master, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.login_tty(terminal)
        os.execvp(argv[0], argv)

    # The terminal side stays open here too, so its mode can be read after CMD ends.
    output, typed, status = b"", False, None
    deadline = time.monotonic() + HANG_GUARD_S
    while status is None:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            output += os.read(master, 4096)
            if not typed and b"READY" in output:
                act(master, terminal, keys)
                typed = True
        ended, wstatus = os.waitpid(pid, os.WNOHANG)
        if ended:
            status = os.waitstatus_to_exitcode(wstatus)
            status = 128 - status if status < 0 else status
        elif time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            status = "hung"
    while select.select([master], [], [], 0.2)[0]:
        output += os.read(master, 4096)

    lflag = termios.tcgetattr(terminal)[3]
    restored = lflag & termios.ICANON and lflag & termios.ECHO
    sys.stdout.write(output.decode(errors="replace").replace("\r\n", "\n"))
    print(f"\nstatus={status}")
    print(f"restored={'yes' if restored else 'no'}")


main()
