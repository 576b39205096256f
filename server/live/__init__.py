"""Meetings in memory: one room per meeting layer and the registry of them, the journal that
makes every update durable before it is relayed, the Redis relay between processes, and the
actions on a live meeting (end, lock, links, admission, deletion)."""
