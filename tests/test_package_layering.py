# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The package's imports run one way, drawn from the source.

Layers, low to high: ``utils``; ``datasets``, ``models``, ``evaluation``;
``engine``, ``downstream``, ``visualization``, ``model_zoo``, ``speed``.
A module may import its own layer and the layers below it, never one
above, not even lazily inside a function; and no chain of imports between
the package's modules comes back to where it started.
"""
import ast
import os
import os.path as osp
from typing import Dict, Iterator, List, Set, Tuple

from tests.conftest import REPO

PACKAGE = 'mmselfsup_rot'
LAYERS = {
    'utils': 0,
    'datasets': 1,
    'models': 1,
    'evaluation': 1,
    'engine': 2,
    'downstream': 2,
    'visualization': 2,
    'model_zoo': 2,
    'speed': 2,
}


def package_modules(root: str) -> Dict[str, str]:
    """Dotted module name -> file, for every module of the package."""
    modules = {}
    for dirpath, _, files in os.walk(osp.join(root, PACKAGE)):
        for name in files:
            if not name.endswith('.py'):
                continue
            rel = osp.relpath(osp.join(dirpath, name), root)[:-3]
            parts = rel.split(os.sep)
            if parts[-1] == '__init__':
                parts = parts[:-1]
            modules['.'.join(parts)] = osp.join(dirpath, name)
    return modules


def imports_of(module: str, path: str,
               modules: Dict[str, str]) -> Iterator[Tuple[int, str]]:
    """``(line, module)`` of every package module ``module`` imports,
    at any depth of its code. ``from X import y`` names ``X.y`` when that
    is a module, else ``X``."""
    is_package = path.endswith('__init__.py')
    here = module.split('.') if is_package else module.split('.')[:-1]
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split('.')[0] == PACKAGE:
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level + 1]
                target = '.'.join(base +
                                  ([node.module] if node.module else []))
            else:
                target = node.module or ''
            if target.split('.')[0] != PACKAGE:
                continue
            named = [f'{target}.{a.name}' for a in node.names]
            sub = [m for m in named if m in modules]
            for name in sub or [target]:
                yield node.lineno, name


def layer_of(module: str):
    parts = module.split('.')
    return LAYERS.get(parts[1]) if len(parts) > 2 or (
        len(parts) == 2 and parts[1] in LAYERS) else None


def import_graph(root: str) -> Dict[str, List[Tuple[int, str]]]:
    modules = package_modules(root)
    return {
        name: [(line, target)
               for line, target in imports_of(name, path, modules)
               if target in modules and target != name]
        for name, path in modules.items()
    }


def upward_imports(root: str) -> List[str]:
    found = []
    for module, targets in import_graph(root).items():
        src = layer_of(module)
        for line, target in targets:
            dst = layer_of(target)
            if src is not None and dst is not None and dst > src:
                found.append(f'{module}:{line} imports {target}')
    return found


def import_cycles(root: str) -> List[List[str]]:
    """Strongly connected groups of modules (Tarjan), larger than one."""
    graph = {
        m: sorted({t
                   for _, t in ts})
        for m, ts in import_graph(root).items()
    }
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_no_import_runs_up_the_layers():
    assert upward_imports(REPO) == []


def test_no_import_cycle():
    assert import_cycles(REPO) == []


def test_the_checks_see_an_upward_import_and_a_cycle(tmp_path):
    """The two checks find what they look for (a check that cannot fail
    proves nothing)."""
    pkg = tmp_path / PACKAGE
    for sub in ('utils', 'models', 'engine'):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / '__init__.py').write_text('')
    (pkg / '__init__.py').write_text('')
    (pkg / 'utils' / 'low.py'
     ).write_text('def f():\n    from mmselfsup_rot.engine import high\n')
    (pkg / 'engine' /
     'high.py').write_text('from mmselfsup_rot.models import mid\n')
    (pkg / 'models' / 'mid.py').write_text('from ..engine import high\n')
    assert sorted(upward_imports(str(tmp_path))) == [
        'mmselfsup_rot.models.mid:1 imports mmselfsup_rot.engine.high',
        'mmselfsup_rot.utils.low:2 imports mmselfsup_rot.engine.high',
    ]
    assert import_cycles(str(tmp_path)) == [[
        'mmselfsup_rot.engine.high', 'mmselfsup_rot.models.mid'
    ]]
