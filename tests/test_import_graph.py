"""The modules of ``mixmim_mm`` import each other without cycles, counting the imports at module
level and inside functions (a function-level import that closes a cycle only hides it until
the function runs)."""
import ast
import os.path as osp
from typing import Dict, List, Set

import pytest

PACKAGE_DIR = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'mixmim_mm')


def module_files(package_dir: str = PACKAGE_DIR) -> Dict[str, str]:
    """Dotted module name -> file, for every module of the package (packages by __init__)."""
    import glob
    root = osp.dirname(package_dir)
    modules = {}
    for path in glob.glob(osp.join(package_dir, '**', '*.py'), recursive=True):
        name = osp.relpath(path, root)[:-3].replace(osp.sep, '.')
        modules[name[:-len('.__init__')] if name.endswith('.__init__') else name] = path
    return modules


def is_package(modules: Dict[str, str], name: str) -> bool:
    return modules[name].endswith('__init__.py')


def imported_modules(name: str, modules: Dict[str, str]) -> Set[str]:
    """The package's modules that ``name`` imports, anywhere in its file.

    ``from P import n`` depends on ``P.n`` when that is a module, otherwise on ``P`` itself.
    An ancestor package is running its ``__init__`` when ``name`` is imported, so depending
    on it (a name it defines, not a submodule) is a cycle; importing a submodule through it
    (``from . import sibling``) is not.
    """
    tree = ast.parse(open(modules[name]).read(), filename=modules[name])
    package = name if is_package(modules, name) else name.rpartition('.')[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')
                base = base[:len(base) - node.level + 1]
                source = '.'.join(base + ([node.module] if node.module else []))
            else:
                source = node.module
            submodules = [f'{source}.{a.name}' for a in node.names]
            targets = [m for m in submodules if m in modules]
            if len(targets) < len(submodules):  # some names are defined in `source` itself
                targets.append(source)
        else:
            continue
        for target in targets:
            if target in modules and target != name:
                found.add(target)
    return found


def find_cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan)."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def import_graph() -> Dict[str, Set[str]]:
    modules = module_files()
    return {name: imported_modules(name, modules) for name in modules}


def test_the_package_has_no_import_cycle():
    cycles = find_cycles(import_graph())
    assert not cycles, 'import cycles among: ' + '; '.join(', '.join(c) for c in cycles)


def test_the_graph_sees_relative_absolute_and_function_level_imports():
    graph = import_graph()
    assert len(graph) > 80
    # mixmim_mm/__init__.py imports its subpackages; backbones reach the shared utils.
    assert 'mixmim_mm.models' in graph['mixmim_mm']
    assert any(
        dep.startswith('mixmim_mm.models.utils')
        for dep in graph['mixmim_mm.models.backbones.mixmae_swin'])


@pytest.mark.parametrize('edges,cyclic', [
    ({
        'a': {'b'},
        'b': {'c'},
        'c': set()
    }, False),
    ({
        'a': {'b'},
        'b': {'c'},
        'c': {'a'}
    }, True),
])
def test_a_cycle_is_found(edges, cyclic):
    assert bool(find_cycles(edges)) == cyclic


def test_a_function_level_import_that_closes_a_cycle_is_found(tmp_path):
    package = tmp_path / 'pkg'
    package.mkdir()
    (package / '__init__.py').write_text('')
    (package / 'a.py').write_text('from .b import g\n\ndef f():\n    return g()\n')
    (package / 'b.py').write_text('def g():\n    from .a import f\n    return f\n')
    modules = module_files(str(package))
    graph = {name: imported_modules(name, modules) for name in modules}
    assert find_cycles(graph) == [['pkg.a', 'pkg.b']]
