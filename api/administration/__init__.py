"""Administration: agencies, administrative units, questionnaires, staff accounts and waves."""
