"""Export a guild's data as CSV files and as JSON."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.clock import Clock
from bot.domain.outcomes import Choice
from bot.services.boards import BoardService
from bot.services.names import NameService
from bot.services.receipts import ballots_of
from bot.services.shared_reads import snapshots_of
from bot.snapshots.predictions import Tally
from db.models import GuildSettings, Poll, Prediction, ResolutionEvent, Vote
from db.session import Database

#: Cells starting with these are prefixed with a quote so spreadsheets don't run them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ExportService:
    """Produce exports of predictions, votes, resolutions and scores."""

    def __init__(self, db: Database, clock: Clock, boards: BoardService) -> None:
        self._db = db
        self._clock = clock
        self._boards = boards
        self._names = NameService(db, clock)

    async def guild_ids(self) -> list[int]:
        """Return the guilds the database holds settings or predictions for, in order."""
        async with self._db.read() as session:
            rows = await session.scalars(
                union(select(GuildSettings.guild_id), select(Prediction.guild_id))
            )
            return sorted(rows)

    async def tables(self, guild_id: int) -> dict[str, list[dict[str, Any]]]:
        """Return every table of a guild as rows of plain values."""
        async with self._db.read() as session:
            predictions = (
                await session.scalars(
                    select(Prediction)
                    .where(Prediction.guild_id == guild_id)
                    .order_by(Prediction.number)
                )
            ).all()
            numbers = {p.id: p.number for p in predictions}
            prediction_rows = [
                {
                    "number": v.number,
                    "title": v.title,
                    "statement": v.statement,
                    "source": v.source,
                    "set": v.set_name,
                    "made_on": v.made_on,
                    "due": v.due,
                    "criteria": v.criteria,
                    "archived": v.archived,
                    "status": v.status,
                    "outcome": v.resolution.outcome.value if v.resolution else None,
                    "resolved_at": v.resolution.resolved_at if v.resolution else None,
                    # A sealed poll still open shows no tally: its count is in the sealed table.
                    **_tally_columns(v.tally, hidden=v.poll is not None and v.poll.tally_hidden),
                }
                for v in await snapshots_of(session, predictions)
            ]
            vote_rows = [
                {
                    "prediction": numbers[pred],
                    "poll_id": poll,
                    "member_id": member,
                    "choice": Choice.from_ordinal(choice).value,
                    "cast_at": at,
                }
                for poll, member, pred, choice, at in await session.execute(
                    select(
                        Vote.poll_id, Vote.member_id, Vote.prediction_id, Vote.choice, Vote.cast_at
                    )
                    .join(Poll, Poll.id == Vote.poll_id)
                    .where(Poll.guild_id == guild_id, Poll.ballot_style != "sealed")
                    .order_by(Vote.poll_id, Vote.member_id)
                )
            ]
            audit_rows = [
                {
                    "prediction": numbers[e.prediction_id],
                    "at": e.at,
                    "actor_id": e.actor_id,
                    "old_outcome": e.old_outcome,
                    "new_outcome": e.new_outcome,
                    "note": e.note,
                    "evidence_url": e.evidence_url,
                }
                for e in await session.scalars(
                    select(ResolutionEvent)
                    .where(ResolutionEvent.guild_id == guild_id)
                    .order_by(ResolutionEvent.id)
                )
            ]
            sealed_rows = await _sealed_rows(session, guild_id, numbers)
        board = await self._boards.all_time(guild_id)
        names = await self._names.of(
            guild_id,
            [v["member_id"] for v in vote_rows]
            + [e["actor_id"] for e in audit_rows if e["actor_id"]]
            + [r.member_id for r in board.rows],
        )
        for row in vote_rows:
            row["member_name"] = names.get(row["member_id"])
        for row in audit_rows:
            row["actor_name"] = names.get(row["actor_id"])
        score_rows = [
            {
                "rank": r.rank,
                "member_id": r.member_id,
                "member_name": names.get(r.member_id),
                "points": r.points,
                "peer_score": r.peer,
                "scored_votes": r.scored,
                "exact": r.exact,
                "accuracy": round(r.accuracy, 4),
            }
            for r in board.rows
        ]
        tables = {
            "predictions": prediction_rows,
            "votes": vote_rows,
            "resolutions": audit_rows,
            "scores": score_rows,
        }
        if sealed_rows:  # a server that never sealed a poll exports exactly as before
            tables["sealed"] = sealed_rows
        return tables

    async def csv_files(self, guild_id: int) -> dict[str, bytes]:
        """Return one CSV file per table, named like predictions.csv."""
        tables = await self.tables(guild_id)
        return {f"{name}.csv": to_csv(rows, _HEADERS[name]) for name, rows in tables.items()}

    def files_of(self, guild_id: int, tables: dict[str, list[dict[str, Any]]]) -> dict[str, bytes]:
        """Return the CSV files and calledit.json of tables read once by `tables`."""
        files = {f"{name}.csv": to_csv(rows, _HEADERS[name]) for name, rows in tables.items()}
        return {**files, "calledit.json": self._json(guild_id, tables)}

    async def zip_archive(self, guild_id: int) -> bytes:
        """Return the CSV files compressed into one .zip (votes compress about tenfold)."""
        return zip_files(await self.csv_files(guild_id))

    async def json_document(self, guild_id: int) -> bytes:
        """Return every table as one JSON document."""
        return self._json(guild_id, await self.tables(guild_id))

    def _json(self, guild_id: int, tables: dict[str, list[dict[str, Any]]]) -> bytes:
        document = {
            "guild_id": str(guild_id),
            "exported_at": self._clock.now().isoformat(),
            **tables,
        }
        return json.dumps(document, default=_plain, ensure_ascii=False, indent=1).encode()


_HEADERS = {
    "predictions": (
        "number",
        "title",
        "statement",
        "source",
        "set",
        "made_on",
        "due",
        "criteria",
        "archived",
        "status",
        "outcome",
        "resolved_at",
        "votes_came_true",
        "votes_partly",
        "votes_did_not",
    ),
    "votes": ("prediction", "poll_id", "member_id", "member_name", "choice", "cast_at"),
    "sealed": ("prediction", "poll_id", "state", "ballots", "root", "leaves"),
    "resolutions": (
        "prediction",
        "at",
        "actor_id",
        "actor_name",
        "old_outcome",
        "new_outcome",
        "note",
        "evidence_url",
    ),
    "scores": (
        "rank",
        "member_id",
        "member_name",
        "points",
        "peer_score",
        "scored_votes",
        "exact",
        "accuracy",
    ),
}


def _tally_columns(tally: Tally, *, hidden: bool) -> dict[str, int | None]:
    """Return a prediction's vote columns: empty while its sealed poll is open."""
    return {
        "votes_came_true": None if hidden else tally.came_true,
        "votes_partly": None if hidden else tally.partly,
        "votes_did_not": None if hidden else tally.did_not,
    }


async def _sealed_rows(
    session: AsyncSession, guild_id: int, numbers: dict[int, int]
) -> list[dict[str, Any]]:
    """Return one row per sealed poll: its commitment and sorted leaves once closed.

    Never who voted or what: an open poll gives only its count of ballots, a closed one the
    published root and count and the leaves (salted hashes) an auditor recomputes it from.
    """
    polls = (
        await session.scalars(
            select(Poll)
            .where(Poll.guild_id == guild_id, Poll.ballot_style == "sealed")
            .order_by(Poll.id)
        )
    ).all()
    if not polls:
        return []
    closed = [p.id for p in polls if p.sealed_root is not None]
    ballots = await ballots_of(session, closed)
    open_counts = dict(
        (
            await session.execute(
                select(Vote.poll_id, func.count())
                .where(Vote.poll_id.in_([p.id for p in polls if p.sealed_root is None]))
                .group_by(Vote.poll_id)
            )
        ).all()
    )
    rows = []
    for poll in polls:
        row: dict[str, Any] = {"prediction": numbers[poll.prediction_id], "poll_id": poll.id}
        if poll.sealed_root is None:
            row.update(state="open", ballots=open_counts.get(poll.id, 0), root=None, leaves=[])
        else:
            leaves = sorted(b.leaf(poll.id) for b in ballots[poll.id])
            row.update(
                state="closed", ballots=poll.sealed_count, root=poll.sealed_root, leaves=leaves
            )
        rows.append(row)
    return rows


def zip_files(files: dict[str, bytes]) -> bytes:
    """Compress named files into one zip archive (deflate, fixed timestamps: reproducible)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def to_csv(rows: Iterable[dict[str, Any]], header: Sequence[str]) -> bytes:
    """Write rows as CSV (UTF-8), neutralising cells a spreadsheet would run as formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key in header])
    return buffer.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):  # a sealed poll's leaves: hex hashes, space-separated
        return " ".join(str(v) for v in value)
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)
