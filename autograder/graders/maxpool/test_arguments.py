"""Hidden checks for argument validation (part: arguments).

Bad arguments must raise ValueError (the wording is not graded). Every check also
makes sure that valid arguments right next to the invalid ones are accepted, so an
answer that rejects everything scores nothing here.
"""
import numpy as np

from autograder.graders.maxpool._cases import output_shape
from autograder.harness.checks import CheckFailed, expect
from autograder.harness.student import StudentError

FORWARD = ("max_pool2d", "avg_pool2d")
BACKWARD = ("max_pool2d_backward", "avg_pool2d_backward")


# -- helpers -------------------------------------------------------------------

def describe(func, args, kwargs):
    """The call as the student would write it, arrays shown by their shapes."""
    names = ("dout", "x", "kernel_size") if func in BACKWARD else ("x", "kernel_size")
    shown = []
    for name, value in zip(names, args):
        if isinstance(value, np.ndarray):
            shown.append(f"{name} of shape {value.shape}")
        else:
            shown.append(f"{name}={value!r}")
    shown += [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{func}({', '.join(shown)})"


def expect_accepts(student, func, *args, **kwargs):
    """Valid arguments: the call must return an array of the right shape."""
    what = describe(func, args, kwargs)
    try:
        out = student.call(func, *args, **kwargs)
    except ValueError as exc:
        raise CheckFailed(f"{what} raised ValueError ({exc}), but these arguments are valid") from None
    x = args[1] if func in BACKWARD else args[0]
    expected = x.shape if func in BACKWARD else output_shape(x.shape, *args[1:], **kwargs)
    expect(isinstance(out, np.ndarray), f"{what}: expected a numpy array, got {type(out).__name__}")
    expect(out.shape == expected, f"{what}: output shape {out.shape}, expected {expected}")


def expect_value_error(student, func, problem, *args, **kwargs):
    """Invalid arguments: the call must raise ValueError."""
    what = describe(func, args, kwargs)
    try:
        student.call(func, *args, **kwargs)
    except StudentError:
        raise                                  # timeouts and crashes: the harness reports them
    except ValueError:
        return
    except Exception as exc:  # noqa: BLE001 - any other exception the student's code raised
        kind = getattr(exc, "student_type", type(exc).__name__)
        raise CheckFailed(f"{what} should raise ValueError ({problem}), "
                          f"but it raised {kind}: {exc}") from None
    raise CheckFailed(f"{what} should raise ValueError ({problem}), but it returned a result")


def data(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# -- checks ----------------------------------------------------------------------

def test_rejects_input_that_is_not_4d(student):
    """max_pool2d and avg_pool2d raise ValueError when x is not 4-D (N, C, H, W)"""
    for func in FORWARD:
        expect_accepts(student, func, data((1, 1, 4, 4)), 2, stride=2)
        for shape in [(1, 4, 4), (4, 4), (1, 1, 1, 4, 4), (2, 3, 2, 4, 4)]:
            expect_value_error(student, func, "x must be 4-D", data(shape), 2, stride=2)


def test_rejects_non_positive_kernel_size(student):
    """max_pool2d and avg_pool2d raise ValueError for a kernel_size of 0 or below"""
    x = data((1, 2, 5, 6))
    for func in FORWARD:
        expect_accepts(student, func, x, 1)
        expect_accepts(student, func, x, (1, 3), stride=1)
        for k in [0, -1, (2, 0), (0, 2), (-2, 2)]:
            expect_value_error(student, func, "kernel_size must be positive", x, k, stride=1)
        expect_value_error(student, func, "kernel_size must be positive", x, 0)


def test_rejects_non_positive_stride(student):
    """max_pool2d and avg_pool2d raise ValueError for a stride of 0 or below"""
    x = data((1, 2, 5, 6))
    for func in FORWARD:
        expect_accepts(student, func, x, 2, stride=1)
        expect_accepts(student, func, x, 2, stride=(1, 3))
        for s in [0, -1, (1, 0), (0, 2), (-1, -1)]:
            expect_value_error(student, func, "stride must be positive", x, 2, stride=s)


def test_rejects_negative_padding(student):
    """max_pool2d and avg_pool2d raise ValueError for negative padding"""
    x = data((1, 2, 6, 6))
    for func in FORWARD:
        expect_accepts(student, func, x, 3, stride=1, padding=0)
        expect_accepts(student, func, x, 3, stride=1, padding=(0, 1))
        for p in [-1, (0, -1), (-1, 0), (-2, -2)]:
            expect_value_error(student, func, "padding must not be negative", x, 3, stride=1, padding=p)


def test_rejects_padding_over_half_the_kernel(student):
    """max_pool2d and avg_pool2d raise ValueError when padding exceeds half the kernel (p > k // 2), per dimension"""
    x = data((1, 2, 6, 7))
    valid = [(2, 1), (3, 1), (5, 2), ((4, 2), (2, 1)), ((1, 4), (0, 2))]
    invalid = [(2, 2), (3, 2), (1, 1), (4, 3), ((4, 2), (1, 2)), ((4, 2), (3, 0)), ((2, 5), (0, 3))]
    for func in FORWARD:
        for k, p in valid:
            expect_accepts(student, func, x, k, stride=1, padding=p)
        for k, p in invalid:
            expect_value_error(student, func, "padding is more than half the kernel size",
                               x, k, stride=1, padding=p)


def test_rejects_kernel_larger_than_padded_input(student):
    """max_pool2d and avg_pool2d raise ValueError when the kernel does not fit in the padded input"""
    x = data((2, 1, 3, 5))
    valid = [(3, 0), ((3, 5), 0), ((5, 7), 1), ((5, 3), (1, 0))]
    invalid = [(4, 0), ((2, 6), 0), ((6, 2), (1, 0)), ((3, 8), (0, 1)), ((6, 8), 1)]
    for func in FORWARD:
        for k, p in valid:
            expect_accepts(student, func, x, k, stride=1, padding=p)
        for k, p in invalid:
            expect_value_error(student, func, "the kernel is larger than the padded input",
                               x, k, stride=1, padding=p)
        expect_value_error(student, func, "the kernel is larger than the input", x, 4)



def test_rejects_malformed_sizes(student):
    """max_pool2d and avg_pool2d raise ValueError when kernel_size, stride or padding is not an int or an (h, w) pair of ints"""
    x = data((1, 2, 6, 6))
    for func in FORWARD:
        expect_accepts(student, func, x, (2, 3), stride=(1, 2), padding=(1, 0))
        problem = "sizes must be an int or an (h, w) pair of ints"
        for k in [(2, 2, 2), (2,), 2.5, (2, 2.0)]:
            expect_value_error(student, func, problem, x, k, stride=1)
        for s in [(1, 1, 1), (1,), 1.5]:
            expect_value_error(student, func, problem, x, 2, stride=s)
        for p in [(1, 1, 1), (1,), 0.5]:
            expect_value_error(student, func, problem, x, 3, stride=1, padding=p)

def test_backward_validates_arguments(student):
    """max_pool2d_backward and avg_pool2d_backward raise ValueError for bad arguments, including a dout of the wrong shape"""
    x = data((2, 3, 6, 6))
    dout = data((2, 3, 3, 3), seed=1)                       # output of kernel 3, stride 2, padding 1
    for func in BACKWARD:
        expect_accepts(student, func, dout, x, 3, stride=2, padding=1)
        expect_value_error(student, func, "dout must have the shape of the forward output",
                           data((2, 3, 2, 2)), x, 3, stride=2, padding=1)
        expect_value_error(student, func, "dout must have the shape of the forward output",
                           data((2, 1, 3, 3)), x, 3, stride=2, padding=1)
        expect_value_error(student, func, "dout must have the shape of the forward output",
                           data((3, 3)), x, 3, stride=2, padding=1)
        expect_value_error(student, func, "x must be 4-D", dout, data((3, 6, 6)), 3, stride=2, padding=1)
        expect_value_error(student, func, "kernel_size must be positive", dout, x, 0, stride=2, padding=0)
        expect_value_error(student, func, "stride must be positive", dout, x, 3, stride=0, padding=1)
        expect_value_error(student, func, "padding is more than half the kernel size",
                           dout, x, 3, stride=2, padding=2)
