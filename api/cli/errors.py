"""Errors that the command line turns into exit statuses."""


class CliUsageError(Exception):
    """A user's mistake (missing column, bad value, unknown option): one line on stderr, exit 2."""


class CliFailure(Exception):
    """Something failed that is not the user's fault: one line on stderr, exit 1."""
