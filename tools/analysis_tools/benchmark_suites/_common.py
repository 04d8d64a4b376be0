"""Inputs shared by the benchmark suites."""
import torch


def images(args):
    """``make_inputs`` of a row that needs only a batch of random images."""
    return lambda: (torch.randn(args.batch_size, 3, args.img_size, args.img_size), [])
