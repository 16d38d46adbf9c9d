"""Local adapters: a folder as the bucket, SQLite as the state table and the queue.

These are the default backend of `syndicate run`, so they mimic the cloud where the pipeline
depends on it: whole-object writes, conditional creates that hold across processes, and a
queue with at-least-once delivery, visibility timeouts and receipt handles. Standard library
only, so the local mode needs neither boto3 nor a network.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..ports import (
    UNCHANGED,
    ObjectMeta,
    ObjectStore,
    PreconditionFailed,
    Queue,
    QueueMessage,
    StateStore,
    StorageError,
    Unchanged,
)
from . import (
    MAX_ITEM_BYTES,
    SET_ATTRIBUTE,
    BatchedWrites,
    WriteOp,
    decode_item,
    encode_item,
    item_size,
    validate_item_key,
    validate_key,
)

__all__ = ["LocalObjectStore", "SqliteQueue", "SqliteStateStore"]

# Temporary files written by `put` before their atomic rename; `list_keys` never reports them.
_TMP_PREFIX = ".~syndicate-tmp-"
# The sidecar holding an object's headers (content type, Cache-Control, Content-Encoding):
# `<folder>/.~syndicate-meta-<name>.json`, beside the object's file; never listed as a key.
_META_PREFIX = ".~syndicate-meta-"
_HIDDEN_PREFIX = ".~syndicate-"
DEFAULT_CONTENT_TYPE = "application/json"


def meta_path(path: Path) -> Path:
    """The sidecar file of the object stored at `path` (see `LocalObjectStore.metadata`)."""
    return path.with_name(f"{_META_PREFIX}{path.name}.json")


def read_meta(path: Path) -> ObjectMeta:
    """The headers stored beside the object file `path` (the default ones when it has no sidecar).

    Public so a static server over the folder (the demo server) can send what S3 would.
    """
    try:
        data = json.loads(meta_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ObjectMeta(DEFAULT_CONTENT_TYPE)
    return ObjectMeta(
        str(data.get("content_type") or DEFAULT_CONTENT_TYPE), data.get("cache_control"), data.get("content_encoding")
    )


def etag_of(body: bytes) -> str:
    """The ETag S3 gives a single-part upload: the quoted MD5 of the bytes."""
    return '"' + hashlib.md5(body, usedforsecurity=False).hexdigest() + '"'


class LocalObjectStore:
    """A folder standing in for a bucket: key `a/b.json` is the file `<root>/a/b.json`.

    A folder cannot hold both a key `a` and a key `a/b` (S3 can); the pipeline never needs
    that, and such a write fails with a StorageError naming the folder.
    """

    def __init__(self, root: Path | str, reserved: Collection[str] = ()) -> None:
        """`reserved`: top-level folder names that are not part of the bucket (e.g. the local
        state folder kept inside the output folder): never listed, never written as keys."""
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self.reserved = frozenset(reserved)

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        """The file for `key`, refusing anything that would land outside the root (even via symlinks)."""
        validate_key(key)
        if any(part.startswith(_HIDDEN_PREFIX) for part in key.split("/")):
            raise ValueError(f"object key {key!r} uses the store's own file prefix {_HIDDEN_PREFIX!r}")
        if key.split("/", 1)[0] in self.reserved:
            raise ValueError(f"object key {key!r} is inside a reserved folder of {self.root}")
        path = self.root.joinpath(*key.split("/"))
        if not path.resolve().is_relative_to(self.root):
            raise ValueError(f"object key {key!r} escapes the store folder {self.root}")
        return path

    def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            return path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None
        except OSError as exc:
            raise StorageError(f"local store {self.root}: cannot read {key!r}: {exc}") from exc

    def get_with_etag(self, key: str) -> tuple[bytes, str] | None:
        body = self.get(key)
        return None if body is None else (body, etag_of(body))

    def get_if_changed(self, key: str, etag: str | None) -> tuple[bytes, str] | Unchanged | None:
        """Reads the file and compares ETags: a local read costs what a 304 saves S3 callers."""
        got = self.get_with_etag(key)
        if got is not None and etag is not None and got[1] == etag:
            return UNCHANGED
        return got

    def put(
        self,
        key: str,
        body: bytes,
        content_type: str = "application/json",
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        cache_control: str | None = None,
        content_encoding: str | None = None,
    ) -> None:
        """Write to a temporary file in the target folder, then rename it over the key.

        The rename is atomic, so a concurrent reader sees the old object or the new one, never
        a partial file. No fsync: this is a working copy, not the system of record, and
        publishing thousands of small files should not wait on the disk for each. Headers
        other than the default content type (Cache-Control, Content-Encoding) go to a sidecar
        file written just before the object (`metadata` reads them back; the demo server
        sends them). Conditional writes compare S3-style ETags (quoted MD5) under a
        per-folder file lock, so two processes cannot both win the same If-Match.
        """
        meta = ObjectMeta(content_type, cache_control, content_encoding)
        if if_match is None and not if_none_match:
            self._write_meta(key, meta)
            self._write(key, body)
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.parent / (_TMP_PREFIX + "lock"), "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                current = self.get(key)
                if if_none_match and current is not None:
                    raise PreconditionFailed(key, "If-None-Match")
                if if_match is not None and (current is None or etag_of(current) != if_match):
                    raise PreconditionFailed(key, "If-Match")
                self._write_meta(key, meta)
                self._write(key, body)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def metadata(self, key: str) -> ObjectMeta | None:
        """The headers stored with the object (from its sidecar), or None when there is no such key."""
        path = self._path(key)
        if not path.is_file():
            return None
        return read_meta(path)

    def _write_meta(self, key: str, meta: ObjectMeta) -> None:
        """Keep the headers beside the object; an object with only the defaults has no sidecar."""
        sidecar = meta_path(self._path(key))
        if meta == ObjectMeta(DEFAULT_CONTENT_TYPE):
            with suppress(FileNotFoundError, NotADirectoryError):
                sidecar.unlink()
            return
        text = json.dumps(
            {
                "content_type": meta.content_type,
                "cache_control": meta.cache_control,
                "content_encoding": meta.content_encoding,
            }
        )
        self._write_file(sidecar, f"{key} (headers)", text.encode("utf-8"))

    def _write(self, key: str, body: bytes) -> None:
        if not isinstance(body, bytes | bytearray | memoryview):
            raise TypeError(f"object body must be bytes, got {type(body).__name__}")
        self._write_file(self._path(key), key, body)

    def _write_file(self, path: Path, key: str, body: bytes) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)
        except OSError as exc:
            raise StorageError(f"local store {self.root}: cannot write {key!r}: {exc}") from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            # mkstemp creates 0600; published files must be readable by a static web server.
            os.chmod(tmp_name, 0o644)
            os.replace(tmp_name, path)
        except BaseException as exc:
            with suppress(FileNotFoundError):
                os.unlink(tmp_name)
            if isinstance(exc, OSError):
                raise StorageError(f"local store {self.root}: cannot write {key!r}: {exc}") from exc
            raise

    def list_keys(self, prefix: str = "") -> list[str]:
        """Keys starting with `prefix` (a plain string prefix, as in S3), sorted by code point.

        Code-point order of str equals the UTF-8 byte order S3 lists in, so both backends sort
        non-ASCII keys the same way. Only the folder the prefix points into is walked.
        """
        start = self.root
        folder = prefix.rpartition("/")[0]
        if folder:
            try:
                start = self._path(folder)
            except ValueError:
                start = self.root  # an odd prefix matches nothing valid; the filter below decides
        keys: list[str] = []
        for dirpath, dirnames, filenames in os.walk(start):
            base = Path(dirpath).relative_to(self.root).as_posix()
            if base == ".":
                dirnames[:] = [d for d in dirnames if d not in self.reserved]
            for name in filenames:
                if name.startswith(_HIDDEN_PREFIX):
                    continue
                key = name if base == "." else f"{base}/{name}"
                if key.startswith(prefix):
                    keys.append(key)
        keys.sort()
        return keys

    def delete(self, key: str) -> None:
        path = self._path(key)
        if path.is_dir():
            return  # a folder is not a key (it only holds keys), so there is nothing to delete
        try:
            path.unlink(missing_ok=True)
            meta_path(path).unlink(missing_ok=True)
        except NotADirectoryError:
            return
        except OSError as exc:
            raise StorageError(f"local store {self.root}: cannot delete {key!r}: {exc}") from exc


# Connections inherited through fork() must never be used or closed by the child (SQLite's
# rule); the child opens its own and parks the inherited ones here so they are not closed.
_INHERITED: list[sqlite3.Connection] = []


def _validate_member(pk: str, sk: str, member: str) -> None:
    validate_item_key(pk, sk)
    if not isinstance(member, str) or not member:
        raise ValueError(f"set member must be a non-empty string, got {member!r}")


class _SqliteFile:
    """Connection handling shared by the state store and the queue.

    One connection per thread and process, opened on first use: safe to share an adapter
    between threads and processes without locking of our own, since SQLite's file locks do
    the work, WAL mode lets readers proceed during a write, and the busy timeout makes a
    second writer wait instead of failing with "database is locked". The connection is kept
    open because closing the last one checkpoints the WAL to disk, which made every write
    cost about 2 ms instead of about 0.05 ms.
    """

    busy_timeout_s = 30.0

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            self._create_schema(conn)

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        raise NotImplementedError

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid != os.getpid():
            _INHERITED.append(conn)
            conn = None
        if conn is None:
            # isolation_level=None: autocommit, with explicit BEGIN IMMEDIATE where a read and
            # a write must happen under one lock (so two processes cannot receive one message).
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
            # NORMAL is crash-safe in WAL mode and avoids an fsync per commit.
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn, self._local.pid = conn, os.getpid()
        yield conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection (others close when their thread's storage is freed)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None


# Chunk of keys per `get_sets` SELECT: two bound variables per key stays under the 999
# variables SQLite before 3.32 allows per statement.
_SET_KEYS_PER_SELECT = 400


class SqliteStateStore(BatchedWrites, _SqliteFile):
    """The state table in one SQLite file: rows of (pk, sk, data as JSON text).

    Sets live in their own table, one row per member, so adding a member is one INSERT OR
    IGNORE (atomic across threads and processes, as DynamoDB's ADD is) and never a rewrite
    of the whole set. It may share its file with `SqliteQueue` (they use different tables).
    """

    def __repr__(self) -> str:
        return f"SqliteStateStore({str(self.path)!r})"

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS items ("
            " pk TEXT NOT NULL, sk TEXT NOT NULL, data TEXT NOT NULL,"
            " PRIMARY KEY (pk, sk)) WITHOUT ROWID"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS sets ("
            " pk TEXT NOT NULL, sk TEXT NOT NULL, member TEXT NOT NULL,"
            " PRIMARY KEY (pk, sk, member)) WITHOUT ROWID"
        )

    def _encode(self, pk: str, sk: str, data: dict[str, Any]) -> str:
        validate_item_key(pk, sk)
        text = encode_item(data)
        size = item_size(pk, sk, text)
        if size > MAX_ITEM_BYTES:
            raise StorageError(
                f"state table {self.path}: item ({pk!r}, {sk!r}) is {size} bytes, "
                f"over the {MAX_ITEM_BYTES}-byte limit DynamoDB enforces",
                code="ValidationException",
            )
        return text

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        validate_item_key(pk, sk)
        with self._connect() as conn:
            row = conn.execute("SELECT data FROM items WHERE pk = ? AND sk = ?", (pk, sk)).fetchone()
        return None if row is None else decode_item(row[0])

    def put(self, pk: str, sk: str, data: dict[str, Any]) -> None:
        text = self._encode(pk, sk, data)
        if self._hold(WriteOp("put", pk, sk, text=text)):
            return
        with self._connect() as conn:
            conn.execute("INSERT OR REPLACE INTO items (pk, sk, data) VALUES (?, ?, ?)", (pk, sk, text))

    def put_if_absent(self, pk: str, sk: str, data: dict[str, Any]) -> bool:
        """One INSERT OR IGNORE: SQLite's write lock makes exactly one of racing callers win."""
        text = self._encode(pk, sk, data)
        with self._connect() as conn:
            cursor = conn.execute("INSERT OR IGNORE INTO items (pk, sk, data) VALUES (?, ?, ?)", (pk, sk, text))
            return cursor.rowcount == 1

    def delete(self, pk: str, sk: str) -> None:
        validate_item_key(pk, sk)
        if self._hold(WriteOp("delete", pk, sk)):
            return
        with self._connect() as conn:
            conn.execute("DELETE FROM items WHERE pk = ? AND sk = ?", (pk, sk))

    def query(self, pk: str) -> list[tuple[str, dict[str, Any]]]:
        """One partition in sort-key order; SQLite's BINARY collation compares UTF-8 bytes,
        which is the order DynamoDB uses for string sort keys."""
        if not isinstance(pk, str) or not pk:
            raise ValueError(f"state pk must be a non-empty string, got {pk!r}")
        with self._connect() as conn:
            rows = conn.execute("SELECT sk, data FROM items WHERE pk = ? ORDER BY sk", (pk,)).fetchall()
        return [(sk, decode_item(data)) for sk, data in rows]

    def add_to_set(self, pk: str, sk: str, member: str) -> None:
        """INSERT OR IGNORE of one member row, refused (and rolled back) when the set would
        pass the item size DynamoDB enforces, so an ever-growing set fails here first."""
        _validate_member(pk, sk, member)
        if self._hold(WriteOp("add", pk, sk, member=member)):
            return
        with self._transaction() as conn:
            self._add_member(conn, pk, sk, member)

    def _add_member(self, conn: sqlite3.Connection, pk: str, sk: str, member: str) -> None:
        cursor = conn.execute("INSERT OR IGNORE INTO sets (pk, sk, member) VALUES (?, ?, ?)", (pk, sk, member))
        if cursor.rowcount != 1:
            return  # already a member: nothing changed
        (members_bytes,) = conn.execute(
            "SELECT COALESCE(SUM(LENGTH(CAST(member AS BLOB))), 0) FROM sets WHERE pk = ? AND sk = ?", (pk, sk)
        ).fetchone()
        size = sum(len(s.encode("utf-8")) for s in ("pk", pk, "sk", sk, SET_ATTRIBUTE)) + int(members_bytes)
        if size > MAX_ITEM_BYTES:
            raise StorageError(
                f"state table {self.path}: set ({pk!r}, {sk!r}) would be {size} bytes, "
                f"over the {MAX_ITEM_BYTES}-byte limit DynamoDB enforces",
                code="ValidationException",
            )

    def remove_from_set(self, pk: str, sk: str, member: str) -> None:
        _validate_member(pk, sk, member)
        if self._hold(WriteOp("remove", pk, sk, member=member)):
            return
        with self._connect() as conn:
            conn.execute("DELETE FROM sets WHERE pk = ? AND sk = ? AND member = ?", (pk, sk, member))

    def _apply_batch(self, ops: list[WriteOp]) -> None:
        """Every held write in one transaction: all of them or (on any error) none."""
        with self._transaction() as conn:
            for op in ops:
                if op.kind == "put":
                    conn.execute(
                        "INSERT OR REPLACE INTO items (pk, sk, data) VALUES (?, ?, ?)", (op.pk, op.sk, op.text)
                    )
                elif op.kind == "delete":
                    conn.execute("DELETE FROM items WHERE pk = ? AND sk = ?", (op.pk, op.sk))
                elif op.kind == "add":
                    self._add_member(conn, op.pk, op.sk, op.member)
                else:
                    conn.execute(
                        "DELETE FROM sets WHERE pk = ? AND sk = ? AND member = ?", (op.pk, op.sk, op.member)
                    )

    def get_sets(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
        """One SELECT per 400 keys (one for the index's 32 bands), each key an index lookup."""
        result: dict[tuple[str, str], set[str]] = {}
        for pk, sk in keys:
            validate_item_key(pk, sk)
            result[(pk, sk)] = set()
        unique = list(result)
        with self._connect() as conn:
            for start in range(0, len(unique), _SET_KEYS_PER_SELECT):
                chunk = unique[start : start + _SET_KEYS_PER_SELECT]
                where = " OR ".join(["(pk = ? AND sk = ?)"] * len(chunk))
                params = [part for key in chunk for part in key]
                for pk, sk, member in conn.execute(f"SELECT pk, sk, member FROM sets WHERE {where}", params):
                    result[(pk, sk)].add(member)
        return result


class SqliteQueue(_SqliteFile):
    """An SQS-like queue in SQLite: at-least-once delivery with a visibility timeout.

    `receive` hides each returned message for `visibility_timeout` seconds, counts the
    delivery and hands out a receipt that is new for every delivery. `delete` needs the
    receipt of the latest delivery: a stale receipt (the message timed out and was delivered
    again) deletes nothing, so a slow consumer cannot remove a message another consumer is
    now working on. Messages not deleted in time are delivered again. Several queues can live
    in one file, told apart by `name`. `clock` is injectable so tests can move time.
    """

    def __init__(
        self,
        path: Path | str,
        name: str = "articles",
        visibility_timeout: float = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not name:
            raise ValueError("queue name must be non-empty")
        if visibility_timeout < 0:
            raise ValueError(f"visibility_timeout must be >= 0, got {visibility_timeout}")
        self.name = name
        self.visibility_timeout = float(visibility_timeout)
        self.clock = clock
        super().__init__(path)

    def __repr__(self) -> str:
        return f"SqliteQueue({str(self.path)!r}, name={self.name!r})"

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS messages ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " queue TEXT NOT NULL,"
            " message_id TEXT NOT NULL,"
            " body TEXT NOT NULL,"
            " visible_at REAL NOT NULL,"
            " receive_count INTEGER NOT NULL DEFAULT 0,"
            " receipt TEXT UNIQUE)"
        )
        conn.execute("CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, visible_at)")

    def send(self, bodies: list[str]) -> None:
        for body in bodies:
            if not isinstance(body, str):
                raise TypeError(f"queue message body must be str, got {type(body).__name__}")
        if not bodies:
            return
        now = self.clock()
        rows = [(self.name, str(uuid.uuid4()), body, now) for body in bodies]
        with self._transaction() as conn:
            conn.executemany("INSERT INTO messages (queue, message_id, body, visible_at) VALUES (?, ?, ?, ?)", rows)

    def receive(self, max_messages: int = 10) -> list[QueueMessage]:
        """Up to `max_messages` visible messages, oldest first, each hidden until the timeout."""
        if max_messages <= 0:
            return []
        now = self.clock()
        received: list[QueueMessage] = []
        with self._transaction() as conn:
            rows = conn.execute(
                "SELECT seq, message_id, body, receive_count FROM messages"
                " WHERE queue = ? AND visible_at <= ? ORDER BY seq LIMIT ?",
                (self.name, now, max_messages),
            ).fetchall()
            for seq, message_id, body, count in rows:
                receipt = f"{self.name}:{uuid.uuid4().hex}"
                conn.execute(
                    "UPDATE messages SET visible_at = ?, receive_count = ?, receipt = ? WHERE seq = ?",
                    (now + self.visibility_timeout, count + 1, receipt, seq),
                )
                received.append(QueueMessage(message_id, body, receipt, count + 1))
        return received

    def delete(self, receipt: str) -> None:
        """Delete the message this receipt was issued for, if it is still that message's latest."""
        with self._connect() as conn:
            conn.execute("DELETE FROM messages WHERE queue = ? AND receipt = ?", (self.name, receipt))

    def approximate_count(self) -> int:
        """Messages waiting or in flight (not yet deleted), like SQS's two approximate counts summed."""
        with self._connect() as conn:
            (count,) = conn.execute("SELECT COUNT(*) FROM messages WHERE queue = ?", (self.name,)).fetchone()
        return int(count)


if TYPE_CHECKING:  # mypy proves the adapters satisfy the ports; nothing runs here

    def _conforms(
        store: LocalObjectStore, state: SqliteStateStore, queue: SqliteQueue
    ) -> tuple[ObjectStore, StateStore, Queue]:
        return store, state, queue
