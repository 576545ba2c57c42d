"""Regenerate everything derived from the authored notebooks in source/.

    source/<other>/...   --shared.SHARED--------------->  source/<a>/ (code and data reused from another exercise)
    source/<a>/<a>.ipynb --nbgrader generate_assignment--> release/<a>/<a>.ipynb
                         --nbgrader generate_solution---> solutions/<a>/<a>.ipynb (executed)
                         --answer cells---------------->  solutions/<a>.py
    release/<a>/<a>.ipynb --answer cells--------------->  assignments/<a>.py

`build(root)` writes them under `root` (the kit itself, or a scratch directory
that `drift()` compares with the committed copies).
"""
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from . import notebooks, paths, shared


class BuildError(RuntimeError):
    pass


def nbgrader(*args, cwd=paths.KIT_ROOT, env=None):
    """Run one nbgrader command in the kit's configuration; raise with its log if it fails."""
    cmd = [sys.executable, "-m", "nbgrader", *args]
    proc = subprocess.run(cmd, cwd=cwd, env=tool_env(env), capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise BuildError(f"`nbgrader {' '.join(args)}` failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return proc


def tool_env(env=None):
    """`env` (default: this process's) with this Python's scripts first on PATH: nbgrader runs `alembic`."""
    env = dict(os.environ if env is None else env)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return env


def build(root=paths.KIT_ROOT, assignments=None, *, solutions_notebooks=True, progress=print):
    root = Path(root)
    names = assignments or [a for a in paths.ASSIGNMENTS if (paths.SOURCE / a / f"{a}.ipynb").exists()]
    with tempfile.TemporaryDirectory() as tmp:
        course = [f"--CourseDirectory.root={root}", f"--CourseDirectory.source_directory={paths.SOURCE}",
                  f"--CourseDirectory.db_url=sqlite:///{tmp}/build.db"]
        for name in names:
            # shared pieces go into the real source/ only when building the kit itself;
            # a scratch build writes them beside it for drift() to compare
            if shared.write_shared(name, paths.SOURCE if root == paths.KIT_ROOT else root / paths.SOURCE.name):
                progress(f"[build] {name}: code and data shared from other exercises")
            progress(f"[build] {name}: release (nbgrader generate_assignment)")
            nbgrader("generate_assignment", name, "--force", *course)
            if solutions_notebooks:
                progress(f"[build] {name}: executed solution notebook (nbgrader generate_solution)")
                # the executed solution keeps its figures: the kernel's inline backend, not ./run's Agg
                nbgrader("generate_solution", name, "--force", *course,
                         env={k: v for k, v in os.environ.items() if k != "MPLBACKEND"})
                readme_figures(root / paths.SOLUTIONS.name / name / f"{name}.ipynb", root / "docs" / "figures", name)
            source_nb = notebooks.read(paths.SOURCE / name / f"{name}.ipynb")
            release_nb = notebooks.read(root / paths.RELEASE.name / name / f"{name}.ipynb")
            write(root / paths.SOLUTIONS.name / f"{name}.py", notebooks.answer_module_source(
                source_nb, title=f"Reference solution of the `{name}` exercise (from source/{name}/{name}.ipynb)."))
            write(root / "assignments" / f"{name}.py", notebooks.answer_module_source(
                release_nb, title=f"Student stub of the `{name}` exercise (from release/{name}/{name}.ipynb)."))
    return names


README_FIGURE_TAG = "readme-figure"


def readme_figures(solution_nb, folder, name):
    """The images of the executed solution's cells tagged `readme-figure`, as docs/figures/<a>-<n>.png."""
    import base64
    images = [base64.b64decode(o["data"]["image/png"]) for cell in notebooks.read(solution_nb).cells
              if README_FIGURE_TAG in cell.get("metadata", {}).get("tags", [])
              for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
    for old in Path(folder).glob(f"{name}-*.png"):
        old.unlink()
    for i, data in enumerate(images, 1):
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}-{i}.png").write_bytes(data)
    return images


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def drift(assignments=None, progress=print):
    """Rebuild in a scratch directory; return a list of differences from the committed files."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        names = build(tmp, assignments, progress=progress)
        tmp = Path(tmp)
        for name in names:
            for rel in (f"release/{name}", ):
                cmp = filecmp.dircmp(tmp / rel, paths.KIT_ROOT / rel, ignore=["__pycache__", ".ipynb_checkpoints"])
                problems += _dircmp_problems(cmp, rel)
            for rel in (f"solutions/{name}.py", f"assignments/{name}.py"):
                if not (paths.KIT_ROOT / rel).exists():
                    problems.append(f"{rel}: missing")
                elif (tmp / rel).read_text() != (paths.KIT_ROOT / rel).read_text():
                    problems.append(f"{rel}: differs from what `autograder build` makes")
            for piece in shared.SHARED.get(name, ()):
                rel = f"source/{name}/{piece.target}"
                if not (paths.KIT_ROOT / rel).exists():
                    problems.append(f"{rel}: missing")
                elif (tmp / rel).is_dir():
                    problems += _dircmp_problems(filecmp.dircmp(tmp / rel, paths.KIT_ROOT / rel,
                                                                ignore=["__pycache__"]), rel)
                elif (tmp / rel).read_bytes() != (paths.KIT_ROOT / rel).read_bytes():
                    problems.append(f"{rel}: differs from what `autograder build` makes")
            rel = f"solutions/{name}/{name}.ipynb"
            committed = paths.KIT_ROOT / rel
            if not committed.exists():
                problems.append(f"{rel}: missing")
            elif _sources(tmp / rel) != _sources(committed):
                problems.append(f"{rel}: its cells differ from what `autograder build` makes")
    return problems


def _dircmp_problems(cmp, rel):
    out = [f"{rel}/{n}: only in the fresh build" for n in cmp.left_only]
    out += [f"{rel}/{n}: not made by the build" for n in cmp.right_only]
    out += [f"{rel}/{n}: differs from what `autograder build` makes" for n in cmp.diff_files]
    for sub, subcmp in cmp.subdirs.items():
        out += _dircmp_problems(subcmp, f"{rel}/{sub}")
    return out


def _sources(path):
    """The executed solution notebook's cells without outputs (timings differ run to run)."""
    return [(c.cell_type, c.source) for c in notebooks.read(path).cells]
