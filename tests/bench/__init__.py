"""`make bench` (`python -m tests.bench`): the figures of issue 10, each against its baseline
measured in the same run, one line each, written to `bench-results.json`.

One module per group of figures (digest, outbox, reads, fanout, startup); each `measure(folder)`
returns its `Figure`s and bounds every loop in count and in time.
"""
