"""Reads for the leadership dashboard from a PostgreSQL read replica (DATABASE_REPLICA_URL), when there is one.

Only code that asks for it reads from the replica: a view decorated with @read_from_replica (or a block inside
`with read_from_replica():`) sends its reads there; every write, and every read anywhere else, stays on the
primary, so a page never misses a change the same user just made. Without DATABASE_REPLICA_URL the decorator
does nothing. The replica may lag the primary by a few seconds: use it only for figures where that is fine.
"""
from contextlib import ContextDecorator
from contextvars import ContextVar

from django.db import connections

REPLICA = "replica"
_use_replica: ContextVar[bool] = ContextVar("use_replica", default=False)


class _ReplicaReads(ContextDecorator):
    def _recreate_cm(self):  # a fresh one per call of a decorated view: threads must not share the token
        return type(self)()

    def __enter__(self):
        self._token = _use_replica.set(True)
        return self

    def __exit__(self, *exc):
        _use_replica.reset(self._token)
        return False


def read_from_replica(func=None):
    """Send the reads of a view (@read_from_replica) or of a block (with read_from_replica():) to the replica."""
    return _ReplicaReads() if func is None else _ReplicaReads()(func)


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """DATABASE_ROUTERS entry: reads inside read_from_replica go to the replica, everything else to default."""

    def db_for_read(self, model, **hints):
        if _use_replica.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the same database

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # the replica receives the schema by replication
