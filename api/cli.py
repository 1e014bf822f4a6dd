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

from api.cli_errors import CliFailure, CliUsageError

# Topic modules, in the order their commands appear in --help.
_TOPIC_MODULES = (
    "api.cli_server",
    "api.cli_stats",
    "api.cli_planning",
    "api.cli_collect",
    "api.cli_qr",
)


class _Parser(argparse.ArgumentParser):
    """argparse prints usage and exits 2 on errors; we want the contract's single line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliUsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sipas",
        description="SIPAS platform: collection, design-based statistics and scorecards.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in _TOPIC_MODULES:
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
        parser = build_parser()
        args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
