"""Coverage-guided fuzzing with atheris: ``python tests/fuzz_atheris.py TARGET CORPUS_DIR -runs=N``.

TARGET is ``image``, ``jsonl`` or ``csv`` (see ``tests/_fuzz_targets.py``); CORPUS_DIR seeds the
fuzzer (``tests/test_fuzz.py`` writes the hostile corpus there) and collects new inputs. Any
other argument goes to libFuzzer.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

with atheris.instrument_imports():
    from tests._fuzz_targets import TARGETS


def main() -> None:
    target = TARGETS[sys.argv.pop(1)]
    atheris.Setup(sys.argv, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
