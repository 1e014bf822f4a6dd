"""The `sipas` command line: one dispatcher, subcommands registered by topic modules.

Each topic module exposes ``register(subparsers)`` that adds its parsers and sets ``func``
to a callable taking the parsed ``argparse.Namespace`` and returning an exit status.
User mistakes raise :class:`CliUsageError` (exit 2), other failures :class:`CliFailure` (exit 1);
neither prints a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from api.cli.errors import CliFailure, CliUsageError
from api.process_memory import keep_freed_memory

# Topic modules, in the order their commands appear in --help.
_TOPIC_MODULES = (
    "api.cli.server",
    "api.administration.cli_users",
    "api.administration.cli_units",
    "api.administration.cli_provinces",
    "api.results.cli_stats",
    "api.results.cli_glm",
    "api.results.cli_sae",
    "api.fieldwork.cli_planning",
    "api.results.cli_export",
    "api.collection.cli_qr",
    "api.fieldwork.cli_frames",
    "api.results.cli_report",
    "api.webhooks.cli_webhooks",
    "api.paper.cli_paper",
    "api.integrations.cli_integrations",
    "api.publication.cli_publish",
    "api.national.cli_national",
)
# Which module registers which command: running one command imports only its module, so that
# `sipas serve` does not pay for scipy. Top-level help and unknown commands load them all.
_COMMAND_MODULES = {
    "serve": "api.cli.server",
    "db": "api.cli.server",
    "demo": "api.cli.server",
    "user": "api.administration.cli_users",
    "units": "api.administration.cli_units",
    "province": "api.administration.cli_provinces",
    "estimate": "api.results.cli_stats",
    "index": "api.results.cli_stats",
    "glm": "api.results.cli_glm",
    "drivers": "api.results.cli_glm",
    "sae": "api.results.cli_sae",
    "sample-size": "api.fieldwork.cli_planning",
    "allocate": "api.fieldwork.cli_planning",
    "draw": "api.fieldwork.cli_planning",
    "weights": "api.fieldwork.cli_planning",
    "export": "api.results.cli_export",
    "qr": "api.collection.cli_qr",
    "frame": "api.fieldwork.cli_frames",
    "report": "api.results.cli_report",
    "webhooks": "api.webhooks.cli_webhooks",
    "paper": "api.paper.cli_paper",
    "apikey": "api.integrations.cli_integrations",
    "counter": "api.integrations.cli_integrations",
    "publish": "api.publication.cli_publish",
    "national": "api.national.cli_national",
}


class _Parser(argparse.ArgumentParser):
    """argparse prints usage and exits 2 on errors; we want the contract's single line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliUsageError(f"{self.prog}: {message}")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with ``command``, only the topic module that owns it is imported."""
    parser = _Parser(
        prog="sipas",
        description="SIPAS platform: collection, design-based statistics and scorecards.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    owner = _COMMAND_MODULES.get(command or "")
    for name in (owner,) if owner else _TOPIC_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # topic not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        arguments = list(sys.argv[1:] if argv is None else argv)
        parser = build_parser(arguments[0] if arguments else None)
        args = parser.parse_args(arguments)
        keep_freed_memory()
        status = args.func(args)
        return int(status or 0)
    except CliUsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CliFailure as exc:
        print(f"failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
