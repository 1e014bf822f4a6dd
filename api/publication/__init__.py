"""Publication of results: the release API, the public /results pages, open data and badges."""
