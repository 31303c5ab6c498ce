"""What the bot can't do, told to a guild's admins: stable keys and one-line texts.

A notice is keyed so that the same problem recorded twice stays one notice, and so that
fixing it (a later successful post in that channel, a permission granted) clears it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: discord.Permissions attribute -> the name an admin sees in Discord's settings.
PERMISSION_LABELS = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "add_reactions": "Add Reactions",
    "read_message_history": "Read Message History",
    "manage_messages": "Manage Messages",
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
    "manage_threads": "Manage Threads",
}
#: What posting an embed (a result, an announcement, the monthly board) needs.
TO_POST = ("view_channel", "send_messages", "embed_links")
#: What a poll needs besides: its reactions, and reading them back.
TO_POLL = (*TO_POST, "add_reactions", "read_message_history")
#: What checking whether an interrupted monthly post already landed needs.
TO_VERIFY = (*TO_POST, "read_message_history")


@dataclass(frozen=True, slots=True)
class Notice:
    """One problem to tell a guild's admins."""

    key: str
    text: str


def missing(granted: Mapping[str, bool], needed: Iterable[str]) -> list[str]:
    """Return the names of the needed permissions that are not granted, in order."""
    return [PERMISSION_LABELS.get(name, name) for name in needed if not granted.get(name)]


def posting_key(channel_id: int) -> str:
    """Return the key of 'I can't post in this channel'."""
    return f"post:{channel_id}"


def cannot_post(channel_id: int, what: str, lacking: Iterable[str]) -> Notice:
    """Say the bot lacks permissions to post something in a channel."""
    names = ", ".join(lacking)
    return Notice(
        posting_key(channel_id), f"I can't post {what} in <#{channel_id}>: missing {names}."
    )


def channel_unreachable(channel_id: int, what: str) -> Notice:
    """Say a channel is gone or hidden from the bot, so something couldn't be posted there."""
    return Notice(
        posting_key(channel_id),
        f"I can't reach <#{channel_id}> (deleted, or I lost access), so {what} wasn't posted.",
    )


def manage_messages_key(channel_id: int) -> str:
    """Return the key of 'I lack Manage Messages in this channel'."""
    return f"manage:{channel_id}"


def no_manage_messages(channel_id: int) -> Notice:
    """Say members' older reactions stay on polls in a channel (their latest one counts)."""
    return Notice(
        manage_messages_key(channel_id),
        f"I lack Manage Messages in <#{channel_id}>, so members' older reactions stay on polls "
        "there (their latest reaction is their vote).",
    )


def poll_gone_key(number: int) -> str:
    """Return the key of 'the poll message of this prediction was deleted'."""
    return f"poll-gone:{number}"


def poll_message_gone(number: int, channel_id: int) -> Notice:
    """Say a poll's message was deleted (by a moderator, say)."""
    return Notice(
        poll_gone_key(number),
        f"The poll message on #{number} in <#{channel_id}> was deleted, so I closed that poll; "
        f"votes cast before stand. /poll open {number} posts a new poll.",
    )


def reading_key(channel_id: int) -> str:
    """Return the key of 'I can't read the polls in this channel'."""
    return f"read:{channel_id}"


#: What reading a poll's reactions back needs.
TO_READ = ("view_channel", "read_message_history")


def cannot_read_polls(channel_id: int, lacking: Iterable[str] | None) -> Notice:
    """Say the bot can't read the polls in a channel, so their votes may miss changes."""
    why = "it is gone or hidden from me" if lacking is None else "missing " + ", ".join(lacking)
    return Notice(
        reading_key(channel_id),
        f"I can't read the polls in <#{channel_id}> ({why}); their votes stay as recorded "
        "and miss any change until I can.",
    )


def cleared_key(number: int) -> str:
    """Return the key of 'a moderator cleared reactions on this prediction's poll'."""
    return f"cleared:{number}"


def reactions_cleared(number: int, channel_id: int, emoji: str | None, votes: int) -> Notice:
    """Say a moderator cleared a poll's reactions, so the votes they carried went with them."""
    what = "all reactions" if emoji is None else f"every {emoji} reaction"
    return Notice(
        cleared_key(number),
        f"Someone removed {what} from the poll on #{number} in <#{channel_id}>: "
        f"{votes} vote{'s' if votes != 1 else ''} went with them. I put the options back, "
        "so members can vote again.",
    )


def channel_gone_key(channel_id: int) -> str:
    """Return the key of 'a channel holding open polls was deleted'."""
    return f"channel-gone:{channel_id}"


def polls_channel_deleted(
    channel_id: int, numbers: Iterable[int], was_polls_channel: bool
) -> Notice:
    """Say a channel holding open polls was deleted, so those polls closed with their votes."""
    polls = ", ".join(f"#{n}" for n in sorted(numbers))
    ask = (
        "Set a new polls channel with /setup polls-channel."
        if was_polls_channel
        else "Open new polls with /poll open."
    )
    return Notice(
        channel_gone_key(channel_id),
        f"The channel holding the polls on {polls} was deleted, so I closed them with the "
        f"votes they had (no result post: there is nowhere to post it). {ask}",
    )


#: The key prefix of 'the admin channel was deleted' (cleared by a new admin channel).
ADMIN_GONE = "admin-gone:"


def admin_channel_deleted(channel_id: int) -> Notice:
    """Say the admin channel was deleted, so notices come with admins' replies again."""
    return Notice(
        f"{ADMIN_GONE}{channel_id}",
        f"The admin channel <#{channel_id}> was deleted, so my notices come with your replies "
        "again. Set a new one with /setup admin-channel.",
    )


def dispute_key(dispute_id: int) -> str:
    """Return the key of a member's open dispute (told to the admins like a notice)."""
    return f"dispute:{dispute_id}"


def is_dispute(key: str) -> bool:
    """Tell whether a notice is a member's dispute rather than something the bot can't do."""
    return key.startswith("dispute:")


def member_dispute(
    dispute_id: int, number: int, title: str, outcome: str, member_id: int, reason: str
) -> Notice:
    """Tell the admins a member disputes a resolution (the reason verbatim)."""
    short = title if len(title) <= 50 else title[:49].rstrip() + "…"
    return Notice(
        dispute_key(dispute_id),
        f"Dispute on #{number} · {short} (resolved {outcome}): <@{member_id}> says: {reason}",
    )


def threads_key(channel_id: int) -> str:
    """Return the key of 'I can't start poll threads in this channel'."""
    return f"threads:{channel_id}"


def no_threads(channel_id: int, lacking: Iterable[str]) -> Notice:
    """Say polls in a channel get no thread (the polls themselves work)."""
    return Notice(
        threads_key(channel_id),
        f"I can't start poll threads in <#{channel_id}>: missing {', '.join(lacking)}. "
        "The polls there work without them.",
    )


def no_thread_lock(channel_id: int) -> Notice:
    """Say the threads of closed polls in a channel are archived but not locked."""
    return Notice(
        f"lock:{channel_id}",
        f"I lack Manage Threads in <#{channel_id}>, so the threads of closed polls there are "
        "archived but not locked (members can reopen them by posting).",
    )


CHAMPION_KEY = "champion-role"


def champion_role(problem: str) -> Notice:
    """Say the month's champions didn't get their role, and why (the post went out)."""
    return Notice(CHAMPION_KEY, f"The month's champions didn't get their role: {problem}.")
