"""Fieldwork: sampling frames, sample plans and draws, letters, phone interviewing, progress and weights."""
