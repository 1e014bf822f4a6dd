"""Outbound webhooks: agencies subscribe to events (a low rating, a comment, a wave closed, results
published); events enter an outbox in the transaction that stores their cause, and a worker delivers them
as signed JSON with retries (docs/webhooks.md)."""
