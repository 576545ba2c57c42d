"""Grader-written code that runs in the student's process (shipped as source by `student.probe`).

`probe(answer, task, *args)` builds the answer's modules, networks and figures,
runs them and returns what it saw as plain data (numbers, strings, arrays). It
never judges anything: the checks compare on the trusted side, where the same
probe also runs on the reference. It must stay self-contained (imports inside).
"""


def probe(answer, task, *args):
    import numpy as np
    import torch
    import torch.nn as nn

    def in_text_order(module):
        # the text names `features` then `head`: their parameters in that order, whatever order the
        # attributes were registered in (the layers' order within each is the text's too)
        parts = [getattr(module, n, None) for n in ("features", "head")]
        if all(isinstance(m, nn.Module) for m in parts):
            return [p for m in parts for p in m.parameters()]
        return list(module.parameters())

    def fill(module):
        # deterministic parameters, in the text's order: the same for any correct answer
        with torch.no_grad():
            for i, p in enumerate(in_text_order(module)):
                rng = np.random.default_rng(1000 + i)
                fan_in = int(np.prod(p.shape[1:])) if p.dim() > 1 else 4
                values = rng.standard_normal(tuple(p.shape)) / np.sqrt(fan_in)
                p.copy_(torch.from_numpy(values).to(p.dtype))
        return module

    def count(module):
        return int(sum(p.numel() for p in module.parameters()))

    def number(value):
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            return float(value.item())
        if isinstance(value, (bool, np.bool_)):
            return repr(value)
        if isinstance(value, (int, float, np.integer, np.floating)):
            return float(value)
        return f"a {type(value).__name__}"

    if task == "gap":                      # channels, height, width, num_classes
        result = answer.gap_vs_flatten_params(*args)
        if isinstance(result, (tuple, list)):
            return [int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else repr(v)[:60]
                    for v in result]
        return f"a {type(result).__name__}"

    if task == "downsample":               # kind, channels, x (float32 numpy), fill the weights?
        kind, channels, x, fill_weights = args
        module = answer.make_downsample(kind, channels)
        if not isinstance(module, nn.Module):
            return {"module": False, "type": type(module).__name__}
        if fill_weights:
            fill(module)
        with torch.no_grad():
            out = module(torch.from_numpy(x))
        return {"module": True, "type": type(module).__name__, "params": count(module),
                "out": out.detach().numpy() if isinstance(out, torch.Tensor) else None,
                "trainable": [p.requires_grad for p in module.parameters()]}

    if task == "downsample_twice":         # kind, channels: two calls give two modules?
        kind, channels = args
        a, b = answer.make_downsample(kind, channels), answer.make_downsample(kind, channels)
        shared = any(p is q for p in a.parameters() for q in b.parameters())
        return {"same_object": a is b, "shared_parameters": shared}

    if task == "downsample_error":         # kind
        try:
            answer.make_downsample(args[0], 4)
        except ValueError as exc:
            return {"raised": "ValueError", "message": str(exc)[:500]}
        except Exception as exc:  # noqa: BLE001 - reported by type
            return {"raised": type(exc).__name__, "message": ""}
        return {"raised": None, "message": ""}

    if task == "sensitivity":              # module spec, x, shift (None: the default)
        spec, x, shift = args

        class Subsample(nn.Module):
            def forward(self, t):
                return t[:, :, ::2, ::2]

        if spec == "identity":
            module = nn.Identity()
        elif spec == "max":
            module = nn.MaxPool2d(2)
        elif spec == "avg":
            module = nn.AvgPool2d(2)
        elif spec == "subsample":
            module = Subsample()
        elif spec == "gap":
            module = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
        elif spec == "conv":
            module = fill(nn.Sequential(nn.Conv2d(x.shape[1], 3, 3, stride=2), nn.ReLU()))
        else:
            raise KeyError(spec)
        before = x.copy()
        t = torch.from_numpy(x)
        value = answer.shift_sensitivity(module, t) if shift is None else answer.shift_sensitivity(module, t, shift)
        return {"value": number(value), "python_float": type(value) is float,
                "input_unchanged": bool(np.array_equal(t.numpy(), before))}

    if task == "net":                      # kind, head, num_classes, x
        kind, head, num_classes, x = args
        model = answer.PoolingNet(kind, head=head, num_classes=num_classes)
        info = {"module": isinstance(model, nn.Module)}
        if not info["module"]:
            return info
        info["params"] = count(model)
        info["shapes"] = [tuple(p.shape) for p in in_text_order(model)]
        info["children"] = {n: type(getattr(model, n, None)).__name__ for n in ("features", "head")}
        fill(model)
        model.eval()
        with torch.no_grad():
            out = model(torch.from_numpy(x))
        info["out"] = out.detach().numpy() if isinstance(out, torch.Tensor) else None
        return info

    if task == "net_error":                # kind, head
        try:
            answer.PoolingNet(args[0], head=args[1])
        except ValueError:
            return "ValueError"
        except Exception as exc:  # noqa: BLE001
            return type(exc).__name__
        return None

    if task == "compare":                  # kinds, heads, train x/y, test x/y, epochs, [(seed, global_seed)]
        kinds, heads, train_x, train_y, test_x, test_y, epochs, calls = args
        train = (torch.from_numpy(train_x), torch.from_numpy(train_y))
        test = (torch.from_numpy(test_x), torch.from_numpy(test_y))
        original = answer.PoolingNet
        made = []

        if isinstance(original, type):
            class Recording(original):
                def __init__(self, *a, **k):
                    super().__init__(*a, **k)
                    first = next(iter(in_text_order(self)), None)     # the first convolution's weight
                    made.append((self, None if first is None else first.detach().clone()))
        else:
            def Recording(*a, **k):  # noqa: N802 - stands in for a class
                model = original(*a, **k)
                first = next(iter(in_text_order(model)), None)
                made.append((model, None if first is None else first.detach().clone()))
                return model

        results = []
        answer.PoolingNet = Recording
        try:
            for seed, global_seed in calls:
                torch.manual_seed(global_seed)     # only the answer's own seeding can make runs repeat
                made.clear()
                rows = answer.compare_pooling(kinds, heads, train, test, epochs=epochs, seed=seed)
                models = []
                for model, initial in made:
                    model.eval()
                    with torch.no_grad():
                        pred = torch.cat([model(test[0][i:i + 250]).argmax(dim=1)
                                          for i in range(0, len(test[0]), 250)])
                        try:
                            sens = answer.shift_sensitivity(model, test[0][:500])
                            sens = number(sens)
                        except Exception as exc:  # noqa: BLE001
                            sens = f"raised {type(exc).__name__}"
                    models.append({"predictions": pred.numpy(), "sensitivity": sens, "params": count(model),
                                   "initial": None if initial is None else initial.numpy()})
                if isinstance(rows, (list, tuple)):
                    rows = [dict(r) if isinstance(r, dict) else f"a {type(r).__name__}" for r in rows]
                    rows = [{k: (number(v) if k not in ("kind", "head") else v) for k, v in r.items()}
                            if isinstance(r, dict) else r for r in rows]
                else:
                    rows = f"a {type(rows).__name__}"
                results.append({"rows": rows, "models": models})
        finally:
            answer.PoolingNet = original
        return results

    if task == "plot":                     # rows
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.container import BarContainer
        from matplotlib.figure import Figure
        fig = answer.plot_comparison(args[0])
        if not isinstance(fig, Figure):
            return {"figure": False, "type": type(fig).__name__}
        try:
            fig.canvas.draw()
            axes = []
            for ax in fig.get_axes():
                groups = []
                for c in ax.containers:
                    if isinstance(c, BarContainer):
                        bars = [(float(r.get_x() + r.get_width() / 2), float(r.get_height())) for r in c.patches]
                        groups.append({"label": str(c.get_label()), "bars": bars})
                legend = ax.get_legend()
                axes.append({"title": ax.get_title(), "ylabel": ax.get_ylabel(), "xlabel": ax.get_xlabel(),
                             "groups": groups,
                             "ticks": [(float(t), lab.get_text()) for t, lab in
                                       zip(ax.get_xticks(), ax.get_xticklabels())],
                             "legend": [t.get_text() for t in legend.get_texts()] if legend else []})
            figure_legend = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
            return {"figure": True, "axes": axes, "figure_legend": figure_legend,
                    "suptitle": fig._suptitle.get_text() if fig._suptitle else ""}
        finally:
            plt.close(fig)
    raise KeyError(task)
