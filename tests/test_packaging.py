"""A wheel (and the sdist it may be built from) carries the configs and the model index in
``mixmim_mm/.mim``, and an installed wheel registers them with MMPretrain's ``ModelHub`` on its
own, without this checkout.

How the installed wheel is tried without the editable install of this checkout: a fresh venv
(no pip, no system site-packages) gets a ``deps.pth`` whose single line is the project venv's
``site-packages``. Python appends such a line to ``sys.path`` but, unlike a site directory,
does not run the ``.pth`` files found there, so the editable finder
(``__editable__.mixmim_mm-*.pth``) never loads, while torch, MMPretrain and the rest import as
usual. The wheel is installed into the fresh venv's own ``site-packages`` (ahead of ``deps.pth``
on ``sys.path``) by the project venv's pip, run from the fresh interpreter with
``--ignore-installed`` so that it never touches (uninstalls) the editable install it can see.
The check runs in a temporary working directory with ``PYTHONPATH`` unset, so the checkout is
not on ``sys.path`` either. Everything is offline: ``pip wheel --no-build-isolation
--no-index`` builds with the project venv's setuptools.
"""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# Not part of a build, and large (the venv) or written by runs.
SKIP = {'.git', '.venv', 'build', 'dist', 'work_dirs', 'data', '.pytest_cache', '.whl'}


def shipped_configs():
    return sorted(
        osp.relpath(osp.join(d, f), REPO_ROOT)
        for d, _, files in os.walk(osp.join(REPO_ROOT, 'configs')) for f in files
        if f.endswith(('.py', '.yml')))


def source_copy(dst):
    """The checkout without its venv, git data and build outputs: building there leaves no
    ``build/`` or ``*.egg-info`` in the working tree."""
    os.makedirs(dst)
    ignore = shutil.ignore_patterns('__pycache__', '*.pyc', '*.egg-info', '.mim')
    for name in os.listdir(REPO_ROOT):
        src = osp.join(REPO_ROOT, name)
        if name in SKIP or name.endswith('.egg-info'):
            continue
        if osp.isdir(src):
            shutil.copytree(src, osp.join(dst, name), ignore=ignore)
        else:
            shutil.copy2(src, dst)
    return dst


def run(cmd, **kwargs):
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)
    assert out.returncode == 0, f'{cmd}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}'
    return out.stdout


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    root = tmp_path_factory.mktemp('wheel')
    src = source_copy(str(root / 'src'))
    run([
        sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index',
        '--disable-pip-version-check', '-w',
        str(root / 'dist'), src
    ])
    wheels = os.listdir(root / 'dist')
    assert len(wheels) == 1 and wheels[0].startswith('mixmim_mm-'), wheels
    return str(root / 'dist' / wheels[0])


@pytest.mark.slow
def test_wheel_carries_every_config_and_the_model_index(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert 'mixmim_mm/.mim/model-index.yml' in names
    missing = [p for p in shipped_configs() if f'mixmim_mm/.mim/{p}' not in names]
    assert not missing
    assert 'mixmim_mm/model_zoo.py' in names


@pytest.mark.slow
def test_installed_wheel_registers_its_own_model_index(wheel, tmp_path):
    venv = tmp_path / 'venv'
    run([sys.executable, '-m', 'venv', '--without-pip', str(venv)])
    python = str(venv / 'bin' / 'python')
    site = run([python, '-c', "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip()
    with open(osp.join(site, 'deps.pth'), 'w') as f:
        f.write(sysconfig.get_path('purelib') + '\n')  # the project venv's site-packages
    run([
        python, '-m', 'pip', 'install', '--no-deps', '--no-index', '--ignore-installed',
        '--no-compile', '--disable-pip-version-check', wheel
    ])
    check = '\n'.join([
        'import json, sys',
        'import mixmim_mm, mmpretrain',
        'from mixmim_mm import model_zoo',
        "names = mmpretrain.list_models('fastmim*')",
        "model = mmpretrain.get_model('fastmim_vit-mini-p16_1xb32-amp-coslr-10e_imagenette-64px')",
        'print(json.dumps(dict(package=mixmim_mm.__file__, root=model_zoo.model_index_root(),',
        '    names=names, model=type(model).__name__, config=model._config.filename,',
        "    editable=[m for m in sys.modules if '__editable__' in m])))",
    ])
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    out = json.loads(run([python, '-c', check], cwd=str(tmp_path), env=env).splitlines()[-1])
    package = osp.join(site, 'mixmim_mm')
    assert out['package'] == osp.join(package, '__init__.py')
    assert out['root'] == osp.join(package, '.mim')
    assert 'fastmim_vit-base-p16_8xb256-amp-coslr-400e_in1k-128px' in out['names']
    assert out['model'] == 'FastMIM'
    assert out['config'].startswith(osp.join(package, '.mim', 'configs', 'fastmim', ''))
    assert not out['editable']


@pytest.mark.slow
def test_sdist_carries_the_configs_and_the_model_index(tmp_path):
    src = source_copy(str(tmp_path / 'src'))
    run([sys.executable, 'setup.py', '-q', 'sdist', '-d', str(tmp_path / 'dist')], cwd=src)
    sdist, = os.listdir(tmp_path / 'dist')
    with tarfile.open(tmp_path / 'dist' / sdist) as tar:
        names = {n.split('/', 1)[1] for n in tar.getnames() if '/' in n}
    assert 'model-index.yml' in names
    assert not [p for p in shipped_configs() if p not in names]
