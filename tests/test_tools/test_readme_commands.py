"""Every command in the README and the model-zoo READMEs names files that exist and options
that its script accepts; every config they train is one that ``test_shipped_configs.py``
trains. (The commands themselves need GPUs and ImageNet/COCO/ADE20K; their entry points run
on tiny data in ``test_entry_points_on_shipped_configs.py`` and the config tests.)"""
import argparse
import glob
import os.path as osp
import re
import runpy
import shlex
import sys

import pytest
from _config_runs import REPO_ROOT, shipped_configs

READMES = sorted([osp.join(REPO_ROOT, 'README.md')] +
                 glob.glob(osp.join(REPO_ROOT, 'configs', '*', 'README.md')))
# Where the READMEs run other projects' launchers: the packages' own copies of their tools.
PACKAGE_TOOLS = {'$MMPRETRAIN': 'mmpretrain', '$MMDET': 'mmdet', '$MMSEG': 'mmseg'}
SCRIPTS = ('tools/', '$MMPRETRAIN/', '$MMDET/', '$MMSEG/')


def readme_commands():
    """``(readme, command words)`` of every shell command in a fenced block that runs one of
    the repository's or a package's tools (continuation lines joined)."""
    found = []
    for readme in READMES:
        text = open(readme).read()
        for block in re.findall(r'```(?:bash|shell|sh)\n(.*?)```', text, re.S):
            for line in block.replace('\\\n', ' ').splitlines():
                words = shlex.split(line, comments=True)
                if any(w.startswith('[') for w in words):  # a synopsis, not a command
                    continue
                while words and re.match(r'\w+=', words[0]):  # VAR=value before a command
                    words = words[1:]
                if words and (words[0] == 'bash' or words[0].endswith('python')):
                    words = words[1:]
                if words and words[0].startswith(SCRIPTS) and words[0].endswith(('.py', '.sh')):
                    found.append((osp.relpath(readme, REPO_ROOT), words))
    return found


COMMANDS = readme_commands()


def _script_path(word):
    for var, package in PACKAGE_TOOLS.items():
        if word.startswith(var):
            module = __import__(package)
            return osp.join(osp.dirname(module.__file__), '.mim', word[len(var) + 1:])
    return osp.join(REPO_ROOT, word)


class _Parsed(Exception):
    """Raised by the patched ``parse_args`` once the command line is parsed."""


def _parse_with(script, argv, monkeypatch):
    """Run ``script`` with ``argv`` up to its argument parsing, and stop there."""
    parse_args = argparse.ArgumentParser.parse_args

    def parse_then_stop(parser, args=None, namespace=None):
        raise _Parsed(parse_args(parser, args, namespace))

    monkeypatch.setattr(argparse.ArgumentParser, 'parse_args', parse_then_stop)
    monkeypatch.setattr(sys, 'argv', [script, *argv])
    with pytest.raises(_Parsed):
        runpy.run_path(script, run_name='__main__')


def test_the_readmes_have_commands():
    assert len(COMMANDS) >= 40
    assert {r for r, _ in COMMANDS} >= {'README.md', 'configs/mixmae/README.md'}


def _entry_point(script, args):
    """``(python script, its arguments)`` of a command; launchers hand their trailing options
    to ``train.py`` / ``test.py`` beside them."""
    name, folder = osp.basename(script), osp.dirname(script)
    if name == 'dist_train.sh':  # CONFIG GPUS ...
        return osp.join(folder, 'train.py'), [args[0], *args[2:]]
    if name == 'dist_test.sh':  # CONFIG CHECKPOINT GPUS ...
        return osp.join(folder, 'test.py'), [*args[:2], *args[3:]]
    if name == 'slurm_train.sh':  # PARTITION JOB CONFIG WORK_DIR ...
        return osp.join(folder, 'train.py'), [args[2], '--work-dir', args[3], *args[4:]]
    if name == 'slurm_test.sh':  # PARTITION JOB CONFIG CHECKPOINT ...
        return osp.join(folder, 'test.py'), args[2:]
    return script, args


@pytest.mark.parametrize(
    'readme,words', COMMANDS, ids=[f'{r}:{" ".join(w)[:80]}' for r, w in COMMANDS])
def test_readme_command_is_valid(readme, words, monkeypatch):
    script = _script_path(words[0])
    assert osp.isfile(script), f'{readme}: {words[0]} does not exist'
    for config in (a for a in words[1:] if a.startswith('configs/')):
        assert config in shipped_configs(), f'{readme}: {config} is not a shipped config'
    entry, args = _entry_point(script, words[1:])
    if entry.endswith('.py'):
        _parse_with(entry, args, monkeypatch)
