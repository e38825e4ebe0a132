"""Writing ``.npz`` files that are the same bytes for the same arrays.

``numpy.savez_compressed`` stamps each member with the current time; the model
files are committed and must come out identical when trained again.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    """A compressed ``.npz`` readable by ``numpy.load``, with fixed member dates."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)
