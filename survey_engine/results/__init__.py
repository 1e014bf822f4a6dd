"""Results: estimates, exports and scorecard data of a wave."""
