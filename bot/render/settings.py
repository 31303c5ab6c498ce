"""/setup show and check: a server's settings and what the bot can't do there."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.domain.ballots import BallotStyle
from bot.domain.notices import Notice
from bot.render.texts import embed, notice_lines
from bot.snapshots.guilds import GuildConfig


def settings(
    config: GuildConfig, problems: Sequence[Notice] = (), served_by: str | None = None
) -> discord.Embed:
    """Render /setup show, with what the bot can't do here and who serves this server."""

    def channel(cid: int | None) -> str:
        return f"<#{cid}>" if cid else "not set"

    served = [("Served by", served_by, False)] if served_by else []
    return embed(
        "Called It settings",
        fields=[
            (
                "Polls channel",
                channel(config.polls_channel_id)
                + (" (else: where /poll open is used)" if not config.polls_channel_id else ""),
                False,
            ),
            (
                "Leaderboard channel",
                channel(config.leaderboard_channel_id)
                + (" (else: the polls channel)" if not config.leaderboard_channel_id else ""),
                False,
            ),
            (
                "Admin role",
                f"<@&{config.admin_role_id}>"
                if config.admin_role_id
                else "not set (Manage Server only)",
                False,
            ),
            (
                "Admin channel",
                channel(config.admin_channel_id)
                + (
                    " (else: my notices come with admins' replies)"
                    if not config.admin_channel_id
                    else ""
                ),
                False,
            ),
            (
                "Disputes",
                f"{config.dispute_hours} hours after a resolution"
                if config.dispute_hours
                else "off",
                False,
            ),
            (
                "Champion role",
                f"<@&{config.champion_role_id}>" if config.champion_role_id else "not set",
                False,
            ),
            (
                "Voter role",
                f"<@&{config.voter_role_id}>"
                if config.voter_role_id
                else "not set (everyone votes)",
                False,
            ),
            ("Poll threads", "on" if config.poll_threads else "off", False),
            (
                "Ballots",
                "sealed (buttons; tally hidden until close)"
                if config.ballot_style is BallotStyle.SEALED
                else "reactions",
                False,
            ),
            ("Time zone", config.timezone, False),
            ("Public pages", "on (/setup web)" if config.web_enabled else "off", False),
            *served,
            ("What I can't do here", notice_lines(problems) or "Nothing: all good.", False),
        ],
    )


def web_answer(on: bool, path: str, link: str | None) -> str:
    """Say whether the server's public pages are on, and where they are."""
    if not on:
        return (
            "Public pages off: every page of this server is a plain 404 now"
            f" (they were at `{path}`)."
        )
    where = (
        f"<{link}>"
        if link
        else f"`{path}` (the operator hasn't set a public address, WEB_PUBLIC_URL, so "
        "only the path can be shown)"
    )
    return (
        f"Public pages on: {where}. Anyone with the link sees the boards, the predictions with "
        "their polls and resolutions, and ranked members' records, as members see them here."
    )
