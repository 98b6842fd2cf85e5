"""The beat, guarded: two beats never send the same schedule (README, "Background work";
docs/scaling.md).

Running a second beat (a second machine, a redeploy that overlaps, an operator's mistake)
would send every scheduled task twice: two sweeps at once, the clause 9 reminders and the
hidden-danger reminders mailed twice. ``GuardedScheduler`` (``CELERY_BEAT_SCHEDULER`` when
Redis is set) takes a lock in Redis before it sends anything: ``SET key token NX EX
BEAT_LOCK_SECONDS``, renewed on every tick (the heartbeat; a tick comes at least every
third of the lock's life). A beat that does not hold the lock stands by: it keeps its
schedule turning, sends nothing and says so in its log, and takes over when the lock is
free (released by a beat that stops, or expired within ``BEAT_LOCK_SECONDS`` of a beat
that died). A schedule entry falling due in that gap is counted as run by the standby and
not sent: the sweep comes again ``OUTBOX_SWEEP_SECONDS`` later, and a daily reminder's
selection is by date, so the next day's run also picks up what it missed. When Redis cannot
be reached, no beat sends (nor could it: Redis is the broker).
"""

import logging
import os
import socket
import uuid

import redis
from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

# Renew or release only a lock this beat holds (compare and act, atomically in Redis).
_RENEW = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
          "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end")
_RELEASE = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
            "return redis.call('del', KEYS[1]) else return 0 end")


class BeatLock:
    """A lease in Redis: held by one token at a time, for ``seconds`` unless renewed."""

    def __init__(self, url: str, key: str, seconds: int):
        self.redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.key = key
        self.seconds = seconds
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.held = False

    def hold(self) -> bool:
        """Renew the lease when held, else take it when free; whether this beat holds it."""
        try:
            if self.held and self.redis.eval(_RENEW, 1, self.key, self.token,
                                             self.seconds * 1000):
                return True
            self.held = bool(self.redis.set(self.key, self.token, nx=True, ex=self.seconds))
        except redis.RedisError as exc:
            logger.warning("beat lock: Redis unreachable (%s); sending nothing",
                           type(exc).__name__)
            self.held = False
        return self.held

    def holder(self) -> str:
        try:
            value = self.redis.get(self.key)
        except redis.RedisError:
            return "unknown"
        return value.decode() if value else "nobody"

    def release(self) -> None:
        if self.held:
            try:
                self.redis.eval(_RELEASE, 1, self.key, self.token)
            except redis.RedisError:
                pass  # it expires by itself
            self.held = False


class GuardedScheduler(PersistentScheduler):
    """Celery's file-backed scheduler, sending only while it holds the beat lock."""

    def __init__(self, *args, lock_url=None, lock_key=None, lock_seconds=None, **kwargs):
        from django.conf import settings

        self.lock = BeatLock(lock_url or settings.BEAT_LOCK_URL,
                             lock_key or settings.BEAT_LOCK_KEY,
                             int(lock_seconds or settings.BEAT_LOCK_SECONDS))
        self._was_holding = None
        super().__init__(*args, **kwargs)
        # The heartbeat: a tick (and so a renewal) at least every third of the lease.
        self.max_interval = min(self.max_interval, self.lock.seconds / 3)

    def _guard(self) -> bool:
        holding = self.lock.hold()
        if holding != self._was_holding:
            if holding:
                logger.info("beat lock taken (%s): this beat sends the schedule",
                            self.lock.token)
            else:
                logger.warning("beat lock held by another beat (%s): this beat stands by "
                               "and sends nothing", self.lock.holder())
            self._was_holding = holding
        return holding

    def tick(self, *args, **kwargs):
        self._guard()
        return super().tick(*args, **kwargs)

    def apply_entry(self, entry, producer=None):
        if not self._guard():
            logger.info("beat on standby: %s not sent (the lock is %s's)", entry.name,
                        self.lock.holder())
            return
        super().apply_entry(entry, producer=producer)

    def close(self):
        self.lock.release()
        super().close()
