"""Derived files are regenerated, never hand-edited, and never leak answers."""
import re

import pytest

from autograder import build, notebooks, paths, shared

BUILT = [a for a in paths.ASSIGNMENTS if (paths.SOURCE / a / f"{a}.ipynb").exists()]


@pytest.fixture(scope="module")
def drift():
    return build.drift(progress=lambda _: None)


def test_committed_derived_files_match_a_fresh_build(drift):
    assert drift == [], "run `./run build` and commit:\n" + "\n".join(drift)


@pytest.mark.parametrize("name", BUILT)
def test_release_has_no_solution_code_or_hidden_tests(name):
    release = (paths.RELEASE / name / f"{name}.ipynb").read_text()
    assert not re.search(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS", release)
    source = notebooks.read(paths.SOURCE / name / f"{name}.ipynb")
    released = notebooks.read(paths.RELEASE / name / f"{name}.ipynb")
    released_code = "\n".join(c.source for c in released.cells)
    for cell in source.cells:
        for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", cell.source, re.S):
            for line in region.splitlines():
                line = line.strip()
                if len(line) > 25 and not line.startswith("#"):
                    assert line not in released_code, f"solution line in the release: {line}"
        for region in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
            assert region.strip() not in released_code


@pytest.mark.parametrize("name", BUILT)
def test_stub_and_solution_modules_have_the_same_functions(name):
    import ast

    def functions(path):
        return sorted(n.name for n in ast.parse(path.read_text()).body if isinstance(n, ast.FunctionDef))

    assert functions(paths.STUBS / f"{name}.py") == functions(paths.SOLUTIONS / f"{name}.py")
    assert functions(paths.SOLUTIONS / f"{name}.py")


@pytest.mark.parametrize("name", BUILT)
def test_every_graded_part_has_graders_and_points(name):
    from autograder import assignments
    a = assignments.get(name)
    points = a.points()
    assert points and all(p > 0 for p in points.values())
    assert sorted(points) == a.parts


@pytest.mark.parametrize("name", BUILT)
def test_readme_figures_are_the_committed_solution_notebooks_tagged_images(name, tmp_path):
    """docs/figures/<a>-<n>.png are what `build` cuts from solutions/<a>/<a>.ipynb, not stale copies."""
    expected = build.readme_figures(paths.SOLUTIONS / name / f"{name}.ipynb", tmp_path, name)
    committed = sorted((paths.KIT_ROOT / "docs" / "figures").glob(f"{name}-*.png"),
                       key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    assert [p.read_bytes() for p in committed] == expected


IN_CELL = [(a, piece) for a, pieces in shared.SHARED.items() for piece in pieces if isinstance(piece, shared.InCell)]


@pytest.mark.parametrize("assignment, piece", IN_CELL, ids=[f"{a}-{p.cell}" for a, p in IN_CELL])
def test_generated_part_of_a_cell_is_what_its_home_defines(assignment, piece):
    """The marked part of a source notebook's cell is exactly what the build writes (quick, without a build)."""
    [cell] = [c for c in notebooks.read(paths.SOURCE / assignment / piece.target).cells
              if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == piece.cell]
    assert piece.block() in cell.source, f"run `./run build`: source/{assignment}/{piece.target} is stale"


def test_a_hand_edited_generated_part_is_written_again(tmp_path):
    assignment, piece = next((a, p) for a, p in IN_CELL if a == "receptive_fields")
    dest = tmp_path / assignment / piece.target
    dest.parent.mkdir()
    committed = (paths.SOURCE / assignment / piece.target).read_text()
    dest.write_text(committed.replace("nn.Linear(120, 84)", "nn.Linear(120, 80)"))
    assert dest.read_text() != committed
    piece.write(dest)
    assert dest.read_text() == committed
