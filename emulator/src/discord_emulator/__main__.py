"""Run the emulator out of process: ``discord-emulator --port P`` (``python -m discord_emulator``).

Prints one JSON line with its URLs and guilds, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging

from .server import Emulator


async def _serve(args: argparse.Namespace) -> None:
    emu = Emulator(
        host=args.host,
        port=args.port,
        ratelimits=not args.no_ratelimits,
        ratelimit_speed=args.ratelimit_speed,
        validate_spec=not args.no_spec,
        shards=args.shards,
        max_concurrency=args.max_concurrency,
        identify_window=args.identify_window,
        upload_limit=args.upload_limit,
    )
    if args.privileged:
        emu.enable_privileged_intents(members=True, presences=True, message_content=True)
    await emu.start()
    guilds = [emu.create_guild(f"Guild {i + 1}") for i in range(args.guilds)]
    print(  # noqa: T201
        json.dumps(
            {
                "url": emu.url,
                "api_base": emu.api_base,
                "gateway_url": emu.gateway_url,
                "guilds": {str(g.id): [str(c) for c in g.channels] for g in guilds},
            }
        ),
        flush=True,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main() -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="discord-emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--guilds", type=int, default=0, help="create N guilds at start")
    parser.add_argument("--no-ratelimits", action="store_true")
    parser.add_argument("--ratelimit-speed", type=float, default=1.0)
    parser.add_argument("--no-spec", action="store_true", help="skip OpenAPI validation")
    parser.add_argument("--privileged", action="store_true", help="enable privileged intents")
    parser.add_argument("--shards", type=int, default=None, help="shards /gateway/bot advises")
    parser.add_argument("--max-concurrency", type=int, default=1)
    parser.add_argument("--identify-window", type=float, default=None, help="seconds (def. 5)")
    parser.add_argument("--upload-limit", type=int, default=10 * 1024 * 1024, help="bytes")
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
