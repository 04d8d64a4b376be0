# Runtime shared by every mixmim_mm config: MMPretrain's runtime, plus our plugin import
# and checkpoints written atomically (temp file + rename), so a crash while saving never
# leaves a corrupt checkpoint or a `last_checkpoint` pointing at one. AtomicCheckpointHook
# (not mmengine's CheckpointHook, which truncates `last_checkpoint` in place) keeps this
# true whichever launcher builds the Runner (our tools, `mim train`, MMPretrain's train.py).
_base_ = 'mmpretrain::_base_/default_runtime.py'

custom_imports = dict(imports=['mixmim_mm'], allow_failed_imports=False)

default_hooks = dict(
    checkpoint=dict(
        type='AtomicCheckpointHook',
        interval=1,
        max_keep_ckpts=3,
        backend_args=dict(backend='atomic_local')))
