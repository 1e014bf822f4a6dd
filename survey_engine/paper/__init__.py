"""Paper questionnaires: printed copies with serials, dispatch and returns, data entry and double entry."""
