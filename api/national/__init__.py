"""The national room's edges: ``GET /api/v1/national``, its PDF summary and ``sipas national``."""
