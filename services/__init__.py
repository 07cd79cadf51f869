"""The domain, below kit/ and above models/. Functions take a Session and plain values, return plain data,
never commit and never import Slack; refusals are DomainError with a stable code the caller translates.
Every rule lives here once: who may do what (`check_can_…`, `actions_for` on the info objects the cards
render), when things are due, what the outbox sends (notices.py). terms.py names the domain's vocabulary
and unit_of_work.py the transaction for the floors above, which never import models/."""
