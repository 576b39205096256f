"""The record of a meeting: one view of a snapshot, rendered as PDF, Word, Markdown and JSON,
with its history across review meetings, what changed since the last one, and the audit trail
in plain words. Rendering imports nothing of the web or the live rooms."""
