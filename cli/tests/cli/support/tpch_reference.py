#!/usr/bin/env python3
"""Reference answers for `strom run tpch`, computed by DuckDB over the same Parquet files.

Usage: tpch_reference.py DATA_DIR OUT_DIR   (writes OUT_DIR/q{1,3,5,6,10}.csv)

The golden files in cli/tests/golden/tpch/ were made by this script over scale factor 0.1
data from `tpchgen-cli parquet -s 0.1` (tpchgen-cli 4.0.0 from PyPI); regenerate them with
`python3 cli/tests/cli/support/tpch_reference.py /tmp/tpch01 cli/tests/golden/tpch`.
Values keep DuckDB's full precision; the test compares them with Strom's to the cent.
"""
import os
import sys

import duckdb

QUERIES = {
    1: """
select l_returnflag, l_linestatus, sum(l_quantity) as sum_qty,
  sum(l_extendedprice) as sum_base_price,
  sum(l_extendedprice * (1 - l_discount)) as sum_disc_price,
  sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) as sum_charge,
  avg(l_quantity) as avg_qty, avg(l_extendedprice) as avg_price, avg(l_discount) as avg_disc,
  count(*) as count_order
from lineitem where l_shipdate <= date '1998-12-01' - interval '90' day
group by l_returnflag, l_linestatus order by l_returnflag, l_linestatus""",
    3: """
select l_orderkey, sum(l_extendedprice * (1 - l_discount)) as revenue, o_orderdate, o_shippriority
from customer, orders, lineitem
where c_mktsegment = 'BUILDING' and c_custkey = o_custkey and l_orderkey = o_orderkey
  and o_orderdate < date '1995-03-15' and l_shipdate > date '1995-03-15'
group by l_orderkey, o_orderdate, o_shippriority
order by revenue desc, o_orderdate, l_orderkey limit 10""",
    5: """
select n_name, sum(l_extendedprice * (1 - l_discount)) as revenue
from customer, orders, lineitem, supplier, nation, region
where c_custkey = o_custkey and l_orderkey = o_orderkey and l_suppkey = s_suppkey
  and c_nationkey = s_nationkey and s_nationkey = n_nationkey and n_regionkey = r_regionkey
  and r_name = 'ASIA' and o_orderdate >= date '1994-01-01' and o_orderdate < date '1995-01-01'
group by n_name order by revenue desc, n_name""",
    6: """
select sum(l_extendedprice * l_discount) as revenue from lineitem
where l_shipdate >= date '1994-01-01' and l_shipdate < date '1995-01-01'
  and l_discount between 0.05 and 0.07 and l_quantity < 24""",
    10: """
select c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) as revenue, c_acctbal,
  n_name, c_address, c_phone, c_comment
from customer, orders, lineitem, nation
where c_custkey = o_custkey and l_orderkey = o_orderkey and o_orderdate >= date '1993-10-01'
  and o_orderdate < date '1994-01-01' and l_returnflag = 'R' and c_nationkey = n_nationkey
group by c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment
order by revenue desc, c_custkey limit 20""",
}


def main():
    data, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    con = duckdb.connect()
    for table in ["customer", "orders", "lineitem", "supplier", "nation", "region"]:
        path = os.path.join(data, table + ".parquet")
        if not os.path.exists(path):
            path = os.path.join(data, table, "*.parquet")
        con.execute(f"create view {table} as select * from read_parquet('{path}')")
    for q, sql in QUERIES.items():
        con.execute(f"copy ({sql}) to '{os.path.join(out, f'q{q}.csv')}' (header, delimiter ',')")


if __name__ == "__main__":
    main()
