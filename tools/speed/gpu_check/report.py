# Copyright (c) mmselfsup_rot contributors. All rights reserved.
"""The GPU acceptance check's report: its JSON schema, validation,
targets and the printed table.

A report is a plain dict (written as JSON)::

    schema    'mmselfsup_rot.gpu_check/1'
    created   ISO-8601 UTC time of the run
    command   the command line
    commit    git commit of the checkout (None outside a clone)
    machine   GPU, CPU and host facts (free-form, 'gpu' required)
    versions  package versions (free-form)
    budget_s  the wall-time budget of the whole check
    wall_s    the wall time it took
    checks    one dict per section (below)
    targets   run-wide targets (the wall-time budget)
    summary   counts, unmet targets and ``accepted``
    complete  (optional) False in the report written before each section:
              the running section and the later ones are recorded as
              ``skip`` (not run), so a run that hangs or is killed leaves
              the sections before it

Each check has ``name``, ``title``, ``status`` (``pass``/``fail``/
``skip``), a one-line ``summary``, ``reason`` (why it failed or was
skipped, else None), ``wall_s``, ``budget_s``, measured ``figures``
(free-form), an optional ``table`` (``columns`` + ``rows``) and
``targets``. A target is ``name``, ``title``, ``value`` (None when it
could not be measured), ``op`` (``'>='`` or ``'<='``), ``threshold``
and ``met``, which must agree with ``value op threshold``.
"""
import json
import math
import operator
import os
import os.path as osp
from typing import Iterator, List, Optional, Sequence

SCHEMA = 'mmselfsup_rot.gpu_check/1'
STATUSES = ('pass', 'fail', 'skip')
COMPARISONS = {'>=': operator.ge, '<=': operator.le}
TOP_KEYS = ('schema', 'created', 'command', 'commit', 'machine', 'versions',
            'budget_s', 'wall_s', 'checks', 'targets', 'summary')
CHECK_KEYS = ('name', 'title', 'status', 'summary', 'reason', 'wall_s',
              'budget_s', 'figures', 'targets')
TARGET_KEYS = ('name', 'title', 'value', 'op', 'threshold', 'met')


class ReportError(ValueError):
    """A report that does not follow the schema (one-line message)."""


def make_target(name: str, title: str, value: Optional[float], op: str,
                threshold: float) -> dict:
    """A target record; ``met`` is None when ``value`` is None.

    Args:
        name (str): Identifier, unique within the report.
        title (str): What is compared, for the table.
        value (float, optional): The measured value.
        op (str): ``'>='`` or ``'<='``.
        threshold (float): The value to reach.

    Returns:
        dict: The target with ``met`` decided.
    """
    if op not in COMPARISONS:
        raise ReportError(f'target {name}: op must be one of '
                          f'{sorted(COMPARISONS)}, got {op!r}')
    value = None if value is None else float(value)
    met = None if value is None else bool(COMPARISONS[op](value, threshold))
    return dict(
        name=name,
        title=title,
        value=value,
        op=op,
        threshold=threshold,
        met=met)


def all_targets(report: dict) -> Iterator[dict]:
    """Every target of the report: the checks' first, then the run's."""
    for check in report['checks']:
        yield from check['targets']
    yield from report['targets']


def summarize(checks: Sequence[dict], targets: Sequence[dict]) -> dict:
    """Counts by status, the targets not met and the verdict.

    The check is accepted when every section passed and every target was
    measured and met.
    """
    counts = {s: sum(c['status'] == s for c in checks) for s in STATUSES}
    every = [t for c in checks for t in c['targets']] + list(targets)
    unmet = [t['name'] for t in every if t['met'] is not True]
    return dict(
        **counts,
        targets_met=len(every) - len(unmet),
        targets_unmet=unmet,
        accepted=counts['pass'] == len(checks) and not unmet)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _require(mapping, keys: Sequence[str], where: str) -> None:
    if not isinstance(mapping, dict):
        raise ReportError(f'{where}: expected an object, got '
                          f'{type(mapping).__name__}')
    missing = [k for k in keys if k not in mapping]
    if missing:
        raise ReportError(f'{where}: missing key(s) {", ".join(missing)}')


def _validate_target(target: dict, where: str) -> None:
    _require(target, TARGET_KEYS, where)
    if target['op'] not in COMPARISONS:
        raise ReportError(f'{where}: op must be one of {sorted(COMPARISONS)}')
    if not _number(target['threshold']):
        raise ReportError(f'{where}: threshold must be a finite number')
    value = target['value']
    if value is None:
        expected = None
    elif _number(value):
        expected = bool(COMPARISONS[target['op']](value, target['threshold']))
    else:
        raise ReportError(f'{where}: value must be a finite number or null')
    if target['met'] is not expected:
        raise ReportError(f"{where}: met is {target['met']} but "
                          f"{value} {target['op']} {target['threshold']} "
                          f'gives {expected}')


def _validate_check(check: dict, where: str) -> None:
    _require(check, CHECK_KEYS, where)
    if check['status'] not in STATUSES:
        raise ReportError(f"{where}: status must be one of {STATUSES}, got "
                          f"{check['status']!r}")
    if check['status'] != 'pass' and not check['reason']:
        raise ReportError(f"{where}: a {check['status']} needs a reason")
    for key in ('wall_s', 'budget_s'):
        if not _number(check[key]) or check[key] < 0:
            raise ReportError(f'{where}: {key} must be a number >= 0')
    if not isinstance(check['figures'], dict):
        raise ReportError(f'{where}: figures must be an object')
    table = check.get('table')
    if table is not None:
        _require(table, ('columns', 'rows'), f'{where}.table')
        width = len(table['columns'])
        for idx, row in enumerate(table['rows']):
            if not isinstance(row, list) or len(row) != width:
                raise ReportError(f'{where}.table.rows[{idx}]: expected a '
                                  f'list of {width} cells')
    if not isinstance(check['targets'], list):
        raise ReportError(f'{where}: targets must be a list')
    for idx, target in enumerate(check['targets']):
        _validate_target(target, f'{where}.targets[{idx}]')


def validate_report(report: dict) -> None:
    """Raise :class:`ReportError` (one line) unless ``report`` follows the
    schema, every target's ``met`` agrees with its value and the summary
    agrees with the checks."""
    _require(report, TOP_KEYS, 'report')
    if report['schema'] != SCHEMA:
        raise ReportError(f"report: schema {report['schema']!r} is not "
                          f'{SCHEMA!r}')
    _require(report['machine'], ('gpu', ), 'report.machine')
    for key in ('budget_s', 'wall_s'):
        if not _number(report[key]) or report[key] < 0:
            raise ReportError(f'report: {key} must be a number >= 0')
    if not isinstance(report['checks'], list) or not report['checks']:
        raise ReportError('report: checks must be a non-empty list')
    names = [c.get('name') for c in report['checks']]
    if len(set(names)) != len(names):
        raise ReportError(f'report: check names repeat: {names}')
    for idx, check in enumerate(report['checks']):
        _validate_check(check, f'checks[{idx}]')
    if not isinstance(report['targets'], list):
        raise ReportError('report: targets must be a list')
    for idx, target in enumerate(report['targets']):
        _validate_target(target, f'targets[{idx}]')
    target_names = [t['name'] for t in all_targets(report)]
    if len(set(target_names)) != len(target_names):
        raise ReportError(f'report: target names repeat: {target_names}')
    expected = summarize(report['checks'], report['targets'])
    if report['summary'] != expected:
        raise ReportError(f"report: summary {report['summary']} disagrees "
                          f'with the checks ({expected})')


def _cell(value) -> str:
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    if isinstance(value, float):
        return f'{value:.4g}' if abs(value) < 1e5 else f'{value:.0f}'
    return str(value)


def _grid(columns: Sequence[str],
          rows: Sequence[Sequence],
          indent: str = '') -> List[str]:
    """Aligned columns: numbers to the right, text to the left."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [
        max([len(col)] + [len(row[i]) for row in cells])
        for i, col in enumerate(columns)
    ]
    numeric = [
        any(_number(row[i])
            for row in rows) and all(row[i] is None or _number(row[i])
                                     for row in rows)
        for i in range(len(columns))
    ]

    def line(values):
        parts = [
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric)
        ]
        return (indent + '  '.join(parts)).rstrip()

    return [line(list(columns))] + [line(row) for row in cells]


def _header(report: dict) -> List[str]:
    machine, versions = report['machine'], report['versions']
    gpu = str(machine['gpu'])
    extras = []
    if machine.get('capability'):
        extras.append(str(machine['capability']))
    if machine.get('memory_gib'):
        extras.append(f"{machine['memory_gib']} GiB")
    if extras:
        gpu += f" ({', '.join(extras)})"
    stack = ', '.join(f'{k} {v}' for k, v in versions.items()
                      if v is not None and k != 'error')
    commit = report['commit'] or 'no git checkout'
    lines = [
        f"GPU acceptance check ({report['schema']})",
        f'GPU: {gpu}',
        f'stack: {stack}',
        f"run: {report['created']}, commit {commit}, "
        f"{report['wall_s']:.0f} s of a {report['budget_s']:.0f} s budget",
    ]
    if report.get('complete') is False:
        lines.append('PARTIAL: written before a section; the check did not '
                     'finish (or is still running)')
    for key in ('machine', 'versions'):
        if report[key].get('error'):
            lines.append(f"{key}: {report[key]['error']}")
    return lines


def _verdict(summary: dict, checks: Sequence[dict]) -> str:
    counts = (f"{summary['pass']} pass, {summary['fail']} fail, "
              f"{summary['skip']} skip; {summary['targets_met']}/"
              f"{summary['targets_met'] + len(summary['targets_unmet'])} "
              'targets met')
    if summary['accepted']:
        return f'RESULT: accepted ({counts})'
    done = {'fail': 'failed', 'skip': 'skipped'}
    problems = [
        f"{c['name']} {done[c['status']]}" for c in checks
        if c['status'] != 'pass'
    ]
    problems += [f'{n} unmet' for n in summary['targets_unmet']]
    return f"RESULT: NOT accepted ({counts}): {'; '.join(problems)}"


def format_table(report: dict) -> str:
    """The printed form of a report: header, one line per check, the
    sections' own tables, the targets (unmet ones marked) and the
    verdict."""
    lines = _header(report) + ['']
    lines += _grid(('check', 'status', 'wall s', 'budget s', 'result'), [[
        c['name'], c['status'].upper(), c['wall_s'], c['budget_s'],
        c['summary'] if c['status'] == 'pass' else
        f"{c['summary']} -- {c['reason']}".lstrip(' -')
    ] for c in report['checks']])
    for check in report['checks']:
        table = check.get('table')
        if table and table['rows']:
            lines += ['', f"{check['name']}: {check['title']}"]
            lines += _grid(table['columns'], table['rows'], indent='  ')
    targets = list(all_targets(report))
    if targets:
        lines.append('')
        rows = []
        for t in targets:
            mark = {True: 'yes', False: 'NO <-- unmet', None: 'NOT MEASURED'}
            rows.append([
                t['title'], t['value'], f"{t['op']} {_cell(t['threshold'])}",
                mark[t['met']]
            ])
        lines += _grid(('target', 'value', 'need', 'met'), rows)
    lines += ['', _verdict(report['summary'], report['checks'])]
    return '\n'.join(lines)


def write_report(report: dict, path: str) -> None:
    """Validate ``report`` and write it as indented JSON."""
    validate_report(report)
    text = json.dumps(report, indent=2)  # fails before the file is touched
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    # whole or not at all: the check rewrites it while it runs
    with open(path + '.tmp', 'w') as f:
        f.write(text + '\n')
    os.replace(path + '.tmp', path)


def load_report(path: str) -> dict:
    """Read and validate a report written by :func:`write_report`."""
    with open(path) as f:
        report = json.load(f)
    validate_report(report)
    return report
