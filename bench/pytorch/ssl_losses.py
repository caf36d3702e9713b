"""Barlow Twins, SimCLR's NT-Xent and BYOL's loss as jvicreg computes them (vicreg/.../loss/BarlowTwinsLoss.java,
NtXentLoss.java and ByolLoss.java, checked against PyTorch by SslLossesTest and ByolParityTest): the losses
recipe_r.py trains with --loss."""
import torch
import torch.nn.functional as F


def barlow_twins(z1, z2, lambd=0.0051):
    """facebookresearch/barlowtwins: batch norm without affine on each branch, c = bn(z1)^T bn(z2) / N,
    loss = sum over the diagonal of (c_ii - 1)^2 + lambd * sum over the rest of c_ij^2."""
    n = z1.shape[0]
    c = F.batch_norm(z1, None, None, training=True).T @ F.batch_norm(z2, None, None, training=True) / n
    diagonal = torch.diagonal(c)
    on = (diagonal - 1).pow(2).sum()
    off = c.pow(2).sum() - diagonal.pow(2).sum()
    return on + lambd * off


def nt_xent(z1, z2, temperature=0.2):
    """SimCLR: L2-normalised embeddings, cosine similarity / T between all 2N views, each view's positive
    its other view and the 2N - 2 others its negatives, mean cross-entropy."""
    n = z1.shape[0]
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    logits = (z @ z.T / temperature).masked_fill(torch.eye(2 * n, dtype=torch.bool), float("-inf"))
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(logits, positives)


def byol(p1, p2, t1, t2):
    """BYOL (Grill et al. 2020): 2 - 2 cos(p, t) between each view's online prediction and the target's projection
    of the other view (constants: computed without gradient), averaged over the batch, the two directions added."""
    def normalized_mse(p, t):
        return (2 - 2 * (F.normalize(p, dim=-1) * F.normalize(t, dim=-1)).sum(dim=-1)).mean()
    return normalized_mse(p1, t2) + normalized_mse(p2, t1)
