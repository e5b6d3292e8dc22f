"""Samplers: which dataset indices a DataLoader visits, and in what order.

``RandomSampler`` without a generator draws a fresh seed from the global generator each time
it is iterated (one ``random64``) and takes ``randperm(n)`` from a private generator seeded
with it: the same draws torch makes, so shuffled epochs match torch under ``manual_seed``.

``RandomSampler`` and ``SequentialSampler`` also produce their indices as a stream of int64
arrays (``_index_chunks``), which ``BatchSampler`` and the DataLoader cut into batches without
handling each index in Python.  Every array is made exactly when iterating index by index would
first need one of its indices, so draws from a shared generator happen at the same moments.
"""
import itertools

import numpy as np

from ... import _generator as _engine, randperm
from ...random import _gen

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "BatchSampler"]


class Sampler:
    """Base class: iterate over indices (``__iter__``), optionally with ``__len__``."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)

    def _index_chunks(self):
        n = len(self.data_source)
        return (np.arange(start, min(n, start + _CHUNK)) for start in range(0, n, _CHUNK))


_CHUNK = 1 << 16     # indices per array of a SequentialSampler's stream
_INT63 = (1 << 63) - 1


def _new_seed(generator=None):
    """``int(torch.empty((), dtype=torch.int64).random_(generator=generator))``.

    An int64 ``random_()`` is one ``random64`` masked to 63 bits.
    """
    return _gen(generator).random64() & _INT63


class RandomSampler(Sampler):
    """A random permutation of the indices (or ``num_samples`` draws with replacement)."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError("replacement should be a boolean value, but got "
                            f"replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError("num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        for chunk in self._index_chunks():
            yield from chunk.tolist()

    def _index_chunks(self):
        """torch's draws: ``randint(high=n, size=(32,))`` at a time with replacement, else one
        ``randperm(n)`` per pass over the data and a last one cut to ``num_samples % n``."""
        n = len(self.data_source)
        private = self.generator is None
        generator = _engine.Generator(_new_seed()) if private else _gen(self.generator)
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield _engine.randint(0, n, (32,), generator=generator)
            yield _engine.randint(0, n, (self.num_samples % 32,), generator=generator)
        else:
            for _ in range(self.num_samples // n):
                yield _engine.randperm(n, generator=generator)
            rest = self.num_samples % n
            # When n divides num_samples torch still draws a last permutation and keeps none of
            # it; from a private generator that draw cannot be seen.
            if rest or not private:
                yield _engine.randperm(n, generator=generator)[:rest]

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        kwargs = {} if self.generator is None else {"generator": self.generator}
        for i in randperm(len(self.indices), **kwargs).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size`` (last one shorter unless
    ``drop_last``). A generator: the wrapped sampler starts only at the first ``next()``."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        if _has_index_chunks(self.sampler):
            for batch in self._index_batches():
                yield batch.tolist()
            return
        sampler_iter = iter(self.sampler)
        if self.drop_last:
            for batch in zip(*[sampler_iter] * self.batch_size):
                yield [*batch]
        else:
            batch = [*itertools.islice(sampler_iter, self.batch_size)]
            while batch:
                yield batch
                batch = [*itertools.islice(sampler_iter, self.batch_size)]

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size

    def _index_batches(self):
        """The batches as int64 arrays, cut from the sampler's ``_index_chunks``.

        A chunk is taken only when a batch needs one more index, as ``islice``/``zip`` over the
        sampler's indices would do.
        """
        size = self.batch_size
        parts, have = [], 0          # the start of a batch that runs over into the next chunk
        for chunk in self.sampler._index_chunks():
            start, stop = 0, len(chunk)
            if have:
                parts.append(chunk[:size - have])
                start = len(parts[-1])
                have += start
                if have < size:
                    continue
                yield np.concatenate(parts)
                parts, have = [], 0
            while start + size <= stop:
                yield chunk[start:start + size]
                start += size
            if start < stop:
                parts, have = [chunk[start:]], stop - start
        if have and not self.drop_last:
            yield parts[0] if len(parts) == 1 else np.concatenate(parts)


def _has_index_chunks(sampler):
    """Whether iterating ``sampler`` runs one of the ``__iter__``s above (a subclass may not)."""
    return type(sampler).__iter__ in (RandomSampler.__iter__, SequentialSampler.__iter__)
