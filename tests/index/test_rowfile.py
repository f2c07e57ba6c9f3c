"""npyfiles.RowFile: rows of a .npy read with pread, equal to the array's own indexing."""

from __future__ import annotations

import numpy as np
import pytest

from corpusqa.index.npyfiles import RowFile


@pytest.mark.parametrize("shape,dtype", [((50, 8), np.float32), ((37,), np.int64), ((0, 4), np.float32)])
def test_reads_equal_numpy_indexing(tmp_path, shape, dtype):
    a = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    np.save(tmp_path / "a.npy", a)
    f = RowFile(tmp_path / "a.npy")
    assert f.shape == a.shape and f.dtype == a.dtype and len(f) == len(a) and f.size == a.size
    assert np.array_equal(np.asarray(f), a)
    if not len(a):
        assert f[np.zeros(0, dtype=np.int64)].shape == (0, *shape[1:])
        return
    for key in (0, len(a) - 1, -1, slice(3, 9), slice(5, 5), slice(None), slice(-4, None)):
        assert np.array_equal(f[key], a[key]), key
    for rows in ([7, 3, 3, 4, 5, 0], [len(a) - 1], np.array([-1, 2]), []):
        assert np.array_equal(f[np.asarray(rows, dtype=np.int64)], a[np.asarray(rows, dtype=np.int64)]), rows
    with pytest.raises(IndexError):
        f[len(a)]
    with pytest.raises(IndexError):
        f[np.array([len(a)])]


def test_a_truncated_file_is_refused(tmp_path):
    np.save(tmp_path / "a.npy", np.ones((10, 4), np.float32))
    data = (tmp_path / "a.npy").read_bytes()
    (tmp_path / "a.npy").write_bytes(data[:-8])
    with pytest.raises(ValueError, match="bytes"):
        RowFile(tmp_path / "a.npy")
