"""Regenerate the sample: ``python -m eachlabs_analytics.sandbox --out data/x.parquet``."""

from eachlabs_analytics.sandbox.generator import main

if __name__ == "__main__":
    raise SystemExit(main())
