"""Build the engine's compiled kernels (sim/engine/kernels.c) when hubspoke is installed.

A plain C shared library, loaded through ctypes (sim/engine/native.py): it uses no
Python API, so one build serves every Python version. Without a C compiler the
install still succeeds and the engine runs its numpy path, which gives the same
results to the last bit, only slower (docs/performance.md).

    python hatch_build.py      # rebuild in place, e.g. after editing kernels.c
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script, outside a build
    BuildHookInterface = object

SOURCE = Path("sim") / "engine" / "kernels.c"
# ".so.0", not ".so": a file ending in an extension module's suffix is taken for a Python
# module by pkgutil and importlib (sim/engine/native.py)
LIBRARY = Path("sim") / "engine" / ("_kernels.dll" if sys.platform == "win32" else "_kernels.so.0")
# no fused multiply-add: the C must round as numpy does (see kernels.c). Vectorised loops
# (-ftree-vectorize: graph_rows' sort of a row by rank, 8.0 -> 5.7 ms at 50,000 people)
# round alike: without -ffast-math no sum is reordered
FLAGS = ["-O2", "-ftree-vectorize", "-shared", "-fPIC", "-fvisibility=hidden", "-ffp-contract=off"]


def source_hash(source: Path) -> str:
    """What the library records of its source: the loader refuses a library built from another."""
    return hashlib.sha256(source.read_bytes()).hexdigest()[:16]


def compile_kernels(root: Path) -> str | None:
    """Compile the kernels into the package; the reason on failure, None on success."""
    source, library = root / SOURCE, root / LIBRARY
    compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    partial = library.with_suffix(".partial")
    command = [
        *compiler,
        *FLAGS,
        f'-DHUBSPOKE_KERNELS_SOURCE="{source_hash(source)}"',
        "-o",
        str(partial),
        str(source),
        "-lm",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as error:
        return f"no C compiler ({compiler[0]}: {error.strerror})"
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        return f"{' '.join(command)} failed: {done.stderr.strip()[:500]}"
    partial.replace(library)  # whole or not at all
    # the library's name before: in a tree built then, it would pass for a broken module
    (root / "sim" / "engine" / "_kernels.so").unlink(missing_ok=True)
    return None


class KernelsBuildHook(BuildHookInterface):
    """Compile the kernels before a wheel (or an editable install) is built."""

    def initialize(self, version: str, build_data: dict) -> None:
        reason = compile_kernels(Path(self.root))
        if reason is not None:
            print(
                f"hubspoke: compiled kernels not built, the engine uses its numpy path: {reason}",
                file=sys.stderr,
            )
            return
        if self.target_name == "wheel" and version != "editable":
            build_data["artifacts"].append(str(LIBRARY))
            build_data["pure_python"] = False
            build_data["infer_tag"] = True


if __name__ == "__main__":
    failure = compile_kernels(Path(__file__).resolve().parent)
    print(failure or f"built {LIBRARY}")
    sys.exit(1 if failure else 0)
