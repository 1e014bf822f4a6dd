"""survey_engine package."""
