// Page 4, compare: the selected runs' curves overlaid (one chart per metric key, one series per run)
// and their params side by side, rows that differ highlighted. The run ids are in the URL
// (#/compare?runs=3,5,8), so a comparison can be shared.
'use strict';

(function () {
  const D = window.SegDash;
  const { el, clear, link, api, setCrumbs, poll, main, FINAL } = D;

  // The keys people compare first; any other logged key follows, sorted.
  const FIRST_KEYS = ['loss', 'val_loss', 'val_accuracy', 'val_mean_iou'];
  const MAX_RUNS = 20;

  function runLabel(run) {
    return '#' + run.id + ' ' + (run.name || 'run ' + run.id);
  }

  function chartId(key) {
    return 'compare-' + key.replace(/[^A-Za-z0-9_-]/g, '_');
  }

  D.pages.compare = async function compare(mine, params) {
    const ids = Array.from(new Set((params.get('runs') || '').split(',')
      .map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0))).slice(0, MAX_RUNS);
    setCrumbs([{ text: 'Experiments', href: '#/experiments' }, { text: 'Compare' }]);
    main.append(el('h1', { text: 'Compare runs' }));
    if (!ids.length) {
      main.append(el('p', { class: 'muted', text: 'No runs chosen: tick runs in an experiment\'s runs table, then Compare.' }));
      return;
    }
    let runs = await Promise.all(ids.map((id) => api('/api/runs/' + id)));
    if (mine !== D.generation()) return;
    const experimentId = runs[0].experimentId;
    const crumbs = [{ text: 'Experiments', href: '#/experiments' }];
    if (runs.every((r) => r.experimentId === experimentId)) {
      const experiment = await api('/api/experiments/' + experimentId).catch(() => null);
      if (mine !== D.generation()) return;
      crumbs.push({ text: experiment ? experiment.name : 'experiment ' + experimentId, href: '#/experiments/' + experimentId });
    }
    crumbs.push({ text: 'Compare ' + runs.length + ' runs' });
    setCrumbs(crumbs);

    const runList = el('p', { id: 'compare-runs' });
    runs.forEach((run, i) => {
      if (i) runList.append(', ');
      runList.append(link('#/runs/' + run.id, runLabel(run)), ' ', el('span', { class: 'status status-' + run.status, text: run.status }));
    });
    const chartGrid = el('div', { class: 'grid', id: 'compare-charts' });
    const onlyDiff = el('input', { type: 'checkbox', id: 'only-differences' });
    const paramsTable = el('table', { class: 'params-compare', id: 'compare-params' });
    onlyDiff.addEventListener('change', () => paramsTable.classList.toggle('only-differences', onlyDiff.checked));
    main.append(runList, el('h2', { text: 'Metrics' }), chartGrid,
      el('h2', { text: 'Params' }),
      el('label', { class: 'toggle' }, onlyDiff, 'Only differences'),
      paramsTable);

    const drawParams = () => {
      clear(paramsTable);
      const keys = Array.from(new Set(runs.flatMap((r) => Object.keys(r.params || {})))).sort();
      const head = el('tr', null, el('th', { text: 'Param' }), ...runs.map((r) => el('th', null, link('#/runs/' + r.id, runLabel(r)))));
      const body = el('tbody');
      for (const key of keys) {
        const values = runs.map((r) => (r.params || {})[key]);
        const differs = values.some((v) => v !== values[0]);
        body.append(el('tr', { class: differs ? 'differs' : 'same', dataset: { param: key } },
          el('td', { class: 'key', text: key }),
          ...values.map((v) => el('td', { class: v === undefined ? 'muted' : null, text: v === undefined ? '—' : v }))));
      }
      if (!keys.length) body.append(el('tr', null, el('td', { colSpan: runs.length + 1, class: 'muted', text: 'No params.' })));
      paramsTable.append(el('thead', null, head), body);
    };
    drawParams();

    // key -> run id -> [[step, value], ...]; a run's histories, all in one request, are fetched again
    // only when its latest points changed.
    const histories = new Map();
    const seen = new Map();
    const charts = new Map();
    D.onCleanup(() => { for (const c of charts.values()) c.dispose(); });
    const resize = () => { for (const c of charts.values()) c.resize(); };
    window.addEventListener('resize', resize);
    D.onCleanup(() => window.removeEventListener('resize', resize));

    const orderedKeys = () => {
      const keys = Array.from(histories.keys());
      return FIRST_KEYS.filter((k) => histories.has(k)).concat(keys.filter((k) => !FIRST_KEYS.includes(k)).sort());
    };

    const draw = () => {
      for (const key of orderedKeys()) {
        let chart = charts.get(key);
        if (!chart) {
          const box = el('div', { class: 'chart', id: chartId(key) });
          chartGrid.append(el('div', { class: 'card' }, el('h3', { text: key }), box));
          chart = echarts.init(box, null, { renderer: 'canvas' });
          charts.set(key, chart);
        }
        const byRun = histories.get(key);
        chart.setOption({
          animation: false,
          grid: { left: 50, right: 16, top: 30, bottom: 30 },
          tooltip: { trigger: 'axis' },
          legend: { type: 'scroll', top: 0 },
          xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 22, minInterval: 1 },
          yAxis: { type: 'value', scale: true },
          series: runs.filter((r) => byRun.has(r.id)).map((r) => ({
            name: runLabel(r), type: 'line', showSymbol: true, data: byRun.get(r.id),
          })),
        }, { replaceMerge: ['series'] });
      }
      if (!histories.size && !chartGrid.firstChild) {
        chartGrid.append(el('p', { class: 'muted', text: 'None of these runs has logged metrics yet.' }));
      }
    };

    const loadMetrics = async () => {
      let changed = false;
      for (const run of runs) {
        const mark = Object.entries(run.metrics || {}).sort().map(([k, m]) => k + '@' + m.step + '/' + m.timestamp).join('|');
        if (!mark || seen.get(run.id) === mark) continue;
        const answer = await api('/api/runs/' + run.id + '/metrics');
        if (mine !== D.generation()) return;
        for (const [key, points] of Object.entries(answer.metrics || {})) {
          if (!histories.has(key)) histories.set(key, new Map());
          histories.get(key).set(run.id, points.map((pt) => {
            const v = Number(pt.value);
            return [pt.step, Number.isFinite(v) ? v : null];
          }));
        }
        seen.set(run.id, mark);
        changed = true;
      }
      if (changed || !charts.size) draw();
    };

    await loadMetrics();
    if (runs.some((r) => !FINAL.has(r.status))) {
      poll(async () => {
        runs = await Promise.all(ids.map((id) => api('/api/runs/' + id)));
        if (mine !== D.generation()) return false;
        drawParams();
        await loadMetrics();
        return runs.some((r) => !FINAL.has(r.status));
      }, Math.max(D.POLL_MS, 2000 * ids.length)); // per poll and run a read and at most one history read: one request a second
    }
  };
})();
