"""networkx's directed triad census of an edge list (argv[1], `a b` lines) as a
DiGraph: duplicate edges count once; self-loops are left in the graph, where networkx's
census ignores them. Prints `type count` lines in networkx's order."""
import sys

import networkx as nx

G = nx.DiGraph()
with open(sys.argv[1]) as f:
    for line in f:
        a, b = map(int, line.split())
        G.add_edge(a, b)
for name, count in nx.triadic_census(G).items():
    print(name, count)
