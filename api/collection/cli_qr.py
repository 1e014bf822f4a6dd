"""``sipas qr SERVICE_POINT --out FILE.png|.svg|.pdf``: a QR code or a printable poster."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from api.cli.errors import CliUsageError
from api.cli.files import bounded_int, write_atomically

FORMATS = (".png", ".svg", ".pdf")


def cmd_qr(args: argparse.Namespace) -> int:
    from api.cli.runtime import run_with_engine, settings_from_env

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise CliUsageError(f"--out must end in .png, .svg or .pdf (got {out.name!r})")
    if out.is_dir():
        raise CliUsageError(f"--out {out} is a folder; give a file name")
    settings = settings_from_env()

    from api.collection.routes_qr import poster_data
    from api.services import Services
    from survey_engine.actors import SYSTEM
    from survey_engine.errors import NotFound

    services = Services.build(settings)

    async def job(_: Any) -> Any:
        return await poster_data(services, SYSTEM, args.service_point, args.channel)

    try:
        poster = run_with_engine(settings, job)
    except NotFound as exc:
        raise CliUsageError(f"unknown service point {args.service_point!r}") from exc

    if suffix == ".pdf":
        from reports.posters import render_poster

        content = render_poster(poster, args.size, args.lang)
    elif suffix == ".svg":
        from reports.qr import qr_svg

        content = qr_svg(poster.url)
    else:
        from reports.qr import qr_png

        content = qr_png(poster.url, box_size=args.box_size)
    write_atomically(out, content)
    what = f"{args.size} poster" if suffix == ".pdf" else "QR code"
    print(f"wrote {what} for {args.service_point} ({args.channel}: {poster.url}) to {out}")
    return 0


def register(sub: Any) -> None:
    qr = sub.add_parser(
        "qr",
        help="QR code (.png, .svg) or printable poster (.pdf) of a service point",
        description=(
            "Write the QR code of a service point's online form (or kiosk page) as PNG or SVG, or an "
            "A4/A5 poster as PDF; the format follows the extension of --out."
        ),
    )
    qr.add_argument("service_point", metavar="SERVICE_POINT", help="service point code")
    qr.add_argument("--out", required=True, metavar="FILE", help="FILE.png, FILE.svg or FILE.pdf")
    qr.add_argument("--channel", choices=["online", "kiosk"], default="online")
    qr.add_argument("--size", choices=["A4", "A5"], default="A4", help="poster paper size (PDF)")
    qr.add_argument("--lang", choices=["vi", "en"], default="vi", help="poster main language (PDF)")
    qr.add_argument(
        "--box-size",
        type=bounded_int(1, 100, "pixels per module"),
        default=10,
        help="pixels per module (PNG)",
    )
    qr.set_defaults(func=cmd_qr)
