"""fetch_cifar10 against a local HTTP server on 127.0.0.1 (no internet needed)."""

import hashlib
import http.server
import io
import tarfile
import threading

import numpy as np
import pytest
from _helpers import write_cifar_python

from features import fetch_cifar10


def make_archive(tmp_path, extra_member=None):
    source = tmp_path / "source"
    batches = write_cifar_python(source / "cifar-10-batches-py")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(source / "cifar-10-batches-py", arcname="cifar-10-batches-py")
        if extra_member is not None:
            info = tarfile.TarInfo(extra_member)
            info.size = 4
            tar.addfile(info, io.BytesIO(b"evil"))
    data = buffer.getvalue()
    return data, hashlib.md5(data).hexdigest(), batches


class Server:
    """Serves one payload; ``truncate`` sends half of it under the full length."""

    def __init__(self, payload):
        self.payload, self.truncate, self.requests = payload, False, 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests += 1
                body = owner.payload[: len(owner.payload) // 2] if owner.truncate else owner.payload
                self.send_response(200)
                self.send_header("Content-Length", str(len(owner.payload)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/cifar-10-python.tar.gz"
        # a short poll interval: shutdown() waits for one poll (0.5 s by default)
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,),
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(tmp_path):
    payload, md5, batches = make_archive(tmp_path)
    server = Server(payload)
    yield server, md5, batches
    server.close()


def cache_files(home):
    return sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file())


def test_downloads_verifies_extracts_and_caches(served, tmp_path, capsys):
    server, md5, batches = served
    home = tmp_path / "home"
    X, y, names = fetch_cifar10(home, url=server.url, md5=md5)
    assert X.shape == (20, 32, 32, 3) and names[0] == "airplane"
    np.testing.assert_array_equal(X[:4], batches["data_batch_1"][0])
    assert "100%" in capsys.readouterr().err
    X_test, _, _ = fetch_cifar10(home, subset="test", url=server.url, md5=md5)
    np.testing.assert_array_equal(X_test, batches["test_batch"][0])
    assert server.requests == 1                       # the second call used the cache
    assert not [f for f in cache_files(home) if ".extract-" in f or "tmp" in f]


def test_checksum_mismatch_leaves_nothing(served, tmp_path):
    server, _, _ = served
    home = tmp_path / "home"
    with pytest.raises(ValueError, match="(?i)hash"):
        fetch_cifar10(home, url=server.url, md5="0" * 32, progress=False)
    assert cache_files(home) == []


def test_interrupted_download_leaves_nothing_and_retries(served, tmp_path):
    server, md5, _ = served
    home = tmp_path / "home"
    server.truncate = True
    with pytest.raises(OSError, match="Connection broken|IncompleteRead"):
        fetch_cifar10(home, url=server.url, md5=md5, progress=False)
    assert cache_files(home) == []
    server.truncate = False
    X, _, _ = fetch_cifar10(home, url=server.url, md5=md5, progress=False)
    assert X.shape[0] == 20


def test_archive_member_escaping_the_folder_is_refused(tmp_path):
    payload, md5, _ = make_archive(tmp_path, extra_member="../../escaped.txt")
    server = Server(payload)
    try:
        home = tmp_path / "home"
        with pytest.raises(ValueError, match="outside the target folder"):
            fetch_cifar10(home, url=server.url, md5=md5, progress=False)
    finally:
        server.close()
    assert not list(tmp_path.rglob("escaped.txt"))
    assert not (home / "cifar10" / "cifar-10-batches-py").exists()


# ------------------------------------------------------------------ issue 7, row 10
@pytest.mark.parametrize("kwargs,error,message", [
    ({"subset": "valid"}, ValueError, r"'subset' parameter of fetch_cifar10 must be a str among "
                                      r"\{'t\w+', 't\w+'\}. Got 'valid'"),
    ({"subset": None}, ValueError, "'subset' parameter of fetch_cifar10 must be a str among"),
    ({"md5": "c58f30108f"}, ValueError,
     "'md5' parameter of fetch_cifar10 must be the 32 hex digits"),
    ({"md5": None}, ValueError, "'md5' parameter of fetch_cifar10 must be the 32 hex digits"),
    ({"md5": "z" * 32}, ValueError, "'md5' parameter of fetch_cifar10 must be the 32 hex digits"),
    ({"url": "www.cs.toronto.edu/cifar.tar.gz"}, ValueError,
     "'url' parameter of fetch_cifar10 must be the http:// or https:// address"),
    ({"url": "file:///tmp/cifar.tar.gz"}, ValueError,
     "'url' parameter of fetch_cifar10 must be the http"),
    ({"url": None}, ValueError, "'url' parameter of fetch_cifar10 must be the http"),
    ({"progress": "yes"}, ValueError,
     "'progress' parameter of fetch_cifar10 must be True or False"),
    ({"data_home": 3}, TypeError, "data_home must be a str or path-like"),
])
def test_arguments_are_checked_before_any_download(served, tmp_path, kwargs, error, message):
    # subset='valid' was refused only after downloading 170 MB
    server, md5, _ = served
    arguments = {"data_home": tmp_path / "home", "url": server.url, "md5": md5,
                 "progress": False, **kwargs}
    with pytest.raises(error, match=message):
        fetch_cifar10(**arguments)
    assert server.requests == 0
    assert not (tmp_path / "home").exists()


def test_a_file_as_data_home_is_refused_before_download(served, tmp_path):
    server, md5, _ = served
    (tmp_path / "home").write_text("not a folder")
    with pytest.raises(NotADirectoryError, match=r"data_home .*home is a file"):
        fetch_cifar10(tmp_path / "home", url=server.url, md5=md5, progress=False)
    assert server.requests == 0


# ------------------------------------------------------------------ issue 7, row 9
def leftovers(home):
    return [p.name for p in (home / "cifar10").iterdir()
            if p.name.startswith((".stale-", ".extract-", ".install"))]


def test_a_stale_extracted_folder_is_replaced(served, tmp_path):
    # a crash half-way left cifar-10-batches-py without batches.meta: every
    # later call failed with "OSError: Directory not empty"
    server, md5, batches = served
    home = tmp_path / "home"
    stale = home / "cifar10" / "cifar-10-batches-py"
    stale.mkdir(parents=True)
    (stale / "data_batch_1").write_bytes(b"half")
    X, y, _ = fetch_cifar10(home, url=server.url, md5=md5, progress=False)
    np.testing.assert_array_equal(X[:4], batches["data_batch_1"][0])
    assert (stale / "batches.meta").is_file() and leftovers(home) == []


def test_a_complete_copy_missing_one_batch_is_replaced(served, tmp_path):
    server, md5, _ = served
    home = tmp_path / "home"
    fetch_cifar10(home, url=server.url, md5=md5, progress=False)
    (home / "cifar10" / "cifar-10-batches-py" / "data_batch_4").unlink()
    X, _, _ = fetch_cifar10(home, url=server.url, md5=md5, progress=False)
    assert X.shape[0] == 20 and server.requests == 1          # the cached archive is reused


@pytest.mark.parametrize("stale", [False, True])
def test_concurrent_first_calls_all_succeed(served, tmp_path, monkeypatch, stale):
    import features.cifar10 as cifar10_module
    server, md5, batches = served
    home = tmp_path / "home"
    if stale:
        (home / "cifar10" / "cifar-10-batches-py").mkdir(parents=True)
        (home / "cifar10" / "cifar-10-batches-py" / "test_batch").write_bytes(b"half")
    # Hold every caller after its extraction until all have extracted, so
    # that they reach the final rename together (the race of two processes).
    callers = 3
    barrier = threading.Barrier(callers)
    extract = cifar10_module.safe_extract

    def extract_then_wait(archive, destination):
        extract(archive, destination)
        barrier.wait(timeout=30)

    monkeypatch.setattr(cifar10_module, "safe_extract", extract_then_wait)
    results, errors = [], []

    def call():
        try:
            results.append(fetch_cifar10(home, url=server.url, md5=md5, progress=False))
        except Exception as exc:     # collected: an error in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(results) == callers
    for X, _, _ in results:
        np.testing.assert_array_equal(X[:4], batches["data_batch_1"][0])
    assert leftovers(home) == []


def test_a_lock_left_by_a_dead_process_is_broken(served, tmp_path):
    import os
    server, md5, _ = served
    home = tmp_path / "home"
    lock = home / "cifar10" / ".install.lock"
    lock.mkdir(parents=True)
    os.utime(lock, (0, 0))                      # held since 1970: its owner is gone
    X, _, _ = fetch_cifar10(home, url=server.url, md5=md5, progress=False)
    assert X.shape[0] == 20 and not lock.exists()


def test_a_corrupt_cached_batch_says_what_to_delete(served, tmp_path):
    server, md5, _ = served
    home = tmp_path / "home"
    fetch_cifar10(home, url=server.url, md5=md5, progress=False)
    (home / "cifar10" / "cifar-10-batches-py" / "data_batch_2").write_bytes(b"\x80\x04junk")
    with pytest.raises(ValueError, match=r"Cannot read .*data_batch_2 .* Delete "
                                         r".*cifar-10-batches-py to download and extract"):
        fetch_cifar10(home, url=server.url, md5=md5, progress=False)


def test_progress_false_draws_no_bar(served, tmp_path, capsys):
    server, md5, _ = served
    fetch_cifar10(tmp_path / "home", url=server.url, md5=md5, progress=False)
    assert "100%" not in capsys.readouterr().err


def test_folders_left_by_crashed_calls_are_removed_after_an_hour(served, tmp_path):
    import os
    server, md5, _ = served
    cache = tmp_path / "home" / "cifar10"
    for name in (".extract-dead", ".stale-dead", ".extract-live"):
        (cache / name / "cifar-10-batches-py").mkdir(parents=True)
    for name in (".extract-dead", ".stale-dead"):
        os.utime(cache / name, (0, 0))
    fetch_cifar10(tmp_path / "home", url=server.url, md5=md5, progress=False)
    assert leftovers(tmp_path / "home") == [".extract-live"]      # a live call's is kept
