"""Check, part and grade results: typed on the trusted side, JSON across processes and in notebooks."""
from autograder.harness.results import NOT_WRITTEN, CheckResult, GradeResult, PartResult


def graded():
    checks = [CheckResult("test_a", "a works", weight=2.0),
              CheckResult("test_b", "b leaves its input", weight=0.5, needs=["test_a"]),
              CheckResult("test_c", "c works")]
    checks[2].fail(NOT_WRITTEN)
    return GradeResult("maxpool", {"p": PartResult("p", 5, checks), "q": PartResult("q", 1, error="broke")},
                       sandboxed=True, isolation="bubblewrap")


def test_a_grade_result_reads_back_from_its_json_unchanged():
    result = graded()
    again = GradeResult.from_json(result.to_json())
    assert again == result and again.to_json() == result.to_json()
    assert again.points == result.points == 3.57 and again.max_points == 6      # 5 x 2.5 / 3.5, floored to the cent


def test_a_check_that_was_not_written_is_not_attempted_and_one_that_failed_is():
    not_written, failed = CheckResult("test_a", "a"), CheckResult("test_b", "b")
    not_written.fail(NOT_WRITTEN)
    failed.fail("wrong shape")
    assert not not_written.attempted and failed.attempted and not failed.passed


def test_checks_recorded_before_weights_and_attempted_existed_still_read():
    # what notebooks graded by older versions of the kit hold: a "part" key, no weight, needs or attempted
    old = {"part": "p", "check": "test_a", "title": "a", "passed": False, "message": NOT_WRITTEN}
    check = CheckResult.from_json(old)
    assert check.weight == 1.0 and check.needs == [] and not check.attempted
    assert CheckResult.from_json({**old, "message": "wrong"}).attempted
