"""Test configuration shared by every test file.

Under CI (``CI=true``) hypothesis runs derandomized: the same examples on every run, so a
result can be reproduced; locally it explores new examples each time.
"""
import os

from hypothesis import settings

# the parity plugin (T fixture, parity marker); an installed minigrad loads it by its entry point
pytest_plugins = ["minigrad.testing.pytest_plugin", "pytester"]

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
