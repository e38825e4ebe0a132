"""Bridges: betweenness centrality in the members' interaction graph (rustworkx). No Django.

A member through whom many shortest paths between others pass joins groups that would otherwise
not meet: the links the book asks to facilitate. Exact (Brandes, parallel in rustworkx); the graph
holds only members with at least one tie, and at most MAX_NODES of them.
"""

from __future__ import annotations

import rustworkx as rx

BRIDGE_SHARE = 0.05  # the top 5 % by betweenness, when above zero
# Exact betweenness is O(V·E): 5,000 members with 78,000 ties took 100 s on a 2-core machine
# (bench/members.py). Above this many members with ties, only the most connected are kept: the
# others' betweenness is left at 0, an approximation (bridges are among the connected ones).
MAX_NODES = 2000


def betweenness(ties: dict[int, dict[int, float]]) -> dict[int, float]:
    """Normalized betweenness of each member with ties; ties are undirected (a→b or b→a is one edge)."""
    if len(ties) > MAX_NODES:
        kept = set(sorted(ties, key=lambda m: (-len(ties[m]), m))[:MAX_NODES])
        ties = {m: {p: w for p, w in ties[m].items() if p in kept} for m in kept}
    graph = rx.PyGraph(multigraph=False)
    index: dict[int, int] = {}
    for member in ties:
        index[member] = graph.add_node(member)
    edges: set[tuple[int, int]] = set()
    for member, partners in ties.items():
        for partner in partners:
            if partner not in index:
                index[partner] = graph.add_node(partner)
            if partner != member:
                edges.add((min(member, partner), max(member, partner)))
    graph.add_edges_from_no_data([(index[a], index[b]) for a, b in sorted(edges)])
    if graph.num_nodes() < 3:
        return dict.fromkeys(index, 0.0)
    scores = rx.graph_betweenness_centrality(graph, normalized=True)
    return {member: float(scores[node]) for member, node in index.items()}


def bridges(scores: dict[int, float]) -> set[int]:
    positive = sorted((v for v in scores.values() if v > 0), reverse=True)
    if not positive:
        return set()
    cut = positive[max(0, int(len(scores) * BRIDGE_SHARE) - 1)] if len(positive) > 1 else positive[0]
    return {m for m, v in scores.items() if v >= cut and v > 0}
