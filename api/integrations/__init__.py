"""The one-stop integration's edge: system API keys, bulk counter ratings, the counter dashboard, officers."""
