#!/usr/bin/env python3
"""The ratchet on exchangelib's own test suite: reads the JUnit files that shared/exchangelib-suite/run.sh wrote
(JUNIT_DIR) and the committed list of tests that pass (tests/interop/exchangelib-suite/passing.txt, one
'classname::name' a line). Prints the figure and the verdict; exits 1 if a listed test did not pass this time.
Newly passing tests are printed, not failed on: add them to the list so that they stay passing.

Usage: exchangelib-ratchet.py JUNIT_DIR PASSING_TXT [--write]   (--write adds what passed now to the list)"""
import glob, os, sys, xml.etree.ElementTree as ET

junit_dir, list_path = sys.argv[1], sys.argv[2]
write = '--write' in sys.argv[3:]
RANK = {'passed': 0, 'skipped': 1, 'failed': 2}
outcome = {}
files = sorted(glob.glob(os.path.join(junit_dir, '*.xml')))
for path in files:
    for case in ET.parse(path).getroot().iter('testcase'):
        test = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        # A test that errors in teardown after passing is reported twice by pytest: the worst outcome wins.
        state = 'failed' if kinds & {'failure', 'error'} else 'skipped' if 'skipped' in kinds else 'passed'
        if RANK[state] >= RANK.get(outcome.get(test, 'passed'), 0):
            outcome[test] = state

passed = sorted(t for t, s in outcome.items() if s == 'passed')
count = {s: sum(1 for v in outcome.values() if v == s) for s in ('passed', 'failed', 'skipped')}
print(f"exchangelib suite: {count['passed']} passed, {count['failed']} failed, {count['skipped']} skipped")
if not files:
    print('ratchet: no JUnit file was written: the suite did not run')
    sys.exit(1)
listed = []
if os.path.exists(list_path):
    with open(list_path, encoding='utf-8') as f:
        listed = [line.strip() for line in f if line.strip()]
if listed != sorted(set(listed)):
    print(f'ratchet: {list_path} must be sorted, one test a line, without duplicates')
    sys.exit(1)
lost = [t for t in listed if outcome.get(t) != 'passed']
new = [t for t in passed if t not in set(listed)]
for t in new:
    print(f'ratchet: newly passing, not yet listed: {t}')
if new:
    print(f'ratchet: {len(new)} newly passing: add them to {list_path} (tools/exchangelib-ratchet.py JUNIT_DIR {list_path} --write after a green run)')
if write and not lost:
    # The list only grows: --write adds what passed now, and refuses while a listed test fails.
    with open(list_path, 'w', encoding='utf-8') as f:
        f.write(''.join(t + '\n' for t in sorted(set(listed) | set(passed))))
    print(f'ratchet: wrote {len(set(listed) | set(passed))} tests to {list_path}')
for t in lost:
    print(f"ratchet: LISTED TEST NO LONGER PASSES: {t} ({outcome.get(t, 'not run')})")
if lost:
    print(f'ratchet: FAILED: {len(lost)} of the {len(listed)} listed tests no longer pass')
    sys.exit(1)
print(f'ratchet: ok: all {len(listed)} listed tests pass ({len(files)} JUnit files)')
