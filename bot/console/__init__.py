"""`onnuri console`: the real bot in the terminal, through the local fake Slack."""
