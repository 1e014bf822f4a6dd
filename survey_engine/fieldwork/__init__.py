"""Fieldwork: frames, sample plans and draws, phone interviewing, stored samples and weights."""
