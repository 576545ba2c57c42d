"""Speed of the numpy reference max pooling (solutions/maxpool.py) against torch.

Run from the project root:

    python benchmarks/maxpool_speed.py [--repeats N] [--warmup N] [--seed S]

Prints the configuration and a table of median times. Targets (forward only):
reference/torch <= 1.0 for kernel 2 stride 2 and <= 1.5 for kernel 3 stride 2
padding 1. Backward rows are for information. This is a measurement, not a
test: the exit code is always 0.
"""
import os

# Single-threaded everywhere: set before numpy/torch are imported. (numpy's
# element-wise ufuncs are single-threaded anyway; this pins any BLAS pool.)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

SHAPE = (32, 64, 56, 56)
CONFIGS = (  # (label, kernel, stride, padding, forward target ratio)
    ("k2 s2 p0", 2, 2, 0, 1.0),
    ("k3 s2 p1", 3, 2, 1, 1.5),
)


def _time_once(fn):
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _median(values):
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else 0.5 * (v[n // 2 - 1] + v[n // 2])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=11,
                    help="timed runs per measurement (default 11); the median is shown")
    ap.add_argument("--warmup", type=int, default=2,
                    help="untimed runs per measurement before timing (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--torch-threads", type=int, default=1,
                    help="torch intra-op threads (default 1, like single-threaded numpy)")
    args = ap.parse_args(argv)
    repeats = max(1, args.repeats)

    import numpy as np
    import torch
    import torch.nn.functional as F
    from solutions import maxpool as ref

    torch.set_num_threads(max(1, args.torch_threads))
    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal(SHAPE, dtype=np.float32)
    xt = torch.from_numpy(x)                 # shares memory with x, no copy

    print("max pooling speed: numpy reference vs torch (CPU)")
    print(f"  reference  : {ref.__file__}")
    print(f"  input      : x shape {SHAPE}, float32, standard normal (seed {args.seed}), "
          f"{x.nbytes / 2**20:.1f} MiB, C-contiguous NCHW")
    print("  configs    : " + "; ".join(f"kernel {k} stride {s} padding {p}"
                                         for _, k, s, p, _ in CONFIGS))
    print(f"  versions   : python {platform.python_version()}, numpy {np.__version__}, "
          f"torch {torch.__version__}")
    print(f"  threads    : one process; torch.set_num_threads({max(1, args.torch_threads)}) "
          f"(torch reports {torch.get_num_threads()}); numpy single-threaded "
          f"(OMP/OPENBLAS/MKL_NUM_THREADS=1); machine has {os.cpu_count()} CPUs")
    print(f"  timing     : time.perf_counter, {args.warmup} warm-up + {repeats} timed runs "
          f"each, runs of all rows and both sides interleaved, median reported")
    print("  torch fwd  : torch.nn.functional.max_pool2d(x, k, s, p), no autograd")
    print("  torch bwd  : torch.ops.aten.max_pool2d_with_indices_backward(g, x, k, s, p, "
          "dilation 1, ceil_mode False, indices),")
    print("               i.e. exactly what autograd runs; the indices come from a forward done")
    print("               beforehand and not timed. The reference backward finds the argmax")
    print("               itself (from x), so the 'fwd+bwd' rows (torch forward with indices +")
    print("               backward, vs reference forward + backward) are the like-for-like pair.")
    print()

    # Build the timed callables: rows[label] = (reference_fn, torch_fn, target)
    rows = []
    for label, k, s, p, target in CONFIGS:
        out_np = ref.max_pool2d(x, k, s, p)
        g = rng.standard_normal(out_np.shape, dtype=np.float32)
        gt = torch.from_numpy(g)
        out_t, idx_t = F.max_pool2d(xt, k, s, p, return_indices=True)

        # Sanity: the reference computes the same values on this very input.
        same_fwd = np.array_equal(out_np, out_t.numpy())
        dx_t = torch.ops.aten.max_pool2d_with_indices_backward(
            gt, xt, [k, k], [s, s], [p, p], [1, 1], False, idx_t)
        same_bwd = np.allclose(ref.max_pool2d_backward(g, x, k, s, p), dx_t.numpy(),
                               rtol=1e-6, atol=1e-6)
        print(f"  check {label}: forward equal to torch: {same_fwd}, "
              f"backward equal to torch: {same_bwd}")

        def ref_fwd(k=k, s=s, p=p):
            ref.max_pool2d(x, k, s, p)

        def torch_fwd(k=k, s=s, p=p):
            with torch.no_grad():
                F.max_pool2d(xt, k, s, p)

        def ref_bwd(g=g, k=k, s=s, p=p):
            ref.max_pool2d_backward(g, x, k, s, p)

        def torch_bwd(gt=gt, idx_t=idx_t, k=k, s=s, p=p):
            torch.ops.aten.max_pool2d_with_indices_backward(
                gt, xt, [k, k], [s, s], [p, p], [1, 1], False, idx_t)

        def ref_both(g=g, k=k, s=s, p=p):
            ref.max_pool2d(x, k, s, p)
            ref.max_pool2d_backward(g, x, k, s, p)

        def torch_both(gt=gt, k=k, s=s, p=p):
            out, idx = torch.ops.aten.max_pool2d_with_indices(xt, [k, k], [s, s], [p, p])
            torch.ops.aten.max_pool2d_with_indices_backward(
                gt, xt, [k, k], [s, s], [p, p], [1, 1], False, idx)

        rows.append((f"forward  {label}", ref_fwd, torch_fwd, target))
        rows.append((f"backward {label}", ref_bwd, torch_bwd, None))
        rows.append((f"fwd+bwd  {label}", ref_both, torch_both, None))
    print()

    # Warm up every callable, then time with all rows and both sides interleaved
    # (alternating which side goes first), so that slow phases of a noisy
    # machine hit everybody alike.
    for _, fr, ft, _ in rows:
        for _ in range(args.warmup):
            fr()
            ft()
    times = {name: ([], []) for name, _, _, _ in rows}
    for r in range(repeats):
        for name, fr, ft, _ in rows:
            pair = [(0, fr), (1, ft)] if r % 2 == 0 else [(1, ft), (0, fr)]
            for side, fn in pair:
                times[name][side].append(_time_once(fn))

    header = (f"{'row':<20} {'reference ms':>13} {'torch ms':>10} {'ratio ref/torch':>16} "
              f"{'target':>8} {'result':>7}")
    print(header)
    print("-" * len(header))
    for name, _, _, target in rows:
        t_ref = _median(times[name][0])
        t_torch = _median(times[name][1])
        ratio = t_ref / t_torch
        if target is None:
            tgt, res = "-", "-"
        else:
            tgt, res = f"<= {target:g}", ("PASS" if ratio <= target else "MISS")
        print(f"{name:<20} {t_ref * 1e3:13.1f} {t_torch * 1e3:10.1f} {ratio:16.2f} "
              f"{tgt:>8} {res:>7}")
    print()
    print("ratio = median reference time / median torch time; lower is better.")
    print(f"min-max spread over {repeats} runs, reference | torch (ms):")
    for name, _, _, _ in rows:
        a, b = times[name]
        print(f"  {name:<20} {min(a) * 1e3:8.1f}-{max(a) * 1e3:<8.1f} | "
              f"{min(b) * 1e3:8.1f}-{max(b) * 1e3:.1f}")


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        pass
    except BaseException:       # it is a report, not a test: never fail the caller
        traceback.print_exc()
    sys.exit(0)
