"""Parameters and FLOPs at 224x224 (encoder + 1000-class linear head) against the papers.

PVT paper (Wang et al. 2021) Table 2: PVT-Large 61.4M, 9.8 GFLOPs. Twins paper (Chu et al.
2021) Table 3: Twins-SVT-L 99.2M, 15.1 GFLOPs. DeiT/ViT-B/16: 86.6M, 17.5-17.6 GFLOPs (ours
has no class token, 196 instead of 197 tokens).
"""
import pytest
import torch
import torch.nn as nn

from mixmim_mm.models.backbones import MixMAESVT, MixMAEViT
from mixmim_mm.utils.meta_flops import count_flops_meta


class Classifier(nn.Module):

    def __init__(self, backbone, width):
        super().__init__()
        self.backbone = backbone
        self.head = nn.Linear(width, 1000)

    def forward(self, x):
        feat = self.backbone(x)[-1]
        return self.head(feat.mean(dim=(2, 3)) if feat.dim() == 4 else feat)


def pvt_large():
    from mixmim_mm.models.backbones import MixMAEPVT
    return MixMAEPVT(arch='large', final_norm=True, out_indices=(3, )), 512


ENCODERS = {
    'pvt-large': (pvt_large, 61.4, 9.8),
    'twins-svt-large': (lambda: (MixMAESVT(arch='large'), 1024), 99.2, 15.1),
    'vit-base': (lambda: (MixMAEViT(arch='base', out_type='avg_featmap'), 768), 86.6, 17.5),
}


@pytest.mark.parametrize('name', sorted(ENCODERS))
def test_params_and_flops_match_the_architecture_papers(name):
    make, mparams, gflops = ENCODERS[name]
    model = Classifier(*make()).eval()
    params = sum(p.numel() for p in model.parameters())
    assert params / 1e6 == pytest.approx(mparams, rel=0.01)
    assert count_flops_meta(model, torch.randn(1, 3, 224, 224)) / 1e9 == pytest.approx(
        gflops, rel=0.01)
