"""Analyses built on many study runs: global sensitivity and the options search."""
