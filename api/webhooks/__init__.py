"""Outbound webhooks at the edge: the JSON API, the console pages and the CLI (survey_engine.webhooks)."""
