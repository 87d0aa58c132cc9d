"""The Mastodon streaming API: server-sent events under /api/v1/streaming/* and the WebSocket at
/api/v1/streaming.

Domain events (a post entering home feeds, a notification, a public post, a deletion) are turned into stream
messages after their transaction commits. On one box they go through an in-process hub that any thread may
publish to (the embedded worker fans out in a thread of the server process); with CARAVAN_REDIS_URL set they
go through the Channels layer, so every web process sees every message.

Publishers send references (a post or notification id), never rendered entities: each connection renders
what it receives, as its own account sees it (docs/decisions/0011). With the in-process hub nothing at all
is published, and nothing loaded, for a stream nobody in this process listens to.

`hubs` carries messages between publishers and connections, `publishing` turns domain events into messages,
`rendering` turns messages into frames for one connection, `endpoints` serves the SSE and WebSocket streams.
"""
