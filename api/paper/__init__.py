"""Paper questionnaires: printing, dispatch and returns, data entry and reconciliation (console and CLI)."""
