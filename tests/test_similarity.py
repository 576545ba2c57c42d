"""The similarity report (autograder/similarity.py) on a small class of maxpool notebooks.

ada submits the reference answer; eve copies it, renames every local variable and
helper function and reorders the helpers (real text edits: the result still runs and
gives ada's values); kim and lee each wrote their own correct answer (two of the kit's
alternatives, each put whole into the first answer cell, the other answer cells left
empty); sam submits the untouched release notebook. Only (ada, eve) may be flagged;
the starter code everyone got must not make sam like anyone.
"""
import csv
import io
import logging
import re
import shutil
import tokenize

import nbformat
import numpy as np
import pytest
from traitlets.config import Config

from autograder import notebooks, paths, similarity, variants
from autograder.course import Course

ASSIGNMENT = "maxpool"
ALTERNATIVES = paths.GRADERS / "maxpool" / "alternatives"
KIM_ANSWER = "output_loop_nc_vectorized.py"
LEE_ANSWER = "sliding_window_argmax.py"
PUBLIC = ("max_pool2d", "avg_pool2d", "max_pool2d_backward", "avg_pool2d_backward")

# eve's renames: every helper function, helper parameter and local variable; the graded
# functions and their parameters (x, kernel_size, stride, padding, dout) keep their names
EVE_RENAMES = {
    "_pair": "_two_ints", "_as_float_array": "_floatify", "_pool_geometry": "_geometry_of",
    "_check_dout": "_validated_grad", "_pad": "_padded", "_window": "_strided_slot",
    "value": "arg", "name": "label", "pair": "hw", "v": "item", "a": "arr", "x_shape": "shape4",
    "N": "batch", "C": "chans", "H": "height", "W": "width",
    "kh": "k_rows", "kw": "k_cols", "sh": "s_rows", "sw": "s_cols", "ph": "p_rows", "pw": "p_cols",
    "Ho": "out_rows", "Wo": "out_cols", "out_hw": "out_size", "expected": "want_shape",
    "x_pad": "xp", "out": "result", "view": "slab", "total": "acc", "i": "di", "j": "dj",
    "first_i": "row0", "first_j": "col0", "argmax": "winner", "best": "top", "better": "wins",
    "dx_pad": "grad_pad", "grad_view": "gslab", "share": "portion",
}
EVE_HELPER_ORDER = ("_window", "_pad", "_pair", "_check_dout", "_pool_geometry", "_as_float_array")


# -- the class's notebooks --------------------------------------------------------------------

def release_nb():
    return notebooks.read(paths.RELEASE / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


def reference_nb():
    return variants.filled_notebook(release_nb(), notebooks.read(paths.SOURCE / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"))


def answer_cells(nb):
    return [cell for cell in nb.cells if notebooks.is_answer_cell(cell)]


def rename(code, renames):
    """`code` with each NAME token in `renames` renamed (also inside f-string replacement fields),
    but not attributes (`np.argmax`) nor keyword arguments (`out=`)."""
    tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    line_starts = [0]
    for line in code.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    def offset(position):
        return line_starts[position[0] - 1] + position[1]

    def words(text):
        return re.sub(r"\b[A-Za-z_]\w*\b", lambda m: renames.get(m.group(), m.group()), text)

    edits, depth = [], 0
    for k, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif tok.type == tokenize.NAME and tok.string in renames:
            after = tokens[k + 1]
            if tokens[k - 1].string == "." or (depth and after.type == tokenize.OP and after.string == "="):
                continue
            edits.append((offset(tok.start), offset(tok.end), renames[tok.string]))
        elif tok.type == tokenize.STRING and re.match(r"[rRbB]?[fF]", tok.string):
            new = re.sub(r"\{([^{}]*)\}", lambda m: "{" + words(m.group(1)) + "}", tok.string)
            edits.append((offset(tok.start), offset(tok.end), new))
    for start, end, new in sorted(edits, reverse=True):
        code = code[:start] + new + code[end:]
    return code


def reorder_functions(code, order):
    """The top-level functions of `code` in the order of their names in `order`."""
    chunks = [chunk.strip("\n") for chunk in re.split(r"\n(?=def )", code) if chunk.strip()]
    by_name = {re.match(r"def (\w+)\(", chunk).group(1): chunk for chunk in chunks}
    assert sorted(by_name) == sorted(order), by_name.keys()
    return "\n\n\n".join(by_name[name] for name in order) + "\n"


def eve_nb():
    nb = reference_nb()
    for cell in answer_cells(nb):
        code = cell.source
        if cell.metadata["nbgrader"]["grade_id"] == "helpers":
            code = reorder_functions(code, EVE_HELPER_ORDER)
        cell.source = rename(code, EVE_RENAMES)
    return nb


def alternative_nb(filename):
    """The release notebook with the alternative's module as its first answer cell, the other
    answer cells empty (the alternative holds every function)."""
    nb = release_nb()
    cells = answer_cells(nb)
    cells[0].source = (ALTERNATIVES / filename).read_text()
    for cell in cells[1:]:
        cell.source = ""
    return nb


def submit(course, student, nb):
    path = course / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def answer_namespace(nb):
    """The notebook's answer functions, run as its module would be (setup cells + answer cells)."""
    namespace = {}
    exec(compile(notebooks.answer_module_source(nb, title="t"), "<answer>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    Course(root).create()
    submit(root, "ada", reference_nb())
    submit(root, "eve", eve_nb())
    submit(root, "kim", alternative_nb(KIM_ANSWER))
    submit(root, "lee", alternative_nb(LEE_ANSWER))
    submit(root, "sam", release_nb())
    broken = root / "submitted" / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    broken.parent.mkdir(parents=True)
    broken.write_text("this is not a notebook {")
    return root


@pytest.fixture(scope="module")
def reported(course):
    """(pairs above the threshold, the CSV's rows, the warnings logged) of one report at the defaults."""
    handler = _Collect()
    logger = logging.getLogger(similarity.__name__)
    logger.addHandler(handler)
    try:
        flagged = similarity.report(course, ASSIGNMENT)
    finally:
        logger.removeHandler(handler)
    with open(course / "reports" / "similarity" / f"{ASSIGNMENT}.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return flagged, rows, handler.messages


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def pair_row(rows, a, b):
    found = [r for r in rows if {r["student_a"], r["student_b"]} == {a, b}]
    assert len(found) == 1, f"({a}, {b}) appears {len(found)} times in the CSV"
    return found[0]


# -- the test class is what it claims to be ---------------------------------------------------

def test_eve_is_a_disguised_copy_that_still_works():
    ada, eve = reference_nb(), eve_nb()
    for a_cell, e_cell in zip(answer_cells(ada), answer_cells(eve)):
        compile(e_cell.source, "<eve>", "exec")
        assert a_cell.source != e_cell.source
    eve_text = "\n\n".join(c.source for c in answer_cells(eve))
    assert rename(eve_text, EVE_RENAMES) == eve_text                 # none of the old names is left
    for new in EVE_RENAMES.values():
        assert re.search(rf"\b{new}\b", eve_text), new
    order = [EVE_RENAMES[name] for name in EVE_HELPER_ORDER]
    assert re.findall(r"^def (\w+)", answer_cells(eve)[0].source, re.M) == order

    ref, cop = answer_namespace(ada), answer_namespace(eve)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6))
    for args in ((3, 2, 1), (2, None, 0), ((3, 2), (1, 2), (1, 0))):
        for fn in ("max_pool2d", "avg_pool2d"):
            out = ref[fn](x, *args)
            np.testing.assert_array_equal(cop[fn](x, *args), out)
            dout = rng.standard_normal(out.shape)
            back = fn.replace("2d", "2d_backward")
            np.testing.assert_array_equal(cop[back](dout, x, *args), ref[back](dout, x, *args))
    with pytest.raises(ValueError, match="kernel_size"):
        cop["max_pool2d"](x, 0)


@pytest.mark.parametrize("filename", [KIM_ANSWER, LEE_ANSWER])
def test_the_independent_answers_run(filename):
    ref, alt = answer_namespace(reference_nb()), answer_namespace(alternative_nb(filename))
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 7))
    for fn in ("max_pool2d", "avg_pool2d"):
        out = ref[fn](x, 3, 2, 1)
        np.testing.assert_allclose(alt[fn](x, 3, 2, 1), out)
        dout = np.ones_like(out)
        back = fn.replace("2d", "2d_backward")
        np.testing.assert_allclose(alt[back](dout, x, 3, 2, 1), ref[back](dout, x, 3, 2, 1))


def test_answer_code_is_the_answer_cells_only(tmp_path):
    nb = reference_nb()
    answer_cells(nb)[1].source = "%load_ext autoreload\n" + answer_cells(nb)[1].source
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    code = similarity.answer_code(path)
    assert "import numpy as np" not in code              # the setup cell is not an answer cell
    assert "grade(" not in code                          # nor are the test cells
    assert "# %load_ext autoreload" in code              # magics commented out, as in the module
    for fn in PUBLIC + ("_pair", "_window"):
        assert f"def {fn}(" in code
    compile(code, "<answers>", "exec")


# -- the report -------------------------------------------------------------------------------

def test_the_copy_is_flagged_and_nothing_else(reported):
    flagged, rows, _ = reported
    threshold = similarity.SimilarityReport().threshold
    assert [(p.student_a, p.student_b) for p in flagged] == [("ada", "eve")]
    assert flagged[0].similarity > threshold
    assert float(pair_row(rows, "ada", "eve")["similarity"]) > threshold
    for a, b in (("ada", "kim"), ("eve", "kim"), ("ada", "lee"), ("eve", "lee"), ("kim", "lee")):
        row = pair_row(rows, a, b)
        assert float(row["similarity"]) < threshold, row
        assert row["above_threshold"] == "False"


def test_the_starter_code_makes_no_one_alike(reported):
    _, rows, _ = reported
    for other in ("ada", "eve", "kim", "lee"):
        row = pair_row(rows, "sam", other)
        assert float(row["similarity"]) < 0.05, row


def test_the_starter_code_is_what_is_discounted(course, reported, tmp_path):
    """Compared raw (no boilerplate), the stub shares its signatures with the answers and
    independent answers share more; the report discounts exactly that."""
    _, rows, _ = reported
    codes = {s: similarity.answer_code(course / "submitted" / s / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
             for s in ("ada", "kim", "sam")}
    raw, _ = similarity.SimilarityReport()._compare(tmp_path, ASSIGNMENT, codes, None, [])
    raw = {frozenset((p.student_a, p.student_b)): p.similarity for p in raw}
    assert raw[frozenset(("ada", "sam"))] > 0.05
    assert float(pair_row(rows, "ada", "sam")["similarity"]) == 0
    assert float(pair_row(rows, "ada", "kim")["similarity"]) < raw[frozenset(("ada", "kim"))]


def test_the_csv_has_every_pair_once_most_similar_first(reported):
    _, rows, _ = reported
    assert list(rows[0]) == list(similarity.CSV_COLUMNS)
    students = ("ada", "eve", "kim", "lee", "sam")
    assert len(rows) == len(students) * (len(students) - 1) // 2
    assert {frozenset((r["student_a"], r["student_b"])) for r in rows} == {
        frozenset((a, b)) for i, a in enumerate(students) for b in students[i + 1:]}
    values = [float(r["similarity"]) for r in rows]
    assert values == sorted(values, reverse=True)
    for r in rows:
        assert float(r["similarity"]) == pytest.approx(max(float(r["similarity_a"]), float(r["similarity_b"])),
                                                       abs=1e-4)


def test_the_html_names_the_students_and_no_scratch_path(course, reported):
    page = (course / "reports" / "similarity" / f"{ASSIGNMENT}.html").read_text()
    for student in ("ada", "eve", "kim", "lee", "sam"):
        assert re.search(rf"<li>\d+={student}</li>", page), student                 # copydetect's file list
    assert "Test file: <i>ada</i>" in page and "Reference file: <i>eve</i>" in page   # the top pair, by id
    assert "<b>ada</b> and <b>eve</b>" in page                                     # the summary names the pair
    assert "highlight-red" in page and "highlight-green" in page                   # side by side, highlighted
    assert "similarity-" not in page.replace("similarity-summary", "")             # no scratch folder
    assert not re.search(r"/students/\d+\.py", page) and str(course) not in page
    assert "https://" not in page and "http://" not in page                        # reads offline
    assert "does not say that anyone copied" in page


def test_a_broken_notebook_is_skipped_with_a_warning(reported, course):
    flagged, rows, messages = reported
    assert any("bob" in m and "skipped" in m for m in messages), messages
    assert all("bob" not in (r["student_a"], r["student_b"]) for r in rows)
    assert flagged                                                      # the rest is still reported
    assert "bob" in (course / "reports" / "similarity" / f"{ASSIGNMENT}.html").read_text()


@pytest.mark.parametrize("students", [(), ("ada",)])
def test_fewer_than_two_submissions(tmp_path, students):
    Course(tmp_path).create()
    for student in students:
        submit(tmp_path, student, reference_nb())
    assert similarity.report(tmp_path, ASSIGNMENT) == []
    out = tmp_path / "reports" / "similarity"
    assert (out / f"{ASSIGNMENT}.csv").read_text().strip() == ",".join(similarity.CSV_COLUMNS)
    assert "Fewer than two" in (out / f"{ASSIGNMENT}.html").read_text()


def test_the_settings_come_from_config(course, tmp_path):
    c = Config()
    c.SimilarityReport.threshold = 0.0
    c.SimilarityReport.top_pairs = 1
    c.SimilarityReport.noise_threshold = 20
    c.SimilarityReport.guarantee_threshold = 20
    report = similarity.SimilarityReport(config=c)
    assert (report.threshold, report.top_pairs, report.noise_threshold) == (0.0, 1, 20)
    for name in ("threshold", "noise_threshold", "guarantee_threshold", "top_pairs"):
        trait = similarity.SimilarityReport.class_traits()[name]
        assert trait.metadata.get("config") and trait.help, name
    copied = tmp_path / "course"
    Course(copied).create()
    shutil.copytree(course / "submitted", copied / "submitted",
                    ignore=shutil.ignore_patterns("bob"))
    flagged = similarity.report(copied, ASSIGNMENT, config=c)
    assert len(flagged) > 1                          # threshold 0: every pair with some overlap
    page = (copied / "reports" / "similarity" / f"{ASSIGNMENT}.html").read_text()
    assert page.count("View matched code") == 1      # top_pairs
