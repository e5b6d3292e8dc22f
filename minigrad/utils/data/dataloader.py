"""``DataLoader``: iterate over a dataset in (optionally shuffled) batches.

Each ``iter(loader)`` first draws a base seed from the generator (one ``random64``, as torch's
``_BaseDataLoaderIter`` does even without workers); a shuffling sampler then draws its own seed
at the first ``next()``. Keeping these draws makes shuffled runs reproduce torch's batches.
"""
import numpy as np

from ..._tensor import _make
from .collate import default_collate, default_convert
from .dataset import TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _has_index_chunks, _new_seed

__all__ = ["DataLoader"]


class DataLoader:
    """Batches of ``dataset[i]`` for the indices a sampler yields, merged by ``collate_fn``."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set "
                             "prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.num_workers = num_workers  # batches are always loaded in this process
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.collate_fn = collate_fn or (default_collate if self._auto_collation
                                         else default_convert)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        return len(self._index_sampler)

    def __iter__(self):
        return _DataLoaderIter(self)


class _DataLoaderIter:
    """One pass over the loader (torch's _SingleProcessDataLoaderIter)."""

    def __init__(self, loader):
        self._loader = loader
        index_sampler = loader._index_sampler
        # A plain BatchSampler over a RandomSampler or SequentialSampler gives its batches as
        # int64 arrays (the same indices, drawn at the same moments) that index a TensorDataset
        # directly.
        self._array_batches = (type(index_sampler).__iter__ is BatchSampler.__iter__
                               and _has_index_chunks(index_sampler.sampler))
        self._sampler_iter = (index_sampler._index_batches() if self._array_batches
                              else iter(index_sampler))
        self._base_seed = _new_seed(loader.generator)
        self._num_yielded = 0

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def __next__(self):
        index = next(self._sampler_iter)
        loader = self._loader
        dataset = loader.dataset
        if loader._auto_collation and _batched_fetch(loader):
            self._num_yielded += 1  # same batch as stacking the samples, in one indexing
            if not self._array_batches:
                index = np.asarray(index, dtype=np.intp)
            return [_make(t._data[index]) for t in dataset.tensors]
        if self._array_batches:
            index = index.tolist()
        if loader._auto_collation:
            getitems = getattr(dataset, "__getitems__", None)
            data = getitems(index) if callable(getitems) else [dataset[i] for i in index]
        else:
            data = dataset[index]
        self._num_yielded += 1
        return loader.collate_fn(data)


def _batched_fetch(loader):
    """A plain TensorDataset batched by default_collate: take all the rows at once."""
    dataset = loader.dataset
    return (type(dataset) is TensorDataset and loader.collate_fn is default_collate
            and not any([t._requires_grad for t in dataset.tensors]))
