"""Bridges: betweenness centrality in the members' interaction graph. No Django.

A member through whom many shortest paths between others pass joins groups that would otherwise
not meet: the links the book asks to facilitate. Up to EXACT_NODES members with ties, betweenness is
exact (Brandes, parallel in rustworkx). Above, it is estimated from sources drawn at random
with a fixed seed (Brandes and Pich, 2007): each pivot's shortest-path dependencies are computed
exactly, level by level over the whole graph with numpy, and the sum is scaled by n / pivots. Every
member with ties gets a score (there is no cap on the graph any more).

The estimate is unbiased; its error against the exact scores (bench/members.py, a graph of 5,000
members and 54,000 ties): with 256 pivots the largest error is 2 % of the top score, the ranks
correlate at 0.94 and three quarters of the exact bridges are found; with 32 pivots (the floor, for
the largest graphs) 8 %, 0.93 and two thirds. The recompute takes pivots_for(ties) pivots.
"""

from __future__ import annotations

import random

import numpy as np
import numpy.typing as npt
import rustworkx as rx

BRIDGE_SHARE = 0.05  # the top 5 % by betweenness, when above zero
# Exact betweenness is O(V·E): 5,000 members with 78,000 ties took 100 s on a 2-core machine.
EXACT_NODES = 2000
# Sources of the sampled estimate above EXACT_NODES: each costs one pass over the graph, so a large
# graph gets fewer (PIVOT_WORK ties visited in all), never fewer than MIN_PIVOTS.
PIVOTS = 256
MIN_PIVOTS = 32
PIVOT_WORK = 100_000_000
SEED = 20_260_101

IntArray = npt.NDArray[np.integer]
FloatArray = npt.NDArray[np.float64]


def betweenness(ties: dict[int, dict[int, float]]) -> dict[int, float]:
    """Normalized betweenness of each member with ties; ties are undirected (a→b or b→a is one edge)."""
    members = sorted(set(ties) | {p for partners in ties.values() for p in partners})
    position = {m: i for i, m in enumerate(members)}
    pairs = {
        (min(position[m], position[p]), max(position[m], position[p]))
        for m, partners in ties.items()
        for p in partners
        if p != m
    }
    first = np.fromiter((a for a, _ in pairs), dtype=np.int64, count=len(pairs))
    second = np.fromiter((b for _, b in pairs), dtype=np.int64, count=len(pairs))
    scores = betweenness_arrays(len(members), first, second)
    return {m: float(scores[i]) for i, m in enumerate(members)}


def betweenness_arrays(
    nodes: int, first: IntArray, second: IntArray, *, pivots: int | None = None, seed: int = SEED
) -> FloatArray:
    """Normalized betweenness of nodes 0..nodes-1 joined by the undirected edges (first[i], second[i]).

    Exact (rustworkx) up to EXACT_NODES nodes, unless `pivots` is given; else estimated from
    `pivots` sources (pivots_for the graph by default), fewer than the nodes.
    """
    if nodes < 3:
        return np.zeros(nodes)
    if pivots is None:
        if nodes <= EXACT_NODES:
            return exact(nodes, first, second)
        pivots = pivots_for(first.size)
    if pivots >= nodes:
        return exact(nodes, first, second)
    return sampled(nodes, first, second, pivots=pivots, seed=seed)


def pivots_for(edges: int) -> int:
    """How many pivots the estimate takes on a graph of so many ties."""
    return max(MIN_PIVOTS, min(PIVOTS, PIVOT_WORK // max(1, 2 * edges)))


def exact(nodes: int, first: IntArray, second: IntArray) -> FloatArray:
    graph = rx.PyGraph(multigraph=False)
    graph.add_nodes_from(range(nodes))
    graph.add_edges_from_no_data(list(zip(first.tolist(), second.tolist(), strict=True)))
    scores = rx.graph_betweenness_centrality(graph, normalized=True)
    out = np.zeros(nodes)
    for node, value in scores.items():
        out[node] = value
    return out


def csr(nodes: int, first: IntArray, second: IntArray) -> tuple[IntArray, IntArray]:
    """Adjacency in compressed rows (both directions of each edge): (offsets, neighbours)."""
    keep = first != second
    a = np.concatenate([first[keep], second[keep]])
    b = np.concatenate([second[keep], first[keep]])
    order = np.argsort(a, kind="stable")
    neighbours = b[order].astype(np.int32)
    offsets = np.zeros(nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(a, minlength=nodes), out=offsets[1:])
    return offsets, neighbours


def sampled(nodes: int, first: IntArray, second: IntArray, *, pivots: int, seed: int = SEED) -> FloatArray:
    """Brandes' dependencies from `pivots` random sources, scaled to estimate the normalized betweenness."""
    offsets, neighbours = csr(nodes, first, second)
    sources = random.Random(seed).sample(range(nodes), pivots)
    total = np.zeros(nodes)
    for source in sources:
        total += dependencies(offsets, neighbours, source)
    # Every ordered pair (s, t) counted once per source: scale to all sources, then normalize as
    # rustworkx does for an undirected graph (by (n-1)(n-2), pairs counted in both directions).
    return total * (nodes / pivots) / ((nodes - 1) * (nodes - 2))


def dependencies(offsets: IntArray, neighbours: IntArray, source: int) -> FloatArray:
    """δ_s(v) for every v: the share of shortest paths from `source` that pass through v (Brandes)."""
    nodes = offsets.size - 1
    distance = np.full(nodes, -1, dtype=np.int32)
    sigma = np.zeros(nodes)
    distance[source] = 0
    sigma[source] = 1.0
    frontier: IntArray = np.array([source], dtype=np.int32)
    levels: list[tuple[IntArray, IntArray]] = []  # per level, the edges (u → w) of shortest paths
    depth = 0
    while frontier.size:
        starts = offsets[frontier]
        counts = offsets[frontier + 1] - starts
        reached = int(counts.sum())
        if not reached:
            break
        # The neighbours of the whole frontier at once: one gather over their adjacency slices.
        ends = np.cumsum(counts)
        index = np.arange(reached, dtype=np.int64) + np.repeat(starts - (ends - counts), counts)
        ahead = neighbours[index]
        seen = distance[ahead]
        fresh = seen < 0
        distance[ahead[fresh]] = depth + 1
        on_path = fresh | (seen == depth + 1)
        u, w = np.repeat(frontier, counts)[on_path], ahead[on_path]
        if not u.size:
            break
        sigma += _sum_into(w, sigma[u], nodes)
        levels.append((u, w))
        frontier = np.flatnonzero(distance == depth + 1)
        depth += 1
    delta = np.zeros(nodes)
    for u, w in reversed(levels):
        delta += _sum_into(u, sigma[u] / sigma[w] * (1.0 + delta[w]), nodes)
    delta[source] = 0.0
    return delta


def _sum_into(index: IntArray, values: FloatArray, nodes: int) -> FloatArray:
    """Per node, the sum of the values at its positions: a dense pass for a large level, sparse else."""
    if index.size * 8 >= nodes:
        return np.bincount(index, weights=values, minlength=nodes).astype(np.float64, copy=False)
    out = np.zeros(nodes)
    np.add.at(out, index, values)
    return out


def bridges(scores: dict[int, float]) -> set[int]:
    positive = sorted((v for v in scores.values() if v > 0), reverse=True)
    if not positive:
        return set()
    cut = positive[max(0, int(len(scores) * BRIDGE_SHARE) - 1)] if len(positive) > 1 else positive[0]
    return {m for m, v in scores.items() if v >= cut and v > 0}


def bridges_of(scores: FloatArray) -> npt.NDArray[np.bool_]:
    """`bridges` over an array of scores: whether each is among the top BRIDGE_SHARE (above zero)."""
    positive = np.sort(scores[scores > 0])[::-1]
    if not positive.size:
        return np.zeros(scores.shape, dtype=bool)
    cut = (
        positive[min(positive.size - 1, max(0, int(scores.size * BRIDGE_SHARE) - 1))]
        if positive.size > 1
        else positive[0]
    )
    return (scores >= cut) & (scores > 0)
