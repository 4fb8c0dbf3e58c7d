"""scaler.py: ChunkedScaler's scratch files."""

import os

import numpy as np
from _helpers import _dead_pid


def test_a_killed_scaler_s_scaled_copy_is_removed_by_the_next_transform(tmp_path):
    from features import ChunkedScaler
    from features.atomic import _HOST

    dead = _dead_pid()
    orphan = tmp_path / f"scaled-{_HOST}-{dead}-abc_12.npy"
    kept = tmp_path / f"scaled-{_HOST}-{os.getpid()}-abc_12.npy"
    for path in (orphan, kept):
        path.write_bytes(b"x" * 100)
    np.save(tmp_path / "F.npy", np.arange(40, dtype=np.float32).reshape(10, 4))
    F = np.load(tmp_path / "F.npy", mmap_mode="r")
    Z = ChunkedScaler(temp_folder=tmp_path, block_rows=3).fit(F).transform(F)
    np.testing.assert_allclose(Z, (F - F.mean(0)) / F.std(0), rtol=1e-5)
    assert not orphan.exists() and kept.exists()
