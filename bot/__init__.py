"""Onnuri's assembly, the top floor: the settings (the only reader of the environment), the composition
root that turns them into typed values, the Bolt app and its front door, the HTTP server, the runtime, the
`onnuri` CLI, and the offline console with its fake Slack (used by `onnuri console` and the tests, never by
`onnuri run`)."""
