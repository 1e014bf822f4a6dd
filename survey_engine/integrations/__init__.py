"""The one-stop integration: system API keys, bulk counter ratings, the counter dashboard, officers."""
