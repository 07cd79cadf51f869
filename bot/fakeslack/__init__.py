"""A local stand-in for Slack: a Web API server that records every call (and can fail on purpose),
and signed requests in Slack's payload shapes. The tests and `onnuri console` drive the real bot
through it, with no workspace and no network."""
