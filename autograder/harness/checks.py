"""Assertions for hidden graders whose messages help without giving answers away.

A failed check's message is shown to the student verbatim, so messages describe
the case (shapes, arguments) and the kind of mismatch, never expected values.
Graders use these instead of bare `assert`.
"""
import numpy as np


class CheckFailed(AssertionError):
    """A check that failed; its message is meant for the student."""


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def expect_array(actual, expected, *, what, rtol=1e-5, atol=1e-6, check_dtype=True):
    from .codec import Opaque
    if not isinstance(actual, np.ndarray):
        got = actual.type_name if isinstance(actual, Opaque) else type(actual).__name__
        raise CheckFailed(f"{what}: expected a numpy array, got {got}")
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        raise CheckFailed(f"{what}: output shape {actual.shape}, expected {expected.shape}")
    if check_dtype and actual.dtype != expected.dtype:
        raise CheckFailed(f"{what}: output dtype {actual.dtype}, expected {expected.dtype} "
                          "(keep the input's dtype)")
    if actual.dtype.kind not in "biuf":
        raise CheckFailed(f"{what}: expected real numbers, got dtype {actual.dtype}")
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=False)
        # infinities must match exactly; NaN never matches a number
        close |= (a == e)
    bad = ~close
    if bad.any():
        finite = np.isfinite(a) & np.isfinite(e) & bad
        largest = f", largest difference {np.abs(a - e)[finite].max():.3g}" if finite.any() else ""
        nan_note = " (your output has NaN or inf where a number was expected)" if (
            bad & ~np.isfinite(a)).any() else ""
        raise CheckFailed(f"{what}: values differ at {int(bad.sum())} of {bad.size} "
                          f"positions{largest}{nan_note}")
