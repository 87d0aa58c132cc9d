"""Live streaming through Redis: a channel's reads wait as long as channels_redis waits for a message."""


def test_an_idle_stream_outlasts_the_redis_clients_read_timeout():
    # redis-py 8 gives reads a 5 s timeout by default, exactly channels_redis's wait for a channel's next
    # message: every stream with nothing to say for 5 s ended (found by tests/federation/test_many_processes.py).
    from channels_redis.core import RedisChannelLayer
    from channels_redis.utils import create_pool

    from caravan.settings import redis_channel_layers

    config = redis_channel_layers("redis://127.0.0.1:6379/0")["default"]
    assert config["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    layer = RedisChannelLayer(**config["CONFIG"])
    pool = create_pool(layer.hosts[0])
    # No timeout at all: with one, redis-py sends through Python 3.11's wait_for, which drops cancellations
    # (tests/api/test_streaming_register.py::test_a_cancelled_receive_ends).
    assert pool.connection_kwargs["socket_timeout"] is None
