"""fetch_cifar10 against a local HTTP server on 127.0.0.1 (no internet needed)."""

import hashlib
import http.server
import io
import tarfile
import threading

import numpy as np
import pytest

from features import fetch_cifar10

from test_io import write_cifar_python


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
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
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
