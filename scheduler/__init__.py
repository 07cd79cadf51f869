"""Background work: outbox delivery now; timed jobs (nudges, digests) build on it."""
