"""The untrusted side: load one student's answer module and serve calls to it.

Run as a fork server by `answer_client.AnswerForkServer`, in the sandbox:

    python -I answer_server.py CONTROL_FD BLOCKED_MODULES [PRELOAD_MODULES]

It imports numpy and torch (or the modules the trusted side names) once, unless
blocked, before any student code, then
waits on the Unix socket CONTROL_FD. Each "spawn" message brings a request and
a reply pipe; the server forks a child that imports the answer file as a module
and answers requests read from the one pipe with frames written to the other
(see codec.py). A fresh child per graded part costs a fork, not an interpreter
and a `import torch`. Everything here runs alongside student code, so nothing
here decides a grade: it only returns what the student's functions returned,
and the trusted side judges it.

Depends on the standard library, numpy, codec.py and parent_death.py only, so that it can be
copied into a sandbox without the graders.
"""
import importlib
import importlib.abc
import faulthandler
import importlib.util
import json
import os
import random
import signal
import socket
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import codec  # noqa: E402  (this file is run as a script, next to codec.py)
import parent_death  # noqa: E402  (... and parent_death.py)
import priority  # noqa: E402  (... and priority.py)

priority.lower_priority(os.environ)    # its session's too: bubblewrap started a new one (harness/priority.py)

import numpy as np  # noqa: E402

ANSWER_MODULE = "answer"
SEED = 0
PRELOAD = ("numpy", "torch")     # what most answers import: loaded once, shared by every child


class _BlockImports(importlib.abc.MetaPathFinder):
    """Makes libraries that would do the exercise for the student unimportable."""

    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in self.names:
            raise ImportError(
                f"{fullname.split('.')[0]} is not allowed in this exercise: "
                "write the answer with the libraries the notebook names")
        return None


def _builtin_ancestor(exc_type):
    for klass in exc_type.__mro__:
        if klass.__module__ == "builtins" and issubclass(klass, BaseException):
            return klass.__name__
    return "Exception"


def _describe(exc, answer_file):
    """Type, message and the part of the traceback that is in the student's code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == answer_file]
    where = "".join(traceback.format_list(frames[-3:]))
    try:
        message = str(exc)[:500]
    except Exception:  # noqa: BLE001
        message = "(message could not be shown)"
    return {"type": type(exc).__name__, "builtin": _builtin_ancestor(type(exc)),
            "message": message, "where": where[:1500]}


def _seed_everything():
    random.seed(SEED)
    np.random.seed(SEED)
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            torch.manual_seed(SEED)
        except Exception:  # noqa: BLE001
            pass


def _read_exact(stream, n):
    data = stream.read(n)
    if data is None or len(data) < n:
        raise EOFError
    return data


def _die_with_parent():
    """Linux: if the trusted grader dies, take this process down with it."""
    try:
        parent_death.die_with_parent()
    except OSError:  # other systems: the request pipe's EOF still ends us
        pass


def _report_where_on(signum):
    """On signal `signum`, write where the code is running to stderr (the trusted side's request at a time limit).

    The trusted side, which kills the process at its time limit, sends it just
    before and reads the report from the log to tell the student which line of
    theirs was running. faulthandler's handler is C: it reports also from inside
    a long numpy or torch call, or a sleep.
    """
    if signum:
        faulthandler.register(signum, file=2, all_threads=True, chain=False)


def _probe(compiled, source, name, answer):
    """The grader's probe `name` from `source` (shipped by the trusted side), to be called on the answer module.

    The source is one self-contained function, or a probe module whose PROBES names
    its probe functions: only those can be called. Each call runs the source in a
    fresh namespace, as a probe defined afresh would be (nothing an earlier call did
    to it remains), and what the source raises is reported as the probe's errors are.
    """
    def call(*args, **kwargs):
        if source not in compiled:
            compiled[source] = compile(source, "<probe>", "exec")
        namespace = {}
        exec(compiled[source], namespace)  # noqa: S102 - the grader's code
        probe = namespace.get(name)
        if name not in namespace.get("PROBES", (name,)) or getattr(
                getattr(probe, "__code__", None), "co_filename", None) != "<probe>":
            raise NameError(f"the grader's probe source has no probe function {name!r}")
        return probe(answer, *args, **kwargs)
    return call


def serve_answer(request_fd, reply_fd, answer_file, blocked, where_signal=None):
    """One child: load the answer module, then serve calls until the request pipe closes."""
    requests = os.fdopen(request_fd, "rb")
    replies = os.fdopen(reply_fd, "wb")
    answer_file = os.path.abspath(answer_file)

    def reply(obj):
        codec.write_frame(replies, codec.encode(obj))

    if blocked:
        sys.meta_path.insert(0, _BlockImports(blocked))
    _seed_everything()
    spec = importlib.util.spec_from_file_location(ANSWER_MODULE, answer_file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[ANSWER_MODULE] = module
    _report_where_on(where_signal)
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:  # noqa: BLE001 - SystemExit at import is an answer too
        reply({"import_error": _describe(exc, answer_file)})
        return
    reply({"ready": sorted(n for n in vars(module) if not n.startswith("__"))})
    probes = {}                  # the grader's probe sources, compiled once per child

    while True:
        try:
            request = codec.decode(codec.read_frame(lambda n: _read_exact(requests, n)))
        except EOFError:
            return
        name, args, kwargs = request["name"], request["args"], request["kwargs"]
        if request.get("probe"):
            # a grader-written function that inspects the answer and returns plain data
            # (e.g. a model's parameter count); the verdict is still made by the grader
            func = _probe(probes, request["probe"], name, module)
        else:
            func = getattr(module, name, None)
        if not callable(func):
            reply({"missing": name})
            continue
        _seed_everything()
        try:
            value = func(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - incl. SystemExit/KeyboardInterrupt
            reply({"raised": _describe(exc, answer_file)})
            continue
        out = {"value": value}
        if request.get("return_args"):
            out["args_after"] = list(args)
            out["kwargs_after"] = kwargs
        try:
            frame = codec.encode(out)
        except BaseException as exc:  # noqa: BLE001 - a value that cannot be sent
            frame = codec.encode({"unsendable": f"{type(exc).__name__}: {str(exc)[:200]}"})
        codec.write_frame(replies, frame)


def serve_forks(control, blocked):
    """The fork server's loop: one child per "spawn", killed and reaped on request."""
    children = set()

    def send(obj):
        control.send(json.dumps(obj).encode())

    def kill(pid):
        for signal_to in (os.killpg, os.kill):   # the child leads its group: its subprocesses go too
            try:
                signal_to(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        return reap(pid)

    def reap(pid):
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            return None
        children.discard(pid)
        return os.waitstatus_to_exitcode(status)

    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 16, 2)
        except OSError:
            message, fds = b"", []
        if not message:                    # the grader is gone: so are we
            for pid in list(children):
                kill(pid)
            return
        request = json.loads(message)
        if "spawn" in request:
            for pid in list(children):     # one part at a time: the last part's child goes
                kill(pid)
            pid = os.fork()
            if pid == 0:
                control.close()            # the child cannot ask for more children
                os.setpgid(0, 0)
                _die_with_parent()
                try:
                    # the answer's own blocked modules (a server started ahead of its answer learns them here)
                    serve_answer(fds[0], fds[1], request["spawn"], [*blocked, *request.get("blocked", ())],
                                 request.get("where_signal"))
                finally:
                    os._exit(0)
            for fd in fds:
                os.close(fd)
            children.add(pid)
            send({"pid": pid})
        elif "wait" in request:            # the child's reply pipe closed: how did it end?
            send({"exit": reap(request["wait"])})
        elif "kill" in request:
            send({"exit": kill(request["kill"])})


def main():
    _die_with_parent()
    control_fd, blocked = sys.argv[1:3]
    blocked = [b for b in blocked.split(",") if b]
    preload = [m for m in sys.argv[3].split(",") if m] if len(sys.argv) > 3 else PRELOAD
    control = socket.socket(fileno=int(control_fd))
    loaded = []
    for name in preload:
        if name.split(".")[0] not in blocked:      # a blocked module must not sit in sys.modules
            try:
                importlib.import_module(name)
                loaded.append(name)
            except Exception:  # noqa: BLE001 - not installed or broken: a child that needs it says so itself
                pass
    # and every module now loaded, by its package: what a child may use without importing (before any student
    # code ran, so the trusted side can check it against an answer's blocked modules)
    control.send(json.dumps({"ready": loaded, "modules": sorted({m.split(".")[0] for m in sys.modules})}).encode())
    serve_forks(control, blocked)


if __name__ == "__main__":
    main()
