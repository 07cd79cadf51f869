"""The domain. Functions take a Session and plain values, return plain data, never commit
and never import Slack; refusals are DomainError with a stable code the caller translates."""
