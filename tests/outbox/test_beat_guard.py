"""Two beats never send the same schedule (consultancy.outbox.beat): two real schedulers
against the Redis at 127.0.0.1:6379 (database 10, skipped when it is not there), sending to
a real queue there. The first takes the lock and sends; the second stands by, sends nothing
and logs it; when the first stops (lock released) or dies (lock expired, no heartbeat),
the second takes over."""

import contextlib
import logging
import time
import uuid

import pytest
from celery import Celery

from consultancy.outbox.beat import GuardedScheduler

REDIS = "redis://127.0.0.1:6379/10"


@pytest.fixture
def redis10():
    import redis

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    keys = []
    yield client, keys
    if keys:
        client.delete(*keys)


@pytest.fixture
def beats(redis10, tmp_path):
    """Two beats of one schedule (an entry due every 0.2 s), each counting what it sent."""
    client, keys = redis10
    queue = f"beat-guard-{uuid.uuid4().hex[:8]}"
    lock_key = f"beat-guard-lock-{uuid.uuid4().hex[:8]}"
    keys += [queue, lock_key]
    app = Celery("beat-guard-test", broker=REDIS, set_as_current=False)
    app.conf.task_default_queue = queue
    app.conf.broker_connection_retry_on_startup = False
    app.conf.beat_schedule = {"sweep": {"task": "beat_guard_test.sweep", "schedule": 0.2}}

    made = []

    def beat(name):
        scheduler = GuardedScheduler(app=app, schedule_filename=str(tmp_path / name),
                                     lock_url=REDIS, lock_key=lock_key, lock_seconds=2)
        scheduler.sent = 0
        real = scheduler.apply_async

        def counted(*args, **kwargs):
            scheduler.sent += 1
            return real(*args, **kwargs)

        scheduler.apply_async = counted
        made.append(scheduler)
        return scheduler

    yield beat, lambda: client.llen(queue)
    for scheduler in made:
        with contextlib.suppress(ValueError):  # a shelf the test closed already
            scheduler.close()


def run(schedulers, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for scheduler in schedulers:
            scheduler.tick()
        time.sleep(0.05)


def test_the_second_beat_sends_nothing_while_the_first_holds_the_lock(beats, caplog):
    beat, queued = beats
    first, second = beat("first"), beat("second")
    with caplog.at_level(logging.INFO, logger="consultancy.outbox.beat"):
        run([first, second], 1.5)
    assert first.sent >= 3  # the schedule was due several times
    assert second.sent == 0
    assert queued() == first.sent  # what reached the broker: the first beat's only
    assert first.max_interval <= 2 / 3  # a heartbeat every third of the lease at least
    assert any("stands by" in r.getMessage() for r in caplog.records)
    assert any("not sent" in r.getMessage() for r in caplog.records)

    # the first stops (its lock released): the second takes over at its next tick
    first.close()
    before = queued()
    run([second], 1.0)
    assert second.sent >= 2 and queued() == before + second.sent


def test_a_dead_beats_lock_expires_and_the_standby_takes_over(beats):
    beat, queued = beats
    first, second = beat("first"), beat("second")
    run([first, second], 0.8)
    assert first.sent >= 1 and second.sent == 0
    # the first dies: no more ticks, no renewal, no release
    run([second], 1.0)
    assert second.sent == 0  # still within the first's lease (2 s)
    run([second], 2.0)
    assert second.sent >= 1  # the lease ran out: the standby sends
    assert queued() == first.sent + second.sent
