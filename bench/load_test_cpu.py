"""CPU time used by the gunicorn workers and by the PostgreSQL backends of one database while a load runs.

    python bench/load_test_cpu.py GUNICORN_MASTER_PID DATABASE_URL   # until SIGTERM; prints the CPU ms used

Samples /proc every 0.3 s, so that a backend that ends during the run (connections are recycled after
CONN_MAX_AGE) or a gunicorn worker that is replaced still counts up to its last sample. Used by bench/load_test.sh.
"""
import os
import signal
import sys
import time

import psycopg2

TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")


def cpu_ms(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * TICK_MS


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def main():
    master, url = int(sys.argv[1]), sys.argv[2]
    conn = psycopg2.connect(url)
    conn.autocommit = True
    cursor = conn.cursor()
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    stop = False

    def finish(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, finish)
    started = True
    while not stop:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        pids = children(master) + [row[0] for row in cursor.fetchall()]
        for pid in pids:
            used = cpu_ms(pid)
            if used is None:
                continue
            # Processes there at the start count from then; later ones from their beginning.
            first.setdefault(pid, used if started else 0.0)
            last[pid] = used
        started = False
        time.sleep(0.3)
    print(round(sum(last[pid] - first[pid] for pid in last)))


if __name__ == "__main__":
    main()
