"""The instructor's reports, from check results alone (no course graded: tests/test_class_grading.py does that)."""
from autograder import late, reports
from autograder.course import Course
from autograder.harness.results import NOT_WRITTEN, CheckResult


def check(title, message=None):
    result = CheckResult(title.replace(" ", "_"), title)
    if message is not None:
        result.fail(message)
    return result


RESULTS = {("ada", "maxpool"): {"pool": [check("pad with -inf"), check("first maximum")]},
           ("bob", "maxpool"): {"pool": [check("pad with -inf", NOT_WRITTEN), check("first maximum", NOT_WRITTEN)]},
           ("cy", "maxpool"): {"pool": [check("pad with -inf", "padded with 0 <script>"), check("first maximum")]}}


def test_the_check_table_counts_failures_apart_from_checks_not_attempted():
    table = reports.check_table(RESULTS)
    assert [(t.check, t.failed, t.not_attempted, t.graded) for t in table] == [
        ("pad with -inf", 2, 1, 3), ("first maximum", 1, 1, 3)]
    assert table[0].most_common_message == "padded with 0 <script>" and table[1].most_common_message == ""


def test_a_students_page_shows_score_lateness_and_failed_checks_escaped(tmp_path):
    course = Course(tmp_path).create()
    page = reports._student_page(course, "cy", [("maxpool", {}, 7.5, 10.0)], RESULTS,
                                 {("cy", "maxpool"): (1.5 * late.SECONDS_PER_DAY, 1.0)})
    assert "maxpool: 6.5 / 10 &mdash; submitted 1.5 days late, penalty 1 points" in page
    assert "padded with 0 &lt;script&gt;" in page and "<script>" not in page
    assert 'href="../../feedback/cy/maxpool/maxpool.html"' in page
    assert "every check passed" in reports._student_page(course, "ada", [("maxpool", {}, 10.0, 10.0)], RESULTS, {})
