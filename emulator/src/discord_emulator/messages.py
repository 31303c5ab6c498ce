"""Messages and the true reaction state of the Emulator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any, Literal

from . import permissions as P
from .models import Member, Message, dumps, emoji_key, id_of, parse_emoji, snowflake
from .rules import MAX_REACTIONS, DiscordError
from .state import EmulatorState

ReactionOp = tuple[Any, Any, str, Literal["add", "remove"] | bool]


class MessagesMixin(EmulatorState):
    """Store messages, keep every message's reaction state and dispatch their events."""

    #: Serialized emoji and members of reaction events, made once (set by the Emulator).
    _emoji_json: dict[str, str]
    _member_cache: dict[tuple[int, int], tuple[tuple[int, ...], Member, str]]

    def store_message(self, msg: Message, *, dispatch: bool = True) -> Message:
        """Store a new message and dispatch MESSAGE_CREATE unless ephemeral."""
        self.messages_by_id[msg.id] = msg
        self.channel_messages[msg.channel_id].append(msg)
        ch = self.channels.get(msg.channel_id)
        if ch is not None:
            ch.last_message_id = msg.id
            if ch.is_thread:
                ch.message_count += 1
        if dispatch and not msg.ephemeral:
            self.gateway.dispatch(
                "MESSAGE_CREATE",
                self.message_event(msg),
                guild_id=msg.guild_id,
                redacted=None if msg.author.bot else (lambda: self.message_event(msg, True)),
            )
        self.notify()
        return msg

    def message_event(self, msg: Message, redact: bool = False) -> dict[str, Any]:
        """Return the gateway payload of a message (content redacted without the intent)."""
        data = msg.to_dict(me=self.bot.id)
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
            member = self.guilds[msg.guild_id].members.get(msg.author.id)
            if member is not None:
                data["member"] = member.to_dict(with_user=False)
        if redact and f"<@{self.bot.id}>" not in msg.content:
            data.update(content="", embeds=[], attachments=[], components=[])
        return data

    async def post_message(self, channel: Any, author: Any, content: str, **extra: Any) -> Message:
        """Post a message as a user (not the bot) and dispatch MESSAGE_CREATE."""
        ch = self.channels[id_of(channel)]
        user = self.users[id_of(author.user if hasattr(author, "user") else author)]
        msg = Message(snowflake(), ch.id, ch.guild_id, user, content=content, **extra)
        return self.store_message(msg)

    def message(self, message_id: Any) -> Message:
        """Return a stored message by id."""
        return self.messages_by_id[id_of(message_id)]

    def messages(self, channel_id: Any, *, include_deleted: bool = False) -> list[Message]:
        """Return the messages the bot posted in a channel (including interaction replies)."""
        return [
            m
            for m in self.channel_messages.get(id_of(channel_id), [])
            if m.author.id == self.bot.id and (include_deleted or not m.deleted)
        ]

    async def wait_for_bot_message(
        self,
        channel_id: Any,
        predicate: Any = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Message:
        """Wait for a (non-deleted) bot message in a channel matching `predicate`; return it."""

        def find() -> Message | None:
            for m in reversed(self.messages(channel_id)):
                if predicate is None or predicate(m):
                    return m
            return None

        return await self.wait_for(find, timeout)

    def all_messages(self, channel_id: Any) -> list[Message]:
        """Return every stored message of a channel, by anyone, including deleted ones."""
        return list(self.channel_messages.get(id_of(channel_id), []))

    def reactions(self, message_id: Any) -> dict[str, set[int]]:
        """Return the true reaction state ``{emoji: {user ids}}`` of a message."""
        return self.messages_by_id[id_of(message_id)].reaction_state()

    def apply_reaction(
        self, user_id: int, msg: Message, emoji: dict[str, Any], add: bool
    ) -> str | None:
        """Update reaction state; return the gateway payload JSON if the state changed."""
        key = emoji_key(emoji)
        users = msg.reactions.get(key)
        if add:
            if users is None:
                if len([k for k, v in msg.reactions.items() if v]) >= MAX_REACTIONS:
                    raise DiscordError(400, 30010, "Maximum number of reactions reached (20)")
                users = msg.reactions[key] = {}
                msg.reaction_emojis[key] = {"id": emoji.get("id"), "name": emoji.get("name")}
            elif not users and len([k for k, v in msg.reactions.items() if v]) >= MAX_REACTIONS:
                raise DiscordError(400, 30010, "Maximum number of reactions reached (20)")
            if user_id in users:
                return None
            users[user_id] = None
        else:
            if users is None or user_id not in users:
                return None
            del users[user_id]
        emoji_json = self._emoji_json.get(key)
        if emoji_json is None:
            emoji_json = self._emoji_json[key] = dumps(msg.reaction_emojis[key])
        head = (
            f'{{"user_id":"{user_id}","channel_id":"{msg.channel_id}",'
            f'"message_id":"{msg.id}","emoji":{emoji_json},"type":0,"burst":false'
        )
        if msg.guild_id is None:
            return head + "}"
        if not add:
            return head + f',"guild_id":"{msg.guild_id}"}}'
        return (
            head
            + f',"guild_id":"{msg.guild_id}","message_author_id":"{msg.author.id}",'
            + f'"burst_colors":[],"member":{self._member_json(msg.guild_id, user_id)}}}'
        )

    def _member_json(self, guild_id: int, user_id: int) -> str:
        member = self.guilds[guild_id].members.get(user_id)
        if member is None:
            return "null"
        roles = tuple(member.roles)
        cached = self._member_cache.get((guild_id, user_id))
        if cached is not None and cached[0] == roles and cached[1] is member:
            return cached[2]
        js = dumps(member.to_dict())
        self._member_cache[(guild_id, user_id)] = (roles, member, js)
        return js

    def react(self, user: Any, message: Any, emoji: str, add: bool = True) -> bool:
        """Add/remove a reaction as a user and dispatch the event; return if state changed."""
        msg = self.messages_by_id[id_of(message)]
        djson = self.apply_reaction(id_of(user), msg, parse_emoji(emoji), add)
        if djson is None:
            return False
        event = "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE"
        self.gateway.dispatch_many([(event, djson, msg.guild_id)])
        self.notify()
        return True

    def clear_reactions(self, message: Any, emoji: str | None = None, *, by: Any = None) -> int:
        """Remove all reactions, or every reaction of one emoji, as a moderator does.

        Dispatches MESSAGE_REACTION_REMOVE_ALL or MESSAGE_REACTION_REMOVE_EMOJI (never per-user
        removals) and returns how many user reactions went. With `by` (an Actor or user) that
        person needs Manage Messages in the channel, as in the Discord client.
        """
        msg = self.messages_by_id[id_of(message)]
        if by is not None:
            self.require_moderator(by, msg.channel_id, P.MANAGE_MESSAGES, "Manage Messages")
        key = None if emoji is None else emoji_key(parse_emoji(emoji))
        removed = self.apply_clear(msg, key)
        self.notify()
        return removed

    def apply_clear(self, msg: Message, key: str | None) -> int:
        """Clear a message's reactions (all, or one emoji key) and dispatch the clear event."""
        d: dict[str, Any] = {"channel_id": str(msg.channel_id), "message_id": str(msg.id)}
        if msg.guild_id is not None:
            d["guild_id"] = str(msg.guild_id)
        if key is None:
            removed = sum(len(users) for users in msg.reactions.values())
            msg.reactions.clear()
            self.gateway.dispatch("MESSAGE_REACTION_REMOVE_ALL", d, guild_id=msg.guild_id)
            return removed
        users = msg.reactions.pop(key, None)
        if not users:
            return 0
        d["emoji"] = msg.reaction_emojis[key]
        self.gateway.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", d, guild_id=msg.guild_id)
        return len(users)

    def lose_reactions(self, ops: Iterable[ReactionOp]) -> int:
        """Apply reaction ops whose gateway events are lost (never dispatched); return how many changed."""
        changed = 0
        for user, message, emoji, op in ops:
            add = op is True or op == "add"
            msg = self.messages_by_id[id_of(message)]
            if self.apply_reaction(id_of(user), msg, parse_emoji(emoji), add) is not None:
                changed += 1
        self.notify()
        return changed

    async def burst_reactions(self, ops: Iterable[ReactionOp]) -> int:
        """Apply many ``(user, message, emoji, "add"|"remove")`` ops and dispatch them in bulk."""
        events: list[tuple[str, str, int | None]] = []
        msgs = self.messages_by_id
        emoji_cache: dict[str, dict[str, Any]] = {}
        for user, message, emoji, op in ops:
            add = op is True or op == "add"
            msg = msgs[id_of(message)]
            em = emoji_cache.get(emoji)
            if em is None:
                em = emoji_cache[emoji] = parse_emoji(emoji)
            try:
                djson = self.apply_reaction(id_of(user), msg, em, add)
            except DiscordError:
                continue
            if djson is not None:
                events.append(
                    (
                        "MESSAGE_REACTION_ADD" if add else "MESSAGE_REACTION_REMOVE",
                        djson,
                        msg.guild_id,
                    )
                )
        n = self.gateway.dispatch_many(events)
        self.notify()
        await asyncio.sleep(0)
        return n
