"""Exact Hamming search and retrieval metrics for binary hash codes.

Codes are numpy arrays: packed ``uint8`` of shape ``(N, bits/8)`` in
``numpy.packbits`` order, or sign matrices ``(N, bits)`` of bools, +-1 integers
or floats (bit 1 where the value is > 0). Labels are integer class ids
``(N,)`` or a multi-label 0/1 matrix ``(N, C)`` (bool, int or float one-hot).
Errors raise :class:`DeephashError` with the ``deephash`` CLI's one-line message.
"""

from os import PathLike
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

IndexKind = Literal["auto", "scan", "mih"]
Path = Union[str, "PathLike[str]"]
Ids = npt.NDArray[np.int64]
Distances = npt.NDArray[np.int32]

class DeephashError(ValueError):
    """A bad argument or file; the message is the CLI's one-line message."""

def search(
    db: npt.ArrayLike,
    queries: npt.ArrayLike,
    k: int,
    *,
    threads: Optional[int] = None,
    index: IndexKind = "auto",
) -> Tuple[Ids, Distances]:
    """The k nearest codes of ``db`` for every query: ``(ids, distances)``,
    int64 and int32 of shape ``(queries, k)``, nearest first, ties by the lower
    id. ``index="auto"`` picks multi-index hashing for >= 1,000,000 codes of
    <= 128 bits, else the SIMD scan; both are exact. Releases the GIL."""

def evaluate(
    query_codes: npt.ArrayLike,
    query_labels: npt.ArrayLike,
    db_codes: npt.ArrayLike,
    db_labels: npt.ArrayLike,
    *,
    topk: Optional[int] = None,
    radius: int = 2,
    threads: Optional[int] = None,
) -> Dict[str, Any]:
    """Every metric of ``deephash eval --json`` as a dict with its keys: map,
    map_tie_aware, map_at_k (with topk), precision_at_k, precision_radius,
    recall_radius, pr_curve, precision_at_k_curve, distance_histogram, ...
    ``threads``: worker threads (default all cores); the result does not
    depend on it. Releases the GIL."""

def pack(signs: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """Sign matrix ``(N, bits)`` -> codes ``(N, bits/8)`` uint8 (bit 1 where > 0)."""

def unpack(codes: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """Codes ``(N, bits/8)`` -> bits ``(N, bits)`` as 0/1 uint8
    (``numpy.unpackbits(codes, axis=1)``)."""

class Index:
    """An exact Hamming index (SIMD scan or multi-index hashing) over codes."""

    def __init__(
        self,
        codes: npt.ArrayLike,
        *,
        index: IndexKind = "auto",
        ids: Optional[Sequence[str]] = None,
        labels: Optional[npt.ArrayLike] = None,
    ) -> None: ...
    @staticmethod
    def build(
        codes: npt.ArrayLike,
        *,
        index: IndexKind = "auto",
        ids: Optional[Sequence[str]] = None,
        labels: Optional[npt.ArrayLike] = None,
    ) -> "Index":
        """Builds an index over codes (the same as the constructor)."""
    @staticmethod
    def load(path: Path, *, index: IndexKind = "auto") -> "Index":
        """Reads an index file, a code database (.dhc) or a codes .npy, as
        ``deephash search --db`` does."""
    def save(self, path: Path) -> None:
        """Writes an index file (``deephash index build``'s format), atomically."""
    def search(
        self, queries: npt.ArrayLike, k: int, *, threads: Optional[int] = None
    ) -> Tuple[Ids, Distances]:
        """As :func:`search`, on this index."""
    def radius_search(
        self, queries: npt.ArrayLike, radius: int, *, threads: Optional[int] = None
    ) -> List[Tuple[Ids, Distances]]:
        """Per query, every code within ``radius`` (inclusive): (ids, distances)."""
    @property
    def kind(self) -> Literal["scan", "mih"]: ...
    @property
    def bits(self) -> int: ...
    @property
    def codes(self) -> npt.NDArray[np.uint8]:
        """Read-only view of the codes (no copy)."""
    @property
    def ids(self) -> Optional[List[str]]: ...
    @property
    def labels(self) -> Optional[np.ndarray]: ...
    def __len__(self) -> int: ...

class CodeDB:
    """A code database (.dhc): codes, optional ids and labels."""

    def __init__(
        self,
        codes: npt.ArrayLike,
        *,
        ids: Optional[Sequence[str]] = None,
        labels: Optional[npt.ArrayLike] = None,
    ) -> None: ...
    @staticmethod
    def open(path: Path) -> "CodeDB":
        """Reads and validates a .dhc file."""
    def save(self, path: Path) -> None:
        """Writes the database atomically."""
    @property
    def codes(self) -> npt.NDArray[np.uint8]:
        """Read-only view of the codes (no copy)."""
    @property
    def ids(self) -> Optional[List[str]]: ...
    @property
    def labels(self) -> Optional[np.ndarray]: ...
    @property
    def bits(self) -> int: ...
    def __len__(self) -> int: ...
