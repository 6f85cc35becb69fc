"""Debian's package dependency graph as an edge list, for `strom-bench graph`.

argv: OUT. One vertex per package name (ids by sorted name), one edge
`package dependency` per alternative of a Depends or Pre-Depends field (version and
architecture qualifiers dropped), of Debian bookworm's main archive for amd64: the
same graph as the CLI tests' (`cli/tests/cli/support/graph_reference.py`). The package
list is the machine's own apt list when it has one
(/var/lib/apt/lists/*_debian_dists_bookworm_main_binary-amd64_Packages*, read through
`apt-helper cat-file`, which decompresses it), else it is downloaded from
deb.debian.org. Prints where it came from."""
import glob
import lzma
import subprocess
import sys
import urllib.request

MIRROR = "http://deb.debian.org/debian/dists/bookworm/main/binary-amd64/Packages.xz"
LOCAL = "/var/lib/apt/lists/*_debian_dists_bookworm_main_binary-amd64_Packages*"


def packages_text():
    for path in sorted(glob.glob(LOCAL)):
        text = subprocess.run(
            ["/usr/lib/apt/apt-helper", "cat-file", path],
            check=True, capture_output=True, text=True,
        ).stdout
        print(f"Debian package list: {path} (this machine's apt list)")
        return text
    print(f"Debian package list: {MIRROR}")
    return lzma.decompress(urllib.request.urlopen(MIRROR, timeout=120).read()).decode()


def dependencies(text):
    """(package, dependency) pairs, in the order of the list."""
    for stanza in text.split("\n\n"):
        name, fields = None, []
        for line in stanza.splitlines():
            key, _, value = line.partition(": ")
            if key == "Package":
                name = value.strip()
            elif key in ("Depends", "Pre-Depends"):
                fields.append(value)
        for value in fields:
            for alternative in value.replace("|", ",").split(","):
                dep = alternative.strip().split(" ")[0].split(":")[0]
                if name and dep:
                    yield name, dep


def main():
    pairs = list(dependencies(packages_text()))
    ids = {n: i for i, n in enumerate(sorted({n for pair in pairs for n in pair}))}
    with open(sys.argv[1], "w") as f:
        for a, b in pairs:
            f.write(f"{ids[a]} {ids[b]}\n")


main()
