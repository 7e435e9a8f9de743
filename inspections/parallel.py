"""The draw's inspector assignment on two cores, with exactly the result of ``algorithm.assign`` alone.

The assignment walks the selected entities in order and cannot be split: each pick depends on the loads left by
all the picks before it. What can be done ahead is the tie-break of an entity: its eligible inspectors sorted by
H(uscc + ":" + code), whatever the loads will be. A helper process (``os.fork``: Celery's prefork children are
daemonic and may not start ``multiprocessing`` children) sorts the pools of the entities at the END of the walk,
last first, and sends each order back as 2-byte pool indices; the job's own process walks from the start,
hashing only the inspectors that tie (about 134 of 300 on average), and where the helper's order is already there
takes the first candidate in it. The two meet somewhere in the middle; then the helper is stopped.

Measured on the two-core benchmark machine, this does not pay inside the draw job, whose writer thread keeps the
second core busy with the database's side of the writing while the job assigns; the job therefore leaves it off
(``services.draws.ASSIGNMENT_HELPER``), and the helper runs at the lowest priority when it is used. What does pay
is ``rank_parallel`` below: half the ranking HMACs in a helper while the job ranks the rest.

The helper only reads what it inherited and writes to its pipe: it never touches the database connection it
inherited (it leaves with ``os._exit``, so nothing is closed or flushed on the parent's behalf). If it dies, is
killed or sends nothing, the job simply computes the remaining entities itself: the result is the same.
"""
import gc
import os
import select
import signal
import struct
import time
from array import array

from .algorithm import Hasher, PoolMember, assign, blocking_maps, rank_select

MIN_WALK = 1000  # below this the fork costs more than the helper saves (the tests pass a smaller value)
CHUNK = 16  # entities per message from the helper
NICE = 19  # the assignment helper's niceness
MIN_POPULATION = 100_000  # below this the ranking is not split (a fork costs a few milliseconds)
# How long the job waits for the ranking helper after ranking its own strata: this many times as long as its own
# took, and at least HELPER_WAIT_MIN seconds. A helper that hangs (it should not, but it is a fork) is then killed
# and its strata are ranked by the job itself: a draw is never left waiting on it.
HELPER_WAIT_FACTOR = 3
HELPER_WAIT_MIN = 5.0
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
                os.nice(NICE)  # only cycles nobody else wants: never slows the walk or the database
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
            _reap(self.pid)
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


# ---------------------------------------------------------------------------------------------------------
# Ranking: the strata split between the job's process and a helper
# ---------------------------------------------------------------------------------------------------------

_RANKED = struct.Struct("<BII")  # stratum number, number selected, byte length of their codes


def rank_parallel(strata: dict[str, list[str]], sizes: dict[str, int], hasher: Hasher, *,
                  min_population: int | None = None, done=None, wait_min: float | None = None
                  ) -> dict[str, list[tuple[bytes, str]]]:
    """``rank_select`` of every stratum (code lists in ``strata``, sample sizes in ``sizes``), the larger strata
    (about half the codes) ranked by a forked helper meanwhile. ``done(cls, ranked)`` is called as each stratum's
    selection is known (the job looks the selected entities up in the database while the rest is ranked). The
    helper sends back only the selected keys and codes; if it fails, its strata are ranked here. Same result."""
    order = sorted(strata, key=lambda cls: -len(strata[cls]))
    total = sum(len(codes) for codes in strata.values())
    theirs: list[str] = []
    if total >= (MIN_POPULATION if min_population is None else min_population) and hasattr(os, "fork"):
        share = 0
        for cls in order:
            if share + len(strata[cls]) <= total / 2 or not theirs:
                theirs.append(cls)
                share += len(strata[cls])
    ours = [cls for cls in order if cls not in theirs]
    pid, fd = None, None
    if theirs:
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                gc.disable()
                os.close(read_fd)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                names = list(strata)
                parts = []  # all ranked first, then written: a full pipe must not hold the ranking up
                for cls in theirs:
                    ranked = rank_select(strata[cls], sizes[cls], hasher)
                    codes = "\n".join(code for _, code in ranked).encode("utf-8")
                    parts += [_RANKED.pack(names.index(cls), len(ranked), len(codes)),
                              b"".join(key for key, _ in ranked), codes]
                view = memoryview(b"".join(parts))
                while view:
                    view = view[os.write(write_fd, view):]
                os.close(write_fd)
                code = 0
            except BaseException:  # noqa: BLE001 — the parent ranks these strata itself
                code = 1
            finally:
                os._exit(code)
        os.close(write_fd)
        fd = read_fd
    result: dict[str, list[tuple[bytes, str]]] = {}
    try:
        started = time.monotonic()
        for cls in ours:
            result[cls] = rank_select(strata[cls], sizes[cls], hasher)
            if done is not None:
                done(cls, result[cls])
        if fd is not None:
            own = time.monotonic() - started
            deadline = time.monotonic() + max(HELPER_WAIT_MIN if wait_min is None else wait_min,
                                              HELPER_WAIT_FACTOR * own)
            for cls, ranked in _read_ranked(fd, list(strata), deadline).items():
                if cls in theirs and cls not in result and len(ranked) == min(sizes[cls], len(strata[cls])):
                    result[cls] = ranked
                    if done is not None:
                        done(cls, ranked)
    finally:
        if fd is not None:
            os.close(fd)
        if pid is not None:
            _reap(pid)
    for cls in theirs:  # whatever the helper did not deliver
        if cls not in result:
            result[cls] = rank_select(strata[cls], sizes[cls], hasher)
            if done is not None:
                done(cls, result[cls])
    return {cls: result[cls] for cls in strata}


def _read_ranked(fd: int, names: list[str], deadline: float) -> dict[str, list[tuple[bytes, str]]]:
    """The helper's strata, as far as they arrived whole before it closed the pipe or the deadline passed."""
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            break  # the helper is late: the caller kills it and ranks what is missing itself
        data = os.read(fd, 1 << 20)
        if not data:
            break
        chunks.append(data)
    data = b"".join(chunks)
    out = {}
    at = 0
    while len(data) - at >= _RANKED.size:
        number, count, length = _RANKED.unpack_from(data, at)
        at += _RANKED.size
        end = at + 32 * count + length
        if end > len(data) or number >= len(names):
            break
        keys = [data[i:i + 32] for i in range(at, at + 32 * count, 32)]
        codes = data[at + 32 * count:end].decode("utf-8").split("\n") if count else []
        if len(codes) != count:
            break
        out[names[number]] = list(zip(keys, codes, strict=True))
        at = end
    return out


def _reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    while True:
        try:
            os.waitpid(pid, 0)
            return
        except ChildProcessError:
            return
        except InterruptedError:
            continue
