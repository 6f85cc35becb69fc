"""networkx 3.4.2's directed triad census of a slice of a real directed graph, the
reference for `strom run graph --algorithm triadic-census`.

    triad_census.py EDGES LOW HIGH OUT_DIR

Takes the edges of EDGES ("src dst" lines, `#` comments; Debian's dependency graph
from graph_reference.py, ids in package-name order) whose ends are both in
LOW..HIGH-1, writes them to OUT_DIR/slice.txt and the census of their DiGraph
(duplicates once, self-loops ignored by networkx) to OUT_DIR/slice-triadic-census.csv
as "triad,count" rows in networkx's order.
"""

import sys

import networkx as nx


def main():
    edges, low, high, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    g = nx.DiGraph()
    with open(edges) as f, open(f"{out}/slice.txt", "w") as sliced:
        for line in f:
            fields = line.split()
            if not fields or fields[0].startswith(("#", "%")):
                continue
            a, b = int(fields[0]), int(fields[1])
            if low <= a < high and low <= b < high:
                g.add_edge(a, b)
                sliced.write(f"{a} {b}\n")
    with open(f"{out}/slice-triadic-census.csv", "w") as f:
        f.write("triad,count\n")
        for triad, count in nx.triadic_census(g).items():
            f.write(f"{triad},{count}\n")


if __name__ == "__main__":
    main()
