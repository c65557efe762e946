#!/usr/bin/env python3
"""How busy the machine's CPUs were during each module's tests: runs COMMAND (the suite, in a clean
clone), samples /proc/stat every 2 s while it runs, then reads the surefire reports under the
current directory and prints, per module, the span of its test classes (first class's start to
last class's end: a class's end is its report's time, its start that less its duration) and the
share of the machine's CPU time that was busy meanwhile. With --classes, the last classes to end
in seccheck-cli, to show what a run's tail waits on.

Usage: bench/suite-phases.py [--classes] COMMAND [ARGS...]   e.g. bench/suite-phases.py .ci/run
"""
import glob
import importlib.util
import os
import re
import subprocess
import sys
import threading
import time

INTERVAL = 2.0


def _suite_cpu():
    """bench/suite-cpu.py as a module (its name is no identifier), for its reading of /proc/stat."""
    spec = importlib.util.spec_from_file_location(
        'suite_cpu', os.path.join(os.path.dirname(os.path.abspath(__file__)), 'suite-cpu.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


busy_and_total = _suite_cpu().busy_and_total


def sample(samples, done):
    while not done.is_set():
        samples.append((time.time(),) + busy_and_total())
        done.wait(INTERVAL)
    samples.append((time.time(),) + busy_and_total())


def busy(samples, start, end):
    inside = [s for s in samples if start <= s[0] <= end]
    if len(inside) < 2 or inside[-1][2] == inside[0][2]:
        return None
    return (inside[-1][1] - inside[0][1]) / (inside[-1][2] - inside[0][2])


def classes(reports):
    """(start, end, seconds, name) of every test class a surefire report directory holds."""
    out = []
    for xml in glob.glob(os.path.join(reports, 'TEST-*.xml')):
        with open(xml) as f:
            head = f.read(4096)
        m = re.search(r'<testsuite [^>]*?name="([^"]+)"[^>]*? time="([0-9.,]+)"', head)
        if not m:
            continue
        seconds = float(m.group(2).replace(',', ''))
        txt = os.path.join(reports, m.group(1) + '.txt')
        end = os.path.getmtime(txt if os.path.exists(txt) else xml)
        out.append((end - seconds, end, seconds, m.group(1)))
    return out


def main(argv):
    show_classes = argv[:1] == ['--classes']
    command = argv[1:] if show_classes else argv
    if not command:
        sys.exit(__doc__)
    samples, done = [], threading.Event()
    sampler = threading.Thread(target=sample, args=(samples, done), daemon=True)
    sampler.start()
    began = time.time()
    code = subprocess.call(command)
    done.set()
    sampler.join()
    print(f'{" ".join(command)}: exit {code}, {time.time() - began:.0f} s, '
          f'CPUs busy {busy(samples, began, time.time()):.0%}')
    for reports in sorted(glob.glob('*/target/surefire-reports')):
        found = classes(reports)
        if not found:
            continue
        start, end = min(c[0] for c in found), max(c[1] for c in found)
        share = busy(samples, start, end)
        print(f'{reports.split("/")[0]:20s} {end - start:7.1f} s  classes {sum(c[2] for c in found):7.1f} s  '
              f'busy {"-" if share is None else f"{share:.0%}"}')
        if show_classes and reports.startswith('seccheck-cli/'):
            for c in sorted(found, key=lambda c: c[1])[-12:]:
                print(f'    {c[0] - start:6.1f} {c[1] - start:6.1f} {c[2]:6.1f} s  {c[3].split(".")[-1]}')
    return code


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
