"""Independent references for the graph jobs, and a real graph to run them on.

    graph_reference.py debian-graph OUT_DIR
        The dependency graph of Debian bookworm's main archive (amd64): one vertex per
        package name (ids by sorted name), one edge per Depends/Pre-Depends alternative.
        Writes OUT_DIR/edges.txt ("src dst") and OUT_DIR/vertices.txt (every package).
    graph_reference.py pagerank EDGES VERTICES ITERATIONS DAMPING OUT
        A plain power iteration, as the job defines PageRank.
    graph_reference.py pagerank-networkx EDGES VERTICES DAMPING OUT
        networkx's PageRank of the multigraph, iterated to convergence.
    graph_reference.py components EDGES VERTICES OUT
        networkx's connected components, labelled by their smallest vertex id.

Outputs are CSV with a header, ordered by vertex id.
"""

import lzma
import sys
import urllib.request

PACKAGES = "http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages.xz"


def read_graph(edges_path, vertices_path):
    edges = []
    with open(edges_path) as f:
        for line in f:
            fields = line.replace(",", " ").split()
            if fields and not fields[0].startswith(("#", "%")):
                edges.append((int(fields[0]), int(fields[1])))
    vertices = set(v for e in edges for v in e)
    if vertices_path != "-":
        with open(vertices_path) as f:
            vertices.update(int(line) for line in f if line.strip())
    return edges, sorted(vertices)


def write(out, header, rows):
    with open(out, "w") as f:
        f.write(header + "\n")
        for v, x in rows:
            f.write(f"{v},{x!r}\n")


def debian_graph(out_dir):
    data = lzma.decompress(urllib.request.urlopen(PACKAGES, timeout=60).read()).decode()
    packages, deps = [], []
    for stanza in data.split("\n\n"):
        name = None
        for line in stanza.split("\n"):
            if line.startswith("Package: "):
                name = line[len("Package: "):].strip()
            elif line.startswith(("Depends: ", "Pre-Depends: ")):
                for alternative in line.split(":", 1)[1].replace("|", ",").split(","):
                    dep = alternative.strip().split(" ")[0].split(":")[0]
                    if dep:
                        deps.append((name, dep))
        if name:
            packages.append(name)
    ids = {n: i for i, n in enumerate(sorted(set(packages) | {d for _, d in deps}))}
    with open(f"{out_dir}/edges.txt", "w") as f:
        f.write("# Debian bookworm main: package -> dependency\n")
        for a, b in deps:
            f.write(f"{ids[a]} {ids[b]}\n")
    with open(f"{out_dir}/vertices.txt", "w") as f:
        for n in sorted(set(packages)):
            f.write(f"{ids[n]}\n")


def pagerank(edges, vertices, iterations, d):
    n = len(vertices)
    degree = {}
    for a, _ in edges:
        degree[a] = degree.get(a, 0) + 1
    rank = {v: 1.0 / n for v in vertices}
    for _ in range(iterations):
        dangling = sum(r for v, r in rank.items() if v not in degree)
        base = (1.0 - d) / n + d * dangling / n
        nxt = {v: base for v in vertices}
        for a, b in edges:
            nxt[b] += d * rank[a] / degree[a]
        rank = nxt
    return sorted(rank.items())


def main():
    cmd = sys.argv[1]
    if cmd == "debian-graph":
        debian_graph(sys.argv[2])
    elif cmd == "pagerank":
        edges, vertices = read_graph(sys.argv[2], sys.argv[3])
        rows = pagerank(edges, vertices, int(sys.argv[4]), float(sys.argv[5]))
        write(sys.argv[6], "vertex,rank", rows)
    elif cmd == "pagerank-networkx":
        import networkx as nx
        from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

        edges, vertices = read_graph(sys.argv[2], sys.argv[3])
        g = nx.MultiDiGraph()
        g.add_nodes_from(vertices)
        g.add_edges_from(edges)
        ranks = _pagerank_python(g, alpha=float(sys.argv[4]), max_iter=10000, tol=1e-15)
        write(sys.argv[5], "vertex,rank", sorted(ranks.items()))
    elif cmd == "components":
        import networkx as nx

        edges, vertices = read_graph(sys.argv[2], sys.argv[3])
        g = nx.Graph()
        g.add_nodes_from(vertices)
        g.add_edges_from(edges)
        rows = []
        for component in nx.connected_components(g):
            label = min(component)
            rows.extend((v, label) for v in component)
        write(sys.argv[4], "vertex,component", sorted(rows))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
