"""Administration: agencies and units, questionnaires, staff accounts, waves."""
