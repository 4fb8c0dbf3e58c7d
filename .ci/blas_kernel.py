"""Check that OpenBLAS runs the kernel OPENBLAS_CORETYPE asks for (CI, issue 14).

Usage: python .ci/blas_kernel.py KERNEL [THREADS].  Exits 1 when NumPy's
OpenBLAS reports another kernel (e.g. the CPU lacks the instructions, or the
wheel was built without runtime kernel selection), so a kernel run cannot pass
by testing the default kernel again, or (with THREADS) another thread count.
"""
import os
import sys
from pathlib import Path

#: The instruction set each kernel needs (a flag of /proc/cpuinfo): a kernel
#: the CPU cannot run dies of an illegal instruction (SkylakeX's AVX-512 on
#: an AMD EPYC), so its run is skipped, with exit code 3, before NumPy loads.
NEEDS = {"skylakex": "avx512f", "haswell": "avx2", "sandybridge": "avx", "prescott": "pni"}

wanted = sys.argv[1]
cpuinfo = Path("/proc/cpuinfo")
if cpuinfo.exists():
    flags = {flag for line in cpuinfo.read_text().splitlines() if line.startswith("flags")
             for flag in line.split(":", 1)[1].split()}
    need = NEEDS.get(wanted.lower())
    if need is not None and need not in flags:
        print(f"OPENBLAS_CORETYPE={wanted}: skipped, this CPU lacks {need}")
        sys.exit(3)

import numpy  # noqa: E402, F401  (loads OpenBLAS, which threadpoolctl then inspects)
from threadpoolctl import threadpool_info  # noqa: E402

# OpenBLAS's DYNAMIC_ARCH build names its Prescott (SSE3) kernel set after
# the older core it shares: the name it reports back is 'Katmai'.
ALIASES = {"prescott": {"prescott", "katmai"}}

blas = [lib for lib in threadpool_info() if lib["internal_api"] == "openblas"]
if not blas:
    sys.exit(f"no OpenBLAS found by threadpoolctl: {threadpool_info()}")
got = {str(lib.get("architecture")) for lib in blas}
accepted = ALIASES.get(wanted.lower(), {wanted.lower()})
print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}: OpenBLAS "
      f"{blas[0]['version']} runs the {', '.join(sorted(got))} kernel, "
      f"{blas[0]['num_threads']} thread(s)")
if not {g.lower() for g in got} <= accepted:
    sys.exit(f"asked for the {wanted} kernel, OpenBLAS runs {got}")
if len(sys.argv) > 2 and blas[0]["num_threads"] != int(sys.argv[2]):
    sys.exit(f"asked for {sys.argv[2]} BLAS threads, OpenBLAS runs {blas[0]['num_threads']}")
