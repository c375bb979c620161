#!/usr/bin/env python
"""Entry point: `python run_sim.py ...` is the same as `run-sim ...`."""
import sys

from sim.cli import main

if __name__ == "__main__":
    sys.exit(main())
