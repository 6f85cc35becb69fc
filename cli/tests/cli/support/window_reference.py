"""Event-time windows of a CSV `key,event_time_ms,value`, for input whose disorder stays
within the watermark bound (so no record is late): every window of every record.

    window_reference.py INPUT SIZE_MS SLIDE_MS OUT

Writes `key,window_start,window_end,count,sum` ordered by start, key, end.
"""

import sys
from collections import defaultdict


def main():
    path, size, slide, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    windows = defaultdict(lambda: [0, 0.0])
    with open(path) as f:
        for n, line in enumerate(f):
            line = line.strip()
            if not line or (n == 0 and line.startswith("key")):
                continue
            key, ts, value = line.split(",", 2)
            ts, value = int(ts), float(value)
            start = ts - ts % slide  # Python's % is the Euclidean remainder here
            while start > ts - size:
                w = windows[(start, key, start + size)]
                w[0] += 1
                w[1] += value
                start -= slide
    with open(out, "w") as f:
        f.write("key,window_start,window_end,count,sum\n")
        for (start, key, end), (count, total) in sorted(windows.items()):
            f.write(f"{key},{start},{end},{count},{total!r}\n")


if __name__ == "__main__":
    main()
