#!/usr/bin/env python3
"""anchors_check.py - how far the anchors' run agrees with ours, cell by cell.

    bench/anchors_check.py ANCHORS/results/medians.txt bench/results/medians.txt

Both files are the medians that the anchors' run.sh and bench/run.sh write
(`program workload flavor N median min max runs`).  A cell of a program
that both ran agrees when the two medians are within 15 % of each other,
or when the ranges of the two runs' rounds (min to max) overlap: on a
shared two-core host one cell's rounds may spread tenfold, and a fixed
percentage alone then calls noise a disagreement.  Prints, per program,
both counts and every cell that agrees by neither; the peers' total last.
Exits 1 when the files have no cell in common.
"""
import sys

from tabulate import is_number, read_lines

PEERS = ["go", "flume", "crossbeam", "rust_std"]
OTHERS = ["libmpsc", "floor"]
NEAR = 0.15


def load(path):
    """(program, workload, flavor) -> (median, min, max), measured cells only
    (a program without a case writes n/a there)."""
    return {tuple(f[:3]): tuple(float(x) for x in f[4:7])
            for f in read_lines(path) if len(f) >= 7 and all(is_number(x) for x in f[4:7])}


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    theirs, ours = load(argv[1]), load(argv[2])
    common = 0
    total = near_total = either_total = 0
    for prog in PEERS + OTHERS:
        keys = sorted(k for k in theirs if k[0] == prog and k in ours)
        common += len(keys)
        near = {k for k in keys if abs(theirs[k][0] / ours[k][0] - 1) <= NEAR}
        overlap = {k for k in keys if theirs[k][1] <= ours[k][2] and ours[k][1] <= theirs[k][2]}
        agree = near | overlap
        print(f"{prog}: {len(near)} of {len(keys)} within {NEAR:.0%}, "
              f"{len(overlap)} with overlapping ranges, {len(agree)} by either")
        for k in keys:
            if k not in agree:
                (tm, tlo, thi), (om, olo, ohi) = theirs[k], ours[k]
                print(f"   {k[1]} {k[2]}: theirs {tm:.2f} ({tlo:.2f}-{thi:.2f}), "
                      f"ours {om:.2f} ({olo:.2f}-{ohi:.2f}), ratio {tm / om:.2f}")
        if prog in PEERS:
            total += len(keys)
            near_total += len(near)
            either_total += len(agree)
    print(f"peers: {near_total} of {total} within {NEAR:.0%}, {either_total} by either count")
    return 0 if common else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
