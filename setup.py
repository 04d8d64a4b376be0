import os
import shutil
from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
# OpenMMLab's MIM layout (mmpretrain's `add_mim_extension`): the configs and their model index
# travel inside the package as mixmim_mm/.mim/, where an installed wheel finds them
# (mixmim_mm/model_zoo.py registers the index with MMPretrain's ModelHub).
MIM_FILES = ('configs', 'model-index.yml')


class BuildPyWithMim(build_py):
    """``build_py`` that also copies :data:`MIM_FILES` into ``<build_lib>/mixmim_mm/.mim``.

    mmpretrain copies them into its source tree while building; here they go to the build
    directory only, so a checkout never holds a stale copy that its editable install would take
    for the live configs. Editable installs skip the copy: they read the repository root.
    """

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            return
        mim = os.path.join(self.build_lib, 'mixmim_mm', '.mim')
        if os.path.isdir(mim):
            shutil.rmtree(mim)  # a previous build's copy may hold since-deleted configs
        os.makedirs(mim)
        for name in MIM_FILES:
            src, dst = os.path.join(HERE, name), os.path.join(mim, name)
            if os.path.isdir(src):
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
            elif os.path.isfile(src):
                shutil.copyfile(src, dst)
            else:  # e.g. an sdist built without MANIFEST.in: refuse to ship a wheel without them
                raise FileNotFoundError(f'{src} is missing: the wheel needs it in mixmim_mm/.mim')


setup(cmdclass={'build_py': BuildPyWithMim})
