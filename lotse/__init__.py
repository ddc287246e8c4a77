"""Lotse: a municipal service directory built from YAML records."""

from pathlib import Path

__version__ = "0.1.0"

# The repository root: schemas/, data/ and benchmarks/ live beside the package.
# Lotse is installed editable into the repo's own virtualenv (see Makefile).
ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schemas"
DEFAULT_DATA = Path("data")
