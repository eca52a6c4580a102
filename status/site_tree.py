"""The output folder of `kratom build`: staged, swapped atomically, rewritten only where needed.

Two trees take turns. The live one is the folder people serve (`-o DIR`); the other waits
in a hidden sibling folder (`.DIR.kratom/staging`) holding the previous build. A build
brings the waiting tree up to date, then exchanges the two in one `renameat2` call, so a
crash at any moment leaves the live site whole (old or new, never half of each).

Bringing the waiting tree up to date is cheap because a page whose bytes did not change is
a hard link to the live file: same bytes, same inode, same mtime. Only pages whose bytes
changed are new files. A manifest per tree (in `.DIR.kratom/state.sqlite`) records each
file's input fingerprint and inode, so an unchanged page is neither rendered nor compared;
a tree whose manifest cannot be trusted (after a crash, or with `full`) is checked file by
file instead. Files are never written in place: a new version replaces the name, so the
other tree's link keeps the old bytes.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import marshal
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from status.errors import KratomError

MARKER = ".kratom-site"
MARKER_TEXT = "This folder is a site built by `kratom build`; each build replaces its files.\n"
FSYNC_LIMIT = 500  # above this many new files one sync() is cheaper than an fsync each
BIG_FILE = 1 << 20  # bytes; see Output._clear
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
# Every path the site writes: segments of letters, digits, '.', '_', '-', none starting
# with '.' (so no '..', no hidden files), joined by '/'.
_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")
_SCHEMA_VERSION = 4
# One row per tree, its manifest as one `marshal` document {path: (fp, ino, sha)}: reading
# 100,000 entries that way is ten times cheaper than 100,000 rows. marshal is not meant
# for untrusted data; this file is the build's own memo, beside the site it builds.
_SCHEMA = """
DROP TABLE IF EXISTS trees;
DROP TABLE IF EXISTS files;
DROP TABLE IF EXISTS manifests;
CREATE TABLE trees (id TEXT PRIMARY KEY, clean INTEGER NOT NULL, salt TEXT);
CREATE TABLE manifests (tree TEXT PRIMARY KEY, files BLOB NOT NULL);
"""


def check_path(path: str) -> str:
    """A relative POSIX path inside the site; anything else is a bug, never written."""
    if not _PATH.fullmatch(path):
        raise KratomError(f"refusing to write {path!r}: not a safe path inside the site")
    return path


FP, INO, SHA = 0, 1, 2  # a manifest entry's fields: read by index, manifests hold tuples


class Entry(NamedTuple):
    """What the manifest knows of one file: its inputs' fingerprint, inode, content hash.

    Manifests read back from the memo hold plain tuples (making 100,000 named tuples
    costs more than the rest of a small rebuild), so entries are read by index."""

    fp: str
    ino: int
    sha: str | None = None


class Staged(NamedTuple):
    """What staging one file did: the inode now at its name, and whether it is new."""

    ino: int
    new: bool


@dataclass
class TreeReport:
    written: list[str] = field(default_factory=list)
    kept: int = 0
    removed: list[str] = field(default_factory=list)


class Output:
    """One build's view of the output folder. Use `need`/`put`/`put_file`, then `finish`."""

    def __init__(self, out: str | os.PathLike, *, full: bool = False, salt: str = "") -> None:
        self.live = Path(out).resolve()
        _refuse_foreign(self.live)
        self.work = self.live.parent / f".{self.live.name}.kratom"
        self.work.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(self.work / "lock")
        self.stage = self.work / "staging"
        self.trash = self.work / "trash"  # big files replaced in the waiting tree
        shutil.rmtree(self.trash, ignore_errors=True)
        _recover_swap(self.live, self.stage)
        self.state = sqlite3.connect(self.work / "state.sqlite", isolation_level=None)
        # A build memo, not a source of truth: WAL and a large cache keep its writes cheap.
        self.state.execute("PRAGMA journal_mode = WAL")
        self.state.execute("PRAGMA synchronous = NORMAL")
        self.state.execute("PRAGMA cache_size = -65536")
        if self.state.execute("PRAGMA user_version").fetchone()[0] != _SCHEMA_VERSION:
            self.state.executescript(_SCHEMA)  # a memo in an older form: forget it
            self.state.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")
        self.full, self.salt = full, salt
        self.live_id = _read_marker(self.live)
        self.live_files = self._manifest(self.live_id) if self.live_id else {}
        self._trust_live = bool(self.live_id) and self._clean(self.live_id) and not full
        self.same_code = self._trust_live and self._salt(self.live_id) == salt
        self.stage_id, self.stage_files = self._open_stage()
        self.target: dict[str, Entry] = {}
        self.report = TreeReport()
        self._folders: set[str] = set()  # made in the waiting tree (and the twin)
        self._carried: set[str] = set()  # see carry and replace_folder
        self._saved: bytes | None = None  # the manifest `finish` saved (see _adopt_twin)
        self._early_sync: threading.Thread | None = None  # see sync_early
        # A first build writes every file, and the tree that waits after it must hold a
        # link to each: made as each file is written (by the workers too), not afterwards.
        self.twin = self.work / "twin" if not self.live_id else None
        if self.twin is not None:
            shutil.rmtree(self.twin, ignore_errors=True)  # left by a crash
            self.twin.mkdir()

    # --- deciding and writing ----------------------------------------------------

    def need(self, path: str, fp: str) -> bool:
        """False if the live file was built from the same inputs (it is kept as is)."""
        check_path(path)
        old = self.live_files.get(path)
        if not self._trust_live or old is None or old[FP] != fp:
            return True
        return not self._keep(path, Entry(fp, old[INO], old[SHA]))

    def keep_unchanged(self, paths: Iterable[str]) -> None:
        """Keep these live files without a fingerprint check: the caller knows that none of
        their inputs moved. Only when `same_code` (the live tree was built by this code,
        templates and base URL, and its manifest is trusted)."""
        assert self.same_code
        live, staged, target = self.live_files, self.stage_files, self.target
        kept = 0
        for path in paths:
            old = live.get(path)
            if old is None or path in target:
                continue
            mine = staged.get(path) if staged is not None else None
            if mine is not None and mine[INO] == old[INO]:  # already the live file
                target[path] = old
                kept += 1
            else:
                self._keep(path, old)
        self.report.kept += kept

    def carry(self, paths: Iterable[str]) -> bool:
        """Keep these live files as they are, whatever their inputs now (the downloads,
        published after the pages: see `replace_folder`). False if one is missing."""
        paths = list(paths)
        if not self.live_id or any(p not in self.live_files for p in paths):
            return False
        self._carried.update(paths)
        return all(self._keep(check_path(p), self.live_files[p]) for p in paths)

    def put(self, path: str, data: bytes, fp: str) -> None:
        """Stage `data` at `path`: a link to the live file if the bytes are the same."""
        self.record(path, fp, self.stage_bytes(path, data))

    def stage_bytes(self, path: str, data: bytes) -> Staged:
        """Put `data` at `path` in the waiting tree, as a link to the live file if that
        holds the same bytes.

        Only files are touched, never this object's bookkeeping, so a forked worker may
        call it (the workers that render the jurisdiction pages write them too, instead of
        sending 2 GB back); the process that owns the Output then calls `record`.
        """
        check_path(path)
        if self.live_id and (path in self.live_files or not self._trust_live):
            try:
                with open(self.live / path, "rb") as f:
                    same = f.read() == data
                    ino = os.fstat(f.fileno()).st_ino
            except OSError:
                same = False
            if same:
                staged = self._stage_live(path, ino)
                if staged is not None:
                    return Staged(staged, False)
        return Staged(self._write(path, data), True)

    def record(self, path: str, fp: str, staged: Staged, sha: str | None = None) -> None:
        """Note a staged file in the waiting tree's manifest."""
        self.target[path] = Entry(fp, staged.ino, sha)
        if staged.new:
            self.report.written.append(path)
        else:
            self.report.kept += 1

    def put_file(self, path: str, temp: Path, fp: str, sha: str | None = None) -> None:
        """Stage a finished scratch file: kept as the live one if its bytes are the same.

        `sha` is the file's content hash if its writer computed it already (the downloads
        are gigabytes at scale: hashing them twice is seconds).
        """
        check_path(path)
        sha = sha or file_sha(temp)
        old = self.live_files.get(path)
        live = self.live / path
        with contextlib.suppress(OSError):
            known = old is not None and old[SHA] and self._trust_live
            live_sha = old[SHA] if known else file_sha(live)
            if live_sha == sha and self._keep(path, Entry(fp, _ino(live), sha)):
                temp.unlink()
                return
        target = self._place(path)
        self._clear(target)
        os.replace(temp, target)
        self._twin(path, target)
        self.record(path, fp, Staged(_ino(target), True), sha)

    def _keep(self, path: str, entry: Entry) -> bool:
        """Make the waiting tree's file the live inode; False if the live file is gone."""
        ino = self._stage_live(path, entry[INO])
        if ino is None:
            return False
        self.record(path, entry[FP], Staged(ino, False), entry[SHA])
        return True

    def _stage_live(self, path: str, live_ino: int) -> int | None:
        """Link the live file into the waiting tree unless it is there already; its
        inode there, or None if the live file is gone."""
        if self.stage_files is not None:
            staged = self.stage_files.get(path)
            if staged is not None and staged[INO] == live_ino:
                return live_ino
        else:  # a tree to check file by file
            with contextlib.suppress(OSError):
                if _ino(self.stage / path) == live_ino:
                    return live_ino
        target = self._place(path)
        try:
            try:
                os.link(self.live / path, target)
            except FileExistsError:
                self._clear(target)
                os.link(self.live / path, target)
        except FileNotFoundError:
            return None
        return _ino(target)

    def _write(self, path: str, data: bytes) -> int:
        """A new file in the waiting tree (never live yet, so no temporary name is needed:
        after a crash the tree is checked file by file); its inode."""
        target = self._place(path)
        # Plain descriptors: a buffered file object costs three more system calls per file
        # (of which a first build at scale writes a hundred thousand).
        try:
            fd = os.open(target, _NEW_FILE, 0o666)  # as open() does: the umask decides
        except FileExistsError:  # the version before last: replace it
            self._clear(target)
            fd = os.open(target, _NEW_FILE, 0o666)  # as open() does: the umask decides
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            ino = os.fstat(fd).st_ino
        finally:
            os.close(fd)
        self._twin(path, target)
        return ino

    def _place(self, path: str) -> str:
        """The waiting tree's name for `path`, its folder made (once per build)."""
        folder, _, _ = path.rpartition("/")
        if folder and folder not in self._folders:
            _make_folder(f"{self.stage}/{folder}")
            if self.twin is not None:
                _make_folder(f"{self.twin}/{folder}")
            self._folders.add(folder)
        return f"{self.stage}/{path}"

    def _clear(self, target: str) -> None:
        """Free a waiting tree's name for a new inode."""
        try:
            st = os.stat(target)
        except FileNotFoundError:
            return
        if st.st_size < BIG_FILE:
            os.unlink(target)
        else:  # freeing a big file's blocks takes long: do it once the site is live
            self.trash.mkdir(exist_ok=True)
            os.rename(target, self.trash / str(st.st_ino))

    def _twin(self, path: str, target: str) -> None:
        """In a first build, link each new file into the tree that will wait next."""
        if self.twin is not None:
            twin = f"{self.twin}/{path}"
            try:
                os.link(target, twin)
            except FileExistsError:  # a name written twice in one build: the last bytes
                os.unlink(twin)
                os.link(target, twin)

    # --- finishing -----------------------------------------------------------------

    def finish(self) -> TreeReport:
        """Drop files no longer produced, record the manifest, then swap the trees.

        The folder stays locked until `close`: `replace_folder` may follow."""
        self._remove_leftovers()
        self._save_manifest()
        self._flush()
        if self.live.exists():
            exchange(self.live, self.stage)
        else:
            os.rename(self.stage, self.live)
        self.live_id, self.live_files = self.stage_id, self.target
        if self.twin is not None:
            self._adopt_twin()
        return self.report

    def replace_folder(
        self, folder: str, ready: Path, fps: dict[str, str], shas: dict[str, str]
    ) -> list[str]:
        """After `finish`: make `ready` the live site's `folder` in one exchange.

        `ready` holds the folder's complete new content (files unchanged since the live
        version are hard links to it); `fps` and `shas` give each file's fingerprint and,
        where known, content hash (by name inside `folder`). The live tree is marked
        unclean while its manifest does not match it, so a crash in between makes the
        next build check it file by file. Returns the paths of the files that are new.
        """
        live = self.live / check_path(folder)
        prefix = f"{folder}/"
        entries, new = {}, []
        for name, fp in fps.items():
            path = check_path(prefix + name)
            entries[path] = Entry(fp, _ino(ready / name), shas.get(name))
            old = self.live_files.get(path)
            if old is None or old[INO] != entries[path][INO]:
                new.append(path)
                fsync_file(ready / name)
        self._mark(self.live_id, clean=False)
        exchange(live, ready)
        self.live_files = {
            **{p: e for p, e in self.live_files.items() if not p.startswith(prefix)},
            **entries,
        }
        with _transaction(self.state):
            self._store_manifest(self.live_id, self.live_files)
            self.state.execute("UPDATE trees SET clean = 1 WHERE id = ?", (self.live_id,))
        shutil.rmtree(ready)  # the old folder, now at `ready`
        self.report.written.extend(new)
        self.report.kept -= len(self._carried.intersection(new))  # counted once: written
        return new

    def _mark(self, tree_id: str, *, clean: bool) -> None:
        with _transaction(self.state):
            self.state.execute("UPDATE trees SET clean = ? WHERE id = ?", (int(clean), tree_id))

    def sync_early(self) -> None:
        """Start writing what is staged so far to disk, in a thread, if there is much and
        no such thread is still at it.

        A full build at scale writes gigabytes, which the kernel starts writing out only
        once a tenth of memory is dirty (or after 30 s), so the sync before the swap
        (`_flush`) waited seconds with the processors idle. The builder calls this as the
        pages come in and once they are all written, so the writing overlaps the
        rendering; sync() releases the GIL. `_flush` waits for it, then syncs what came
        after.
        """
        if len(self.report.written) <= FSYNC_LIMIT:
            return
        if self._early_sync is not None and self._early_sync.is_alive():
            return
        self._early_sync = threading.Thread(target=os.sync, name="kratom-sync", daemon=True)
        self._early_sync.start()

    def _join_early_sync(self) -> None:
        if self._early_sync is not None:
            self._early_sync.join()
            self._early_sync = None

    def close(self) -> None:
        """Release the folder (also after a failed build: the live site is untouched)."""
        self._join_early_sync()
        shutil.rmtree(self.trash, ignore_errors=True)
        self.state.close()
        self._lock.close()

    def _remove_leftovers(self) -> None:
        if self.stage_files is not None:
            stale = [p for p in self.stage_files if p not in self.target]
        else:
            stale = [p for p in _walk(self.stage) if p not in self.target]
        for path in stale:
            with contextlib.suppress(FileNotFoundError):
                (self.stage / path).unlink()
            _prune(self.stage, Path(path).parent)
            if path in self.live_files:
                self.report.removed.append(path)

    def _save_manifest(self) -> None:
        with _transaction(self.state):
            self._saved = self._store_manifest(self.stage_id, self.target)
            self.state.execute(
                "UPDATE trees SET clean = 1, salt = ? WHERE id = ?", (self.salt, self.stage_id)
            )
            self.state.execute(
                "DELETE FROM manifests WHERE tree NOT IN (?, ?)",
                (self.stage_id, self.live_id or ""),
            )
            self.state.execute(
                "DELETE FROM trees WHERE id NOT IN (?, ?)", (self.stage_id, self.live_id or "")
            )

    def _store_manifest(self, tree_id: str, files: dict[str, Entry]) -> bytes:
        document = marshal.dumps({p: tuple(e) for p, e in files.items()})
        self._store_document(tree_id, document)
        return document

    def _store_document(self, tree_id: str, document: bytes) -> None:
        self.state.execute(
            "INSERT OR REPLACE INTO manifests (tree, files) VALUES (?, ?)", (tree_id, document)
        )

    def _flush(self) -> None:
        """New files reach the disk before the swap makes them live (power loss too)."""
        self._join_early_sync()
        if len(self.report.written) > FSYNC_LIMIT:
            os.sync()
            return
        for path in self.report.written:
            fsync_file(self.stage / path)

    def _adopt_twin(self) -> None:
        """After a first build: the twin, a link to every live file, becomes the waiting
        tree, so the next build is small."""
        assert self.twin is not None
        shutil.rmtree(self.stage, ignore_errors=True)  # the empty folder that was live
        os.rename(self.twin, self.stage)
        self.twin = None
        tree_id = _write_marker(self.stage, self.live)
        with _transaction(self.state):
            self.state.execute(
                "INSERT INTO trees (id, clean, salt) VALUES (?, 1, ?)", (tree_id, self.salt)
            )
            # The same files as the tree just made live: its manifest, as `finish` saved it.
            assert self._saved is not None
            self._store_document(tree_id, self._saved)

    # --- manifests -------------------------------------------------------------------

    def _manifest(self, tree_id: str) -> dict[str, Entry]:
        row = self.state.execute(
            "SELECT files FROM manifests WHERE tree = ?", (tree_id,)
        ).fetchone()
        try:
            stored = marshal.loads(row[0]) if row else {}
            if not isinstance(stored, dict):
                raise ValueError("not a manifest")
            return stored
        except (EOFError, ValueError, TypeError):
            return {}  # a damaged memo is no memo: the tree is checked file by file

    def _salt(self, tree_id: str) -> str | None:
        row = self.state.execute("SELECT salt FROM trees WHERE id = ?", (tree_id,)).fetchone()
        return row[0] if row else None

    def _clean(self, tree_id: str) -> bool:
        row = self.state.execute("SELECT clean FROM trees WHERE id = ?", (tree_id,)).fetchone()
        return bool(row and row[0])

    def _open_stage(self) -> tuple[str, dict[str, Entry] | None]:
        """The waiting tree's id and manifest (None when it must be checked file by file).

        It is marked unclean before anything in it changes, so a crash mid-build is seen.
        """
        self.stage.mkdir(exist_ok=True)
        tree_id = _read_marker(self.stage)
        files = None
        if tree_id and self._clean(tree_id) and not self.full:
            files = self._manifest(tree_id)
        elif not any(self.stage.iterdir()):
            files = {}  # a new, empty tree: nothing in it to check or remove
        if not tree_id:
            tree_id = _write_marker(self.stage, self.live)
        with _transaction(self.state):
            self.state.execute(
                "INSERT INTO trees (id, clean) VALUES (?, 0) "
                "ON CONFLICT(id) DO UPDATE SET clean = 0",
                (tree_id,),
            )
        return tree_id, files


# --- helpers ------------------------------------------------------------------------


def _refuse_foreign(live: Path) -> None:
    """Never swap away a folder that is not a kratom site (`-o ~` must not move a home)."""
    if live.exists() and not live.is_dir():
        raise KratomError(f"{live} is a file; give a folder for the site")
    if live.is_dir() and not (live / MARKER).exists() and any(live.iterdir()):
        raise KratomError(
            f"{live} exists and is not a site built by kratom (no {MARKER} file); "
            "choose a new or empty folder"
        )


def _read_marker(tree: Path) -> str | None:
    """The tree's identity: its folder and its marker file, as the file system knows them.

    The marker's bytes and mtime are the same in both trees (a rebuild changes nothing
    that did not change), so identity comes from inodes and the marker's ctime, which a
    new folder or file cannot share with the one recorded.
    """
    try:
        folder, marker = os.stat(tree), os.stat(tree / MARKER)
    except OSError:
        return None
    return f"{folder.st_dev}:{folder.st_ino}:{marker.st_ino}:{marker.st_ctime_ns}"


def _write_marker(tree: Path, like: Path | None) -> str:
    """Mark a new tree as a kratom site, with the live marker's mtime; return its identity."""
    path = tree / MARKER
    path.write_text(MARKER_TEXT)
    with contextlib.suppress(OSError):
        st = os.stat(like / MARKER) if like else None
        if st is not None:
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    identity = _read_marker(tree)
    assert identity is not None
    return identity


def fsync_file(path: str | os.PathLike) -> None:
    """The file's bytes on disk (power loss too)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_folder(path: str) -> None:
    """`os.makedirs(path, exist_ok=True)` for a folder whose parent is usually there: one
    system call instead of makedirs' look at the parent first (a first build makes a
    hundred thousand folders)."""
    try:
        os.mkdir(path)
    except FileNotFoundError:  # its parent is missing
        os.makedirs(path, exist_ok=True)
    except FileExistsError:
        if not os.path.isdir(path):
            raise


def _ino(path: Path) -> int:
    return os.stat(path).st_ino


def file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _walk(root: Path) -> Iterator[str]:
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name).relative_to(root).as_posix()
            if path != MARKER:
                yield path


def _prune(root: Path, folder: Path) -> None:
    """Remove folders left empty, up to the tree's root."""
    while folder.parts:
        try:
            (root / folder).rmdir()
        except OSError:
            return
        folder = folder.parent


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class _Lock:
    def __init__(self, path: Path) -> None:
        self.file = open(path, "a+")  # noqa: SIM115 - held for the whole build

    def close(self) -> None:
        self.file.close()


def _lock(path: Path) -> _Lock:
    """One build at a time per output folder."""
    lock = _Lock(path)
    try:
        import fcntl

        fcntl.flock(lock.file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # pragma: no cover - not POSIX
        pass
    except OSError:
        lock.close()
        raise KratomError(
            f"another build is writing {path.parent}; try again when it ends"
        ) from None
    return lock


# --- the swap -------------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> None:
    """Swap two folders in one step (Linux `renameat2(RENAME_EXCHANGE)`).

    Where the call is missing (other systems, some file systems), three renames do it;
    between two of them `a` is briefly absent — never half-written.
    """
    libc_call = _renameat2()
    if libc_call is not None:
        if libc_call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(a))
    parked = _parked(b)
    os.rename(a, parked)
    os.rename(b, a)
    os.rename(parked, b)


def _parked(stage: Path) -> Path:
    return stage.with_name(stage.name + ".swap")


def _recover_swap(live: Path, stage: Path) -> None:
    """Finish a three-rename swap that a crash interrupted."""
    parked = _parked(stage)
    if not parked.exists():
        return
    if not live.exists():
        os.rename(stage, live)
    if not stage.exists():
        os.rename(parked, stage)
    else:
        shutil.rmtree(parked)


def _renameat2():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        call = libc.renameat2
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    call.restype = ctypes.c_int
    return call
