"""Test configuration shared by every test file.

Under CI (``CI=true``) hypothesis runs derandomized: the same examples on every run, so a
result can be reproduced; locally it explores new examples each time.
"""
import importlib.util
import os
import pathlib
import sys

from hypothesis import settings

# the parity plugin (T fixture, parity marker): an installed minigrad loads it by its entry
# point; a checkout installed before the plugin existed finds it at the repository's root
if importlib.util.find_spec("pytest_minigrad") is None:
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
pytest_plugins = ["pytest_minigrad", "pytester"]

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
