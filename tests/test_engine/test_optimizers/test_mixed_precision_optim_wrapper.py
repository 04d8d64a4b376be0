"""MixedPrecisionOptimWrapper: bf16 autocast on a CPU, mmengine's AMP on a GPU."""
import copy
import os.path as osp
import uuid

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.registry import OPTIM_WRAPPERS
from mmengine.runner import Runner

import mixmim_mm  # noqa: F401
from mixmim_mm.engine.optimizers import mixed_precision_optim_wrapper as mp

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
DEMO = osp.join(ROOT, 'configs', 'mixmae', 'mixmae_swin-mini_1xb32-1200iter_sample-images.py')


@pytest.fixture
def bf16_cpu(monkeypatch):
    """Take the CPU's bf16 support check as passed (autocast runs, emulated if need be)."""
    monkeypatch.setattr(mp, 'cpu_bf16_support', lambda: (True, 'taken as supported'))


@pytest.fixture
def logged(monkeypatch):
    """Messages the wrapper logs."""
    messages = []
    monkeypatch.setattr(mp, 'print_log', lambda msg, **kwargs: messages.append(msg))
    return messages


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.LayerNorm(16), nn.GELU(), nn.Linear(16, 4))


def _wrapper(model, **kwargs):
    return OPTIM_WRAPPERS.build(
        dict(
            type='MixedPrecisionOptimWrapper',
            optimizer=torch.optim.AdamW(model.parameters(), lr=1e-2),
            **kwargs))


def test_cpu_forward_is_bf16_and_parameters_stay_fp32(bf16_cpu, logged):
    model = _net()
    wrapper = _wrapper(model)
    assert wrapper.precision == 'bf16' and wrapper.loss_scaler is None
    assert any('bf16 autocast' in m for m in logged)
    with wrapper.optim_context(model):
        out = model(torch.randn(4, 8))
    assert out.dtype == torch.bfloat16  # linear layers run in bf16
    wrapper.update_params(out.float().pow(2).mean())
    for p in model.parameters():
        assert p.dtype == torch.float32 and p.grad is None or p.grad.dtype == torch.float32
    for state in wrapper.optimizer.state.values():
        assert state['exp_avg'].dtype == torch.float32


def _assert_fp32_rounded_once(actual, reference):
    """``actual`` (bf16) is the fp32 ``reference`` rounded to bf16 once.

    The bf16 kernel's fp32 arithmetic is not the fp32 kernel's (other vector widths and
    summation orders per CPU), so a value lying within a few fp32 ulps of a bf16 rounding
    midpoint may round the other way: allow one bf16 ulp (2**-7 relative; atol for values
    near 0) and a few such elements. Statistics reduced in bf16 break both bounds (emulated
    on this test's data: 40-65% of the elements differ, by up to 23% relative).
    """
    assert actual.dtype == torch.bfloat16
    torch.testing.assert_close(actual.float(), reference, rtol=2**-7, atol=1e-5)
    assert (actual != reference.bfloat16()).float().mean() < 0.01


def test_norm_and_softmax_statistics_are_fp32_under_autocast(bf16_cpu):
    # LayerNorm and softmax take the bf16 activations but reduce in fp32 inside the CPU
    # kernels: their bf16 outputs are the fp32 results rounded once. Statistics reduced in
    # bf16 would differ in most elements (here 60%, by up to 0.03).
    model = _net()
    wrapper = _wrapper(model)
    torch.manual_seed(0)
    x = torch.randn(64, 8) * 3 + 5
    with wrapper.optim_context(model):
        hidden = model[0](x)
        normed, probs = model[1](hidden), hidden.softmax(-1)
        loss = nn.functional.mse_loss(hidden, torch.zeros(64, 16))
    assert hidden.dtype == torch.bfloat16
    reference = nn.functional.layer_norm(hidden.float(), (16, ), model[1].weight, model[1].bias)
    _assert_fp32_rounded_once(normed, reference)
    _assert_fp32_rounded_once(probs, hidden.float().softmax(-1))
    assert loss.dtype == torch.float32  # loss reductions in fp32


def test_cpu_dtype_float32_forces_fp32(bf16_cpu, logged):
    model = _net()
    wrapper = _wrapper(model, cpu_dtype='float32')
    assert wrapper.precision == 'fp32'
    assert any('fp32' in m for m in logged)
    with wrapper.optim_context(model):
        assert model(torch.randn(4, 8)).dtype == torch.float32


def test_unsupported_cpu_trains_in_fp32_and_says_why(monkeypatch, logged):
    monkeypatch.setattr(mp, 'cpu_bf16_support', lambda: (False, 'no bf16 here'))
    model = _net()
    wrapper = _wrapper(model)
    assert wrapper.precision == 'fp32'
    assert any('no bf16 here' in m and 'fp32' in m for m in logged)
    with wrapper.optim_context(model):
        assert model(torch.randn(4, 8)).dtype == torch.float32


def test_a_model_with_mmdet_rpn_or_roi_heads_trains_in_fp32_on_a_cpu(bf16_cpu, logged):
    # mmcv's CPU NMS and RoIAlign take fp32 only: Mask R-CNN under bf16 autocast would stop
    # at its first RPN proposal step ("expected scalar type Float but found BFloat16").
    from mmdet.models.dense_heads import RPNHead
    model = nn.ModuleDict(dict(backbone=_net(), rpn_head=RPNHead(in_channels=4, num_classes=1)))
    wrapper = _wrapper(model)
    with wrapper.optim_context(model):
        out = model['backbone'](torch.randn(4, 8))
    assert out.dtype == torch.float32 and wrapper.precision == 'fp32'
    assert any('RPNHead' in m and 'fp32' in m for m in logged)
    plain = _net()
    wrapper = _wrapper(plain)
    with wrapper.optim_context(plain):
        assert plain(torch.randn(4, 8)).dtype == torch.bfloat16


def test_bad_cpu_dtype_is_rejected_at_build_time():
    with pytest.raises(ValueError, match="cpu_dtype must be one of .*'float16'"):
        _wrapper(_net(), cpu_dtype='float16')


def test_accumulation_clipping_and_state_dict_are_optim_wrapper_s(bf16_cpu):
    # In fp32 the CPU path must be OptimWrapper exactly; bf16 only changes the forward.
    settings = dict(accumulative_counts=2, clip_grad=dict(max_norm=0.1))
    models, wrappers = [], []
    for wrapper_type in ('OptimWrapper', 'MixedPrecisionOptimWrapper'):
        model = _net()
        extra = dict(cpu_dtype='float32') if wrapper_type != 'OptimWrapper' else {}
        wrappers.append(
            OPTIM_WRAPPERS.build(
                dict(
                    type=wrapper_type,
                    optimizer=torch.optim.AdamW(model.parameters(), lr=1e-2),
                    **settings,
                    **extra)))
        models.append(model)
    torch.manual_seed(1)
    batches = [torch.randn(4, 8) for _ in range(4)]
    for model, wrapper in zip(models, wrappers):
        wrapper.initialize_count_status(model, 0, 4)
        for x in batches:
            with wrapper.optim_context(model):
                loss = model(x).pow(2).mean()
            wrapper.update_params(loss)
    for a, b in zip(models[0].parameters(), models[1].parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert wrappers[1].state_dict().keys() == wrappers[0].state_dict().keys()


def test_cpu_ignores_a_gpu_loss_scaler_state(bf16_cpu, logged):
    model = _net()
    wrapper = _wrapper(model)
    state = wrapper.state_dict()
    state['loss_scaler'] = dict(scale=65536.0, growth_factor=2.0)
    wrapper.load_state_dict(state)
    assert any('loss-scaler' in m for m in logged)
    assert 'loss_scaler' not in wrapper.state_dict()


def test_with_a_gpu_it_is_amp_optim_wrapper(monkeypatch, logged):
    from mmengine.optim.optimizer import amp_optimizer_wrapper
    from mmengine.runner import amp
    monkeypatch.setattr(mp, '_has_accelerator', lambda: True)
    monkeypatch.setattr(amp_optimizer_wrapper, 'is_cuda_available', lambda: True)
    autocasts = []

    def fake_autocast(**kwargs):
        autocasts.append(kwargs)
        return torch.autocast('cpu', enabled=False)

    monkeypatch.setattr(amp, 'autocast', fake_autocast)
    model = _net()
    wrapper = _wrapper(model, loss_scale=512.)
    assert wrapper.precision == 'fp16'
    assert wrapper.loss_scaler is not None and wrapper._scale_update_param == 512.
    assert any('AmpOptimWrapper' in m for m in logged)
    with wrapper.optim_context(model):
        pass
    assert autocasts == [dict(dtype=None)]  # mmengine's AMP autocast, fp16 by default
    scaled = []
    monkeypatch.setattr(wrapper.loss_scaler, 'scale', lambda loss: scaled.append(loss) or loss)
    wrapper.backward(model(torch.randn(2, 8)).sum())
    assert len(scaled) == 1
    assert 'loss_scaler' in wrapper.state_dict()


def check_support(monkeypatch, flags):
    """``cpu_bf16_support()`` on a CPU with these flags, uncached."""
    mp.cpu_bf16_support.cache_clear()
    monkeypatch.setattr(mp, '_cpu_flags', lambda: flags)
    try:
        return mp.cpu_bf16_support()
    finally:
        mp.cpu_bf16_support.cache_clear()


def test_support_check_wants_native_bf16_instructions(monkeypatch):
    # the flag check comes after oneDNN's: make it reachable on a CPU whose oneDNN lacks bf16
    monkeypatch.setattr(mp, '_onednn_has_bf16', lambda: True)
    supported, reason = check_support(monkeypatch, {'avx2', 'avx512f', 'avx512bw'})
    assert not supported and 'native bf16' in reason


@pytest.mark.skipif(
    not torch.ops.mkldnn._is_mkldnn_bf16_supported(),
    reason='oneDNN has no bf16 kernels for this CPU')
def test_support_check_passes_with_native_bf16(monkeypatch):
    monkeypatch.setattr(mp, '_bf16_attention_runs', lambda: True)
    assert check_support(monkeypatch, {'avx512f', 'avx512_bf16'})[0]


@pytest.mark.skipif(
    not torch.ops.mkldnn._is_mkldnn_bf16_supported(),
    reason='oneDNN has no bf16 kernels for this CPU')
def test_support_check_refuses_when_bf16_attention_fails(monkeypatch):

    def failing(*args, **kwargs):
        raise RuntimeError('pack_vnni2 is only supported when avx512 is supported')

    monkeypatch.setattr(mp.F, 'scaled_dot_product_attention', failing)
    supported, reason = check_support(monkeypatch, {'avx512f', 'avx512_bf16'})
    assert not supported and 'attention' in reason


class _Recorder(Hook):
    """Optimizer state at the start; losses, group ids and decoder output dtype per iteration."""

    def __init__(self):
        self.losses, self.group_ids, self.pred_dtypes = [], [], []

    def before_train(self, runner):
        # Runs after the Runner has loaded a checkpoint it resumes from.
        self.optim_state = copy.deepcopy(runner.optim_wrapper.state_dict())
        runner.model.neck.register_forward_hook(self._record)

    def _record(self, module, args, out):
        self.group_ids.append(args[1].clone())
        self.pred_dtypes.append(out.dtype)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(outputs['loss'].item())


def _mini_mixmae_cfg(work_dir, cpu_dtype, max_iters=20):
    """The demo's mini MixMAE (8 images = 2 mixed inputs per step) on the bundled photos."""
    cfg = Config.fromfile(DEMO)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = f'bf16_{uuid.uuid4().hex[:8]}'
    cfg.train_cfg.max_iters = max_iters
    cfg.train_dataloader.update(batch_size=8, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.views_per_image = 2
    cfg.optim_wrapper.cpu_dtype = cpu_dtype
    cfg.default_hooks.logger.interval = 100
    cfg.default_hooks.checkpoint.interval = 10
    cfg.default_hooks.checkpoint.max_keep_ckpts = 2
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h.type != 'MixMAEReconstructionHook']
    cfg.log_level = 'WARNING'
    return cfg


def _train(cfg, resume_from=None):
    if resume_from is not None:
        cfg.resume, cfg.load_from = True, resume_from
    runner = Runner.from_cfg(cfg)
    recorder = _Recorder()
    runner.register_hook(recorder)
    runner.train()
    return runner, recorder


@pytest.mark.slow
def test_mini_mixmae_trains_20_iterations_in_bf16_like_fp32_and_resumes(bf16_cpu, tmp_path):
    fp32, fp32_rec = _train(_mini_mixmae_cfg(tmp_path / 'fp32', 'float32'))
    bf16, bf16_rec = _train(_mini_mixmae_cfg(tmp_path / 'bf16', 'bfloat16'))
    assert fp32.optim_wrapper.precision == 'fp32' and bf16.optim_wrapper.precision == 'bf16'
    assert set(fp32_rec.pred_dtypes) == {torch.float32}
    assert set(bf16_rec.pred_dtypes) == {torch.bfloat16}

    # Same seed: the same mixing (group ids, hence masks) at every iteration.
    assert len(bf16_rec.group_ids) == 20
    for a, b in zip(fp32_rec.group_ids, bf16_rec.group_ids):
        assert torch.equal(a, b)

    # Losses track within 2^-8 (0.4%) relative at every iteration: one bf16 rounding step
    # of the loss. Per element, bf16 rounds activations by at most 2^-9 relative; the loss
    # averages thousands of squared errors against fp32 targets, so rounding alone moves it
    # far less (measured: at most 1.1e-4 relative over the 20 iterations). A gap growing
    # past 2^-8 means drift: weights diverging through the AdamW steps, or targets/loss
    # computed at bf16 precision.
    l32, l16 = np.array(fp32_rec.losses), np.array(bf16_rec.losses)
    rel = np.abs(l16 - l32) / l32
    assert rel.max() < 2**-8, rel
    assert not np.array_equal(l16, l32)  # bf16 did change the arithmetic
    assert l16[-5:].mean() < l16[:5].mean()  # and it trains

    for p in bf16.model.parameters():
        assert p.dtype == torch.float32

    # The optimizer state round-trips through the real checkpoint written at iteration 10,
    # and the resumed run continues in bf16 from iteration 10 to 20.
    ckpt_path = str(tmp_path / 'bf16' / 'iter_10.pth')
    saved = torch.load(ckpt_path, map_location='cpu', weights_only=False)['optimizer']
    cont, cont_rec = _train(_mini_mixmae_cfg(tmp_path / 'cont', 'bfloat16'), resume_from=ckpt_path)
    loaded = cont_rec.optim_state
    assert loaded['param_groups'] == saved['param_groups']
    assert loaded['state'].keys() == saved['state'].keys() and saved['state']
    for key, state in saved['state'].items():
        for name, value in state.items():
            assert torch.equal(loaded['state'][key][name], value), (key, name)
    assert cont.iter == 20 and len(cont_rec.losses) == 10
    assert cont.optim_wrapper.precision == 'bf16'
    assert set(cont_rec.pred_dtypes) == {torch.bfloat16}
    for state in cont.optim_wrapper.optimizer.state.values():
        assert state['exp_avg'].dtype == torch.float32
    assert np.all(np.isfinite(cont_rec.losses))
