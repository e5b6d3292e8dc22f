"""compare: run the same programs on minigrad and on PyTorch, and check they agree.

    python -m compare                     # the program suite on every backend
    python -m compare run SCRIPT.py       # an unmodified PyTorch script, under torch and minigrad
    python -m compare fuzz --seed 0       # random expression graphs, values and gradients
"""
