"""kombu's Redis transport, with a channel whose connection was torn down failing as a connection error.

When Redis goes away, the worker collects the broken connection (which drops the transport's
client) and later still uses the old channel: to put back the task it held unacknowledged, and
to acknowledge the task that was running. kombu then fails with AttributeError ('NoneType'
object has no attribute 'hostname'), which Celery (5.7.0) does not count as a connection
error: the worker stops with "Unrecoverable error" instead of reconnecting. Raised as Redis's
ConnectionError, the same step is logged and skipped; the task stays in Redis's unacked set
(redelivered after the visibility timeout) or, if Redis lost it, the sweep takes it up.
"""
from __future__ import annotations

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        if self.connection.client is None:
            raise RedisConnectionError("the broker connection of this channel was closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
