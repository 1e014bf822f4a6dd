"""Results: estimates, scorecards, exports and charts."""
