"""The draw's inspector assignment on two cores, with exactly the result of ``algorithm.assign`` alone.

The assignment walks the selected entities in order and cannot be split: each pick depends on the loads left by
all the picks before it. What can be done ahead is the tie-break of an entity: its eligible inspectors sorted by
H(uscc + ":" + code), whatever the loads will be. A helper process (``os.fork``: Celery's prefork children are
daemonic and may not start ``multiprocessing`` children) sorts the pools of the entities at the END of the walk,
last first, and sends each order back as 2-byte pool indices; the job's own process walks from the start,
hashing only the inspectors that tie (about 134 of 300 on average), and where the helper's order is already there
takes the first candidate in it. The two meet somewhere in the middle; then the helper is stopped.

The helper only reads what it inherited and writes to its pipe: it never touches the database connection it
inherited (it leaves with ``os._exit``, so nothing is closed or flushed on the parent's behalf). If it dies, is
killed or sends nothing, the job simply computes the remaining entities itself: the result is the same.
"""
import errno
import gc
import os
import signal
import struct
from array import array

from .algorithm import Hasher, PoolMember, assign, blocking_maps

MIN_WALK = 1000  # below this the fork costs more than the helper saves (the tests pass a smaller value)
CHUNK = 16  # entities per message from the helper
_HEADER = struct.Struct("<II")  # first walk index of the chunk, number of entities


class ForkedOrders:
    """Tie-break orders for the end of the walk, computed by a forked helper process (see the module doc)."""

    def __init__(self, walk: list[tuple[str, str | None]], pool: list[PoolMember], *, hasher: Hasher,
                 cross_office: bool):
        self.n = len(pool)
        self.frontier = len(walk)  # every entity from here to the end has its order
        self.orders: list = [None] * len(walk)
        self.buffer = bytearray()
        self.pid: int | None = None
        self.fd: int | None = None
        self.helped = 0
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the helper: compute, write, leave without any clean-up of the parent's state
            code = 1
            try:
                gc.disable()  # a collection would touch (and so copy) every object inherited from the parent
                os.close(read_fd)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                _helper(write_fd, walk, pool, hasher, cross_office)
                code = 0
            except BaseException:  # noqa: BLE001 — the parent notices the missing orders and goes on alone
                code = 1
            finally:
                os._exit(code)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        self.pid, self.fd = pid, read_fd

    def order(self, j: int):
        """Entity j's eligible pool indices in tie-break order (blocked ones after them), or None."""
        if j >= self.frontier:
            return self._get(j)
        if self.fd is not None and not j & 7:
            self._read()
            if j >= self.frontier:
                self.stop()  # the walk has reached the helper's part: everything after j is there
                return self._get(j)
        return None

    def _get(self, j: int):
        self.helped += 1
        return self.orders[j]

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            if not data:  # the helper has finished or died; whatever it sent is usable
                self._close()
                break
            self.buffer += data
        size = self.n * 2
        buffer = self.buffer
        while len(buffer) >= _HEADER.size:
            start, count = _HEADER.unpack_from(buffer)
            end = _HEADER.size + count * size
            if len(buffer) < end or start + count != self.frontier:
                if start + count != self.frontier:  # not the next chunk down: do not trust the stream
                    self.stop()
                    buffer.clear()
                break
            orders = array("H")
            orders.frombytes(bytes(buffer[_HEADER.size:end]))
            n = self.n
            for e in range(count):
                self.orders[start + e] = orders[e * n:(e + 1) * n]
            self.frontier = start
            del buffer[:end]

    def _close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def stop(self) -> None:
        """Stop the helper (if it is still running) and reap it; safe to call more than once."""
        self._close()
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            while True:
                try:
                    os.waitpid(self.pid, 0)
                    break
                except ChildProcessError:
                    break
                except OSError as exc:
                    if exc.errno != errno.EINTR:
                        raise
            self.pid = None


def _helper(fd: int, walk, pool, hasher: Hasher, cross_office: bool) -> None:
    """In the helper process: the orders of the walk's entities from the last one down, CHUNK at a time."""
    n = len(pool)
    code_bytes = [m.code.encode("utf-8") for m in pool]
    by_office, conflicts = blocking_maps(pool)
    everyone = range(n)
    inner_base, outer_copy = hasher._inner, hasher._outer.copy
    end = len(walk)
    while end > 0:
        start = max(0, end - CHUNK)
        out = array("H")
        for uscc, office in walk[start:end]:
            blocked = set(conflicts.get(uscc, ()))
            if cross_office and office is not None:
                blocked |= by_office.get(office, set())
            inner = inner_base.copy()
            inner.update(uscc.encode("utf-8") + b":")
            inner_copy = inner.copy
            keyed = []
            for i in everyone:
                if i in blocked:
                    continue
                h = inner_copy()
                h.update(code_bytes[i])
                o = outer_copy()
                o.update(h.digest())
                keyed.append((o.digest(), i))
            keyed.sort()
            out.extend([i for _, i in keyed])
            out.extend(sorted(blocked))
        data = _HEADER.pack(start, end - start) + out.tobytes()
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        end = start
    os.close(fd)


def assign_parallel(walk: list[tuple[str, str | None]], pool: list[PoolMember], *, hasher: Hasher,
                    per_check: int, cross_office: bool, departments: list[str], names: dict | None = None,
                    min_walk: int = MIN_WALK, stats: dict | None = None) -> list[list[str]]:
    """``algorithm.assign`` with a helper process for the end of the walk (small walks: alone). Same result."""
    if len(walk) < max(min_walk, 2) or len(pool) > 65535 or not hasattr(os, "fork"):
        return assign(walk, pool, hasher=hasher, per_check=per_check, cross_office=cross_office,
                      departments=departments, names=names)
    ahead = ForkedOrders(walk, pool, hasher=hasher, cross_office=cross_office)
    try:
        return assign(walk, pool, hasher=hasher, per_check=per_check, cross_office=cross_office,
                      departments=departments, names=names, ahead=ahead)
    finally:
        ahead.stop()
        if stats is not None:
            stats["helped"] = ahead.helped
