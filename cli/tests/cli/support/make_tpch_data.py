#!/usr/bin/env python3
"""Test data for `strom run tpch`: scale factor 0.1, written by two Parquet writers.

Usage: make_tpch_data.py TPCHGEN_CLI OUT_DIR

- OUT_DIR/arrow-rs: tpchgen-cli's own output (arrow-rs writer): one file per table,
  decimals stored as INT64, strings as Utf8View, dates as Date32.
- OUT_DIR/pyarrow: the same rows rewritten by pyarrow: decimals stored as 128-bit
  FIXED_LEN_BYTE_ARRAY, plain strings, and lineitem and orders split into folders of three
  files with small row groups (a folder of files is one data set).
"""
import os
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

TABLES = ["customer", "orders", "lineitem", "supplier", "nation", "region", "part", "partsupp"]


def main():
    tpchgen, out = sys.argv[1], sys.argv[2]
    arrow_rs = os.path.join(out, "arrow-rs")
    subprocess.run([tpchgen, "parquet", "-s", "0.1", "--output-dir", arrow_rs], check=True)
    py = os.path.join(out, "pyarrow")
    os.makedirs(py, exist_ok=True)
    for table in TABLES:
        t = pq.read_table(os.path.join(arrow_rs, table + ".parquet"))
        fields = [pa.field(f.name, pa.string() if f.type == pa.string_view() else f.type) for f in t.schema]
        t = t.cast(pa.schema(fields))
        if table in ("lineitem", "orders"):
            os.makedirs(os.path.join(py, table), exist_ok=True)
            n = t.num_rows
            for i in range(3):
                part = t.slice(i * n // 3, (i + 1) * n // 3 - i * n // 3)
                path = os.path.join(py, table, f"part-{i}.parquet")
                pq.write_table(part, path, row_group_size=40_000, compression="zstd")
        else:
            pq.write_table(t, os.path.join(py, table + ".parquet"), compression="snappy")
    # The point of this copy: decimals as 128-bit fixed-length byte arrays.
    meta = pq.ParquetFile(os.path.join(py, "customer.parquet")).metadata
    col = [meta.row_group(0).column(i) for i in range(meta.num_columns)
           if meta.row_group(0).column(i).path_in_schema == "c_acctbal"][0]
    assert col.physical_type == "FIXED_LEN_BYTE_ARRAY", col.physical_type


if __name__ == "__main__":
    main()
