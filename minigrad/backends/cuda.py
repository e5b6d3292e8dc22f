"""``torch.backends.cuda``: not built; ``matmul.allow_tf32`` is kept for scripts that set it."""


class _MatmulFlags:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built():
    return False
