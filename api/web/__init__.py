"""Web plumbing shared by every room: authentication, problem details, request checks, JSON schemas,
console and citizen-page rendering, CSRF, session pages, health."""
