"""What every test process sets up before its first test, to spend less time on what no test is about:
temporary files in memory, and the static folder compressed once rather than by every create_app."""
import functools
import os
import tempfile

from pimconnect import assets


def _temporary_files_in_memory():
    """Put the suite's temporary files (each test's SQLite copy, live servers' databases, the CLI
    tests' copies) on tmpfs when the machine has one and TMPDIR is not chosen: every SQLite commit
    fsyncs (synchronous=FULL), ~3 ms on this disk and none in memory. The code-replay race spent half
    of its 22 s in fsync. Set before pytest picks its temporary root; subprocesses inherit TMPDIR."""
    shm = "/dev/shm"
    if "TMPDIR" in os.environ or not (os.path.isdir(shm) and os.access(shm, os.W_OK)):
        return
    stats = os.statvfs(shm)  # some run scripts from their temporary folder; a run writes ~100 MB at most
    if stats.f_flag & os.ST_NOEXEC or stats.f_bavail * stats.f_frsize < 1 << 30:
        return
    os.environ["TMPDIR"] = shm
    tempfile.tempdir = None  # forget the root tempfile already chose


def _static_signature(folder):
    """Each static file's path, size and modification time: a changed file loads the folder again."""
    files = (os.path.join(root, name) for root, _dirs, names in os.walk(folder) for name in names)
    return tuple(sorted((path, (stat := os.stat(path)).st_size, stat.st_mtime_ns) for path in files))


_load_assets = assets.load_assets


@functools.cache
def _assets_of(folder, signature):
    return _load_assets(folder)


def _static_folder_compressed_once():
    """Every create_app read and compressed the static folder again (brotli at quality 11: ~170 of its
    ~250 ms), and a test process builds dozens of apps. Each app still gets a dict of its own."""
    assets.load_assets = lambda folder: dict(_assets_of(folder, _static_signature(folder)))


def set_up_test_process():
    _temporary_files_in_memory()
    _static_folder_compressed_once()
