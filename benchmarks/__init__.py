"""aidr benchmarks: ``make bench`` (``.venv/bin/python -m benchmarks``).

Four figures, each judged against a target. The machines are shared and noisy, so the two timed figures
are ratios measured in the same run against a baseline, never absolute times; every measurement is
repeated and both the minimum and the median are printed.

1. **Replay throughput** (target <= 2.0x). A seeded corpus of 200,000 CloudTrail records, written once to
   ``.bench/`` as a trail delivers them (gzipped ``{"Records": [...]}`` files, one per region per five
   minutes, ~1.5 KB records): mostly background traffic (S3/Lambda/DynamoDB data events, KMS, STS, EC2,
   IAM, logs...), about 2 % Bedrock calls from three app roles, and a dozen attack steps. The ratio is
   ``aidr replay --format jsonl`` (in process through ``aidr_cli.replay.replay``, rendering to a null sink)
   divided by merely gunzipping and parsing the same files with orjson in one process: 2.0x means aidr
   spends as long routing and detecting as reading. In process is the fairer comparison, since the
   baseline pays no interpreter start-up either. Replay uses a process pool across files (all cores) when
   the input is large; the output says whether it did, and gives the single-worker ratio too.
2. **Cold start** (target <= 1.5x per handler). Each ``functions/*/app.py`` (found by walking
   ``functions/``) is imported in a fresh interpreter with Lambda's environment and paths, 15 times; its
   minimum import time minus a bare interpreter's start is divided by the same for ``import boto3``
   (bytecode caches warm; a layer built by ``sam build`` ships no ``.pyc``, which this does not model).
3. **Layer size** (target <= 10 MB). ``layers/aidr/requirements.txt`` installed by pip (``--no-deps``, as
   ``layers/aidr/Makefile`` does for ``sam build``) for Linux x86_64 python3.12 plus the ``aidr`` package,
   deflated under ``python/``. The download is cached in ``.bench/``
   by the requirements' hash, so reruns are offline; without pip (or a registry) the figure is skipped.

4. **Invocation-log detection** (target <= 3.0x, issue 3): see :mod:`benchmarks.invocation`.

The closing table gives PASS/FAIL per figure. The exit status is 0 whatever the verdicts (a benchmark
reports, it does not fail the build) and 1 only when something crashed, including a handler that cannot
be imported. Options: ``--quick`` (5,000 records, one run: what ``tests/unit/test_benchmarks.py`` uses),
``--skip replay|invocation|cold-start|layer``, ``--records``, ``--invocation-records``, ``--repeats``,
``--cold-repeats``, ``--cache-dir``;
``python -m benchmarks --help`` lists them.
"""
