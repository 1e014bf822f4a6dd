"""Publication of results: releases (prepare, approve, publish, correct) and their frozen snapshots."""
