"""The Slack kit: what speaks Slack and nothing else. Block Kit builders (pure functions, plain data in,
dicts out), the ko/en catalogs, the action/callback/block ids, text escaping, who is reading (language and
zone), and the small Slack calls every listener and the outbox share (the client, profiles, App Home).

It sits below handlers/ and scheduler/ and above services/: it renders what the services allow and decides
nothing itself.
"""
