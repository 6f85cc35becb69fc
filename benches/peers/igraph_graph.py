"""igraph's batch connected components and BFS, for `strom-bench incremental-graph`.

argv: an edge file (little-endian u64 pairs `source target`), the BFS root, and the
number of timed runs. Loads the graph once (untimed: directed, vertex ids 0..max),
then times `connected_components(mode="weak")` and `bfs(root, mode="out")` `runs`
times each, and prints one JSON object: the seconds of each run, and for the check,
the component sizes over the vertices that have an edge (`{size: components}`) and
the vertices reached per BFS depth."""
import array
import collections
import json
import sys
import time

import igraph as ig

path, root, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ids = array.array("Q")
with open(path, "rb") as f:
    ids.frombytes(f.read())
n = max(ids) + 1 if ids else 0
start = time.perf_counter()
g = ig.Graph(n=n, edges=list(zip(ids[0::2], ids[1::2])), directed=True)
load = time.perf_counter() - start
present = [d > 0 for d in g.degree()]
del ids

cc_seconds, bfs_seconds = [], []
for _ in range(runs):
    start = time.perf_counter()
    membership = g.connected_components(mode="weak").membership
    cc_seconds.append(time.perf_counter() - start)
    start = time.perf_counter()
    vids, layers, _ = g.bfs(root, mode="out") if root < n and present[root] else ([], [0], [])
    bfs_seconds.append(time.perf_counter() - start)

members = collections.Counter(m for m, p in zip(membership, present) if p)
sizes = collections.Counter(members.values())
depths = [layers[i + 1] - layers[i] for i in range(len(layers) - 1)]
print(json.dumps({
    "load_seconds": load,
    "cc_seconds": cc_seconds,
    "bfs_seconds": bfs_seconds,
    "cc_sizes": {str(k): v for k, v in sorted(sizes.items())},
    "bfs_depths": depths,
}))
