// Page 5, a tuning study (#/studies/{id}): its trials (pruned greyed), the objective per trial with
// the best-so-far line, parallel coordinates of every tuned param against the objective (from the
// server's parallelCoordinates: categorical axes for choices, log axes for loguniform), the best
// trial linked to its run, and Stop for scientists and admins.
'use strict';

(function () {
  const D = window.SegDash;
  const { el, clear, link, fmtNumber, fmtTime, api, errorBox, setCrumbs, poll, main } = D;

  const FINISHED = new Set(['SUCCEEDED', 'PRUNED']);
  const STATE_COLORS = { SUCCEEDED: '#2f6fdf', PRUNED: '#9aa0ad' };

  function paramText(v) {
    if (v === undefined) return '';
    if (typeof v === 'number' && !Number.isInteger(v)) return String(Number(v.toPrecision(4)));
    return typeof v === 'string' ? v : JSON.stringify(v);
  }

  function maximizes(study) {
    return !study.objective || String(study.objective.mode).toLowerCase() !== 'min';
  }

  /** Trial number -> best objective so far among SUCCEEDED trials, in trial order (pruned never are best). */
  function bestSoFar(study) {
    const max = maximizes(study);
    let best = null;
    const line = [];
    for (const t of study.trials.slice().sort((a, b) => a.number - b.number)) {
      if (t.state === 'SUCCEEDED' && t.objective !== null && t.objective !== undefined) {
        if (best === null || (max ? t.objective > best : t.objective < best)) best = t.objective;
      }
      if (best !== null) line.push([t.number, best]);
    }
    return line;
  }

  function objectiveOption(study) {
    const points = (state) => study.trials.filter((t) => t.state === state && t.objective !== null && t.objective !== undefined)
      .map((t) => [t.number, t.objective]);
    const metric = study.objective ? study.objective.metric : 'objective';
    return {
      animation: false,
      grid: { left: 56, right: 16, top: 34, bottom: 34 },
      tooltip: { trigger: 'item' },
      legend: { top: 0, right: 0 },
      xAxis: { type: 'value', name: 'trial', nameLocation: 'middle', nameGap: 22, minInterval: 1 },
      yAxis: { type: 'value', name: metric, nameLocation: 'middle', nameGap: 42, scale: true },
      series: [
        { name: 'succeeded', type: 'scatter', symbolSize: 9, itemStyle: { color: STATE_COLORS.SUCCEEDED }, data: points('SUCCEEDED') },
        { name: 'pruned', type: 'scatter', symbolSize: 8, itemStyle: { color: STATE_COLORS.PRUNED }, data: points('PRUNED') },
        { name: 'running', type: 'scatter', symbolSize: 8, itemStyle: { color: '#e0a000' }, data: points('RUNNING') },
        { name: 'best so far (' + (maximizes(study) ? 'max' : 'min') + ')', type: 'line', step: 'end', showSymbol: false,
          lineStyle: { color: '#1f6b33' }, itemStyle: { color: '#1f6b33' }, data: bestSoFar(study) },
      ],
    };
  }

  /** One axis per dimension the server laid out; one line per finished trial (running ones still move). */
  function parallelOption(study) {
    const pc = study.parallelCoordinates || { trials: [], states: [], dimensions: [] };
    const axes = pc.dimensions.map((d, i) => {
      const axis = { dim: i, name: d.name, nameTextStyle: { fontWeight: 600 } };
      if (d.scale === 'categorical') {
        axis.type = 'category';
        axis.data = (d.categories || []).map(paramText);
      } else if (d.scale === 'log') {
        axis.type = 'log';
        if (d.range) { axis.min = d.range[0]; axis.max = d.range[1]; }
      } else {
        axis.type = 'value';
        axis.scale = true;
        if (d.range) { axis.min = d.range[0]; axis.max = d.range[1]; }
      }
      return axis;
    });
    const rows = [];
    pc.trials.forEach((number, row) => {
      const state = pc.states[row];
      if (!FINISHED.has(state)) return;
      const value = pc.dimensions.map((d) => {
        const v = d.values[row];
        if (d.scale === 'categorical') return v === null || v === undefined ? null : paramText((d.categories || [])[Math.round(v)]);
        return v;
      });
      rows.push({ name: 'trial ' + number + ' (' + state.toLowerCase() + ')', value,
        lineStyle: { color: STATE_COLORS[state], opacity: state === 'PRUNED' ? 0.5 : 0.85 } });
    });
    return {
      animation: false,
      tooltip: { trigger: 'item' },
      parallel: { left: 60, right: 90, top: 40, bottom: 30 },
      parallelAxis: axes,
      series: [{ name: 'trials', type: 'parallel', lineStyle: { width: 2 }, data: rows }],
    };
  }

  D.pages.study = async function study(mine, studyId) {
    let s = await api('/api/studies/' + studyId);
    if (mine !== D.generation()) return;
    const experiment = await api('/api/experiments/' + s.experimentId).catch(() => null);
    if (mine !== D.generation()) return;
    setCrumbs([{ text: 'Experiments', href: '#/experiments' },
      { text: experiment ? experiment.name : 'experiment ' + s.experimentId, href: '#/experiments/' + s.experimentId },
      { text: 'study ' + s.id }]);

    const heading = el('h1', { id: 'study-name' });
    const actions = el('div', { class: 'actions' });
    const actionStatus = el('div');
    const summary = el('dl', { class: 'kv', id: 'study-summary' });
    const best = el('p', { id: 'best-trial' });
    const objectiveBox = el('div', { class: 'chart', id: 'chart-objective' });
    const parallelBox = el('div', { class: 'chart tall', id: 'chart-parallel' });
    const trialsTable = el('table', { id: 'trials' });
    main.append(heading, actions, actionStatus, summary, best,
      el('div', { class: 'grid' },
        el('div', { class: 'card' }, el('h3', { text: 'Objective per trial' }), objectiveBox)),
      el('div', { class: 'card' }, el('h3', { text: 'Parallel coordinates (finished trials)' }), parallelBox),
      el('h2', { text: 'Trials' }), trialsTable);

    const stop = D.canWrite() ? el('button', { type: 'button', class: 'danger', id: 'stop-study', text: 'Stop study',
      onclick: async () => {
        if (!window.confirm('Stop study "' + s.name + '"? Queued trials are cancelled, running ones stop at their next heartbeat.')) return;
        clear(actionStatus);
        stop.disabled = true;
        try {
          s = await api('/api/studies/' + studyId + '/stop', { method: 'POST' });
          show();
        } catch (e) {
          actionStatus.append(errorBox(e));
          stop.disabled = false;
        }
      } }) : null;
    if (stop) actions.append(stop);

    const objectiveChart = echarts.init(objectiveBox, null, { renderer: 'canvas' });
    const parallelChart = echarts.init(parallelBox, null, { renderer: 'canvas' });
    D.onCleanup(() => { objectiveChart.dispose(); parallelChart.dispose(); });
    const resize = () => { objectiveChart.resize(); parallelChart.resize(); };
    window.addEventListener('resize', resize);
    D.onCleanup(() => window.removeEventListener('resize', resize));

    const show = () => {
      heading.textContent = s.name;
      clear(summary);
      const counts = Object.entries(s.trialCounts || {}).filter(([, n]) => n).map(([k, n]) => k.toLowerCase() + ' ' + n).join(', ');
      const rows = [
        ['Status', el('span', { class: 'status status-' + s.status, text: s.status })],
        ['Objective', s.objective ? s.objective.metric + ' (' + s.objective.mode + ')' : ''],
        ['Algorithm', s.algorithm || ''],
        ['Pruner', s.pruner ? s.pruner.type : ''],
        ['Trials', s.trialsCreated + ' of ' + s.maxTrials + ' created' + (counts ? '; ' + counts : '')],
        ['Parallelism', String(s.parallelism)],
        ['Seed', String(s.seed)],
        ['Created', fmtTime(s.createdAt)],
        ['Ended', fmtTime(s.endedAt)],
        ['Message', s.message || ''],
      ];
      for (const [k, v] of rows) {
        if (v === '') continue;
        const dd = el('dd', { id: 'study-' + k.toLowerCase() });
        if (v instanceof Node) dd.append(v); else dd.textContent = v;
        summary.append(el('dt', { text: k }), dd);
      }
      clear(best);
      if (s.bestTrial) {
        best.append('Best trial: ', s.bestTrial.runId
          ? link('#/runs/' + s.bestTrial.runId, 'trial ' + s.bestTrial.number + ' (run ' + s.bestTrial.runId + ')')
          : 'trial ' + s.bestTrial.number,
        ', ' + (s.objective ? s.objective.metric : 'objective') + ' = ' + fmtNumber(s.bestTrial.objective));
      } else {
        best.append(el('span', { class: 'muted', text: 'No best trial yet.' }));
      }
      if (stop) stop.classList.toggle('hidden', s.status !== 'RUNNING');

      const names = Object.keys(s.space || {});
      clear(trialsTable);
      const body = el('tbody');
      for (const t of s.trials) {
        const isBest = s.bestTrial && s.bestTrial.number === t.number;
        const cls = [t.state === 'PRUNED' ? 'pruned' : null, isBest ? 'best' : null].filter(Boolean).join(' ');
        body.append(el('tr', { class: cls || null, dataset: { trial: String(t.number), state: String(t.state) } },
          el('td', { class: 'num', text: String(t.number) }),
          el('td', { class: 'num' }, t.runId ? link('#/runs/' + t.runId, String(t.runId)) : ''),
          el('td', null, t.state ? el('span', { class: 'status status-' + t.state, text: t.state }) : ''),
          ...names.map((n) => el('td', { class: 'num', text: paramText((t.params || {})[n]) })),
          el('td', { class: 'num', text: fmtNumber(t.objective) }),
          el('td', { class: 'num', text: t.step === null || t.step === undefined ? '' : String(t.step) }),
          el('td', { class: 'name', text: t.message || '' })));
      }
      if (!s.trials.length) body.append(el('tr', null, el('td', { colSpan: names.length + 6, class: 'muted', text: 'No trials yet.' })));
      trialsTable.append(el('thead', null, el('tr', null,
        el('th', { class: 'num', text: 'Trial' }), el('th', { class: 'num', text: 'Run' }), el('th', { text: 'State' }),
        ...names.map((n) => el('th', { class: 'num', text: n })),
        el('th', { class: 'num', text: s.objective ? s.objective.metric : 'objective' }),
        el('th', { class: 'num', text: 'Epoch' }), el('th', { text: 'Message' }))), body);

      objectiveChart.setOption(objectiveOption(s), { notMerge: true });
      parallelChart.setOption(parallelOption(s), { notMerge: true });
    };
    show();

    if (s.status === 'RUNNING') {
      poll(async () => {
        s = await api('/api/studies/' + studyId);
        if (mine !== D.generation()) return false;
        show();
        return s.status === 'RUNNING' || s.trials.some((t) => !D.FINAL.has(t.state));
      });
    }
  };
})();
