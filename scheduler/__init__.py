"""Background work, on the floor of handlers/: the timed jobs (jobs.py asks the services what is due and
queues it), the outbox delivery (delivery.py: paced, retried, exactly once) and the renderers that turn each
typed notice into its Web API call (notifications.py). It takes its vocabulary and unit of work from
services/ and its Block Kit from kit/, never from models/."""
