"""Event-time windows of a CSV `key,event_time_ms,value`, for input whose disorder stays
within the watermark bound (so no record is late): every window of every record.

    window_reference.py INPUT SIZE_MS SLIDE_MS OUT
    window_reference.py INPUT session GAP_MS OUT   (windows [t, t + gap) merged while
                                                    they overlap or touch)

Writes `key,window_start,window_end,count,sum` ordered by start, key, end.
"""

import sys
from collections import defaultdict


def read(path):
    with open(path) as f:
        for n, line in enumerate(f):
            line = line.strip()
            if not line or (n == 0 and line.startswith("key")):
                continue
            key, ts, value = line.split(",", 2)
            yield key, int(ts), float(value)


def sessions(path, gap):
    by_key = defaultdict(list)
    for key, ts, value in read(path):
        by_key[key].append((ts, value))
    windows = {}
    for key, records in by_key.items():
        current = None
        for ts, value in sorted(records, key=lambda r: r[0]):
            if current is not None and ts <= current[1]:
                current[1] = max(current[1], ts + gap)
                current[2] += 1
                current[3] += value
            else:
                if current is not None:
                    windows[(current[0], key, current[1])] = current[2:]
                current = [ts, ts + gap, 1, value]
        windows[(current[0], key, current[1])] = current[2:]
    return windows


def sliding(path, size, slide):
    windows = defaultdict(lambda: [0, 0.0])
    for key, ts, value in read(path):
        start = ts - ts % slide  # Python's % is the Euclidean remainder here
        while start > ts - size:
            w = windows[(start, key, start + size)]
            w[0] += 1
            w[1] += value
            start -= slide
    return windows


def main():
    path, out = sys.argv[1], sys.argv[4]
    if sys.argv[2] == "session":
        windows = sessions(path, int(sys.argv[3]))
    else:
        windows = sliding(path, int(sys.argv[2]), int(sys.argv[3]))
    with open(out, "w") as f:
        f.write("key,window_start,window_end,count,sum\n")
        for (start, key, end), (count, total) in sorted(windows.items()):
            f.write(f"{key},{start},{end},{count},{total!r}\n")


if __name__ == "__main__":
    main()
