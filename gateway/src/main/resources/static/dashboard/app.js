// The dashboard: a static single page served by the gateway. Every user string is rendered as text
// (textContent, never innerHTML with data); the API key lives in sessionStorage only and is sent as
// X-API-Key on every call, never in a URL or a cookie. Pages are hash routes, so links can be shared.
'use strict';

(function () {
  const KEY_STORAGE = 'segplatform.apiKey';
  const POLL_MS = 2000;
  const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'PRUNED']);
  const STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'PRUNED'];

  const main = document.getElementById('main');
  const crumbs = document.getElementById('crumbs');
  const who = document.getElementById('who');

  let identity = null;          // {name, role} from /api/whoami
  let pageCleanups = [];        // timers, charts and object URLs of the page shown now
  let generation = 0;           // bumps on every navigation; late answers of an old page are dropped

  // ---------- DOM helpers: text only ----------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') node.className = v;
        else if (k === 'text') node.textContent = v;
        else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
        else if (k === 'dataset') Object.assign(node.dataset, v);
        else if (k in node && k !== 'list') node[k] = v;
        else node.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function link(href, text) {
    return el('a', { href, text });
  }

  function fmtNumber(v, digits = 4) {
    if (v === null || v === undefined) return '';
    const n = Number(v);
    if (!Number.isFinite(n)) return String(v);
    if (Number.isInteger(n)) return String(n);
    return n.toFixed(digits);
  }

  function fmtTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleString();
  }

  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return '';
    let s = Math.max(0, Math.round(Number(seconds)));
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + s + 's';
  }

  function canWrite() {
    return identity && (identity.role === 'admin' || identity.role === 'scientist');
  }

  function canReadTracking() {
    return identity && identity.role !== 'client';
  }

  // ---------- API ----------

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
      this.status = status;
      this.problem = problem;
    }
  }

  async function api(path, options = {}) {
    const headers = Object.assign({ 'Accept': 'application/json' }, options.headers || {});
    headers['X-API-Key'] = sessionStorage.getItem(KEY_STORAGE) || '';
    if (options.json !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, {
      method: options.method || 'GET',
      headers,
      body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
      credentials: 'omit',
      cache: 'no-store',
    });
    if (response.status === 401 && !options.signingIn) {
      signOut('Your key was not accepted; sign in again.');
      throw new ApiError(401, null);
    }
    if (!response.ok) {
      let problem = null;
      try { problem = await response.json(); } catch (e) { /* not a problem detail */ }
      throw new ApiError(response.status, problem);
    }
    if (options.blob) return response.blob();
    if (response.status === 204) return null;
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  function query(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== '') q.set(k, v);
    }
    const s = q.toString();
    return s ? '?' + s : '';
  }

  function errorBox(error) {
    return el('div', { class: 'error', role: 'alert', text: error instanceof Error ? error.message : String(error) });
  }

  // ---------- sign-in ----------

  function signOut(message) {
    sessionStorage.removeItem(KEY_STORAGE);
    identity = null;
    render(message);
  }

  function showWho() {
    clear(who);
    if (!identity) return;
    who.append(el('span', { id: 'who-name', text: identity.name }), ' · ',
      el('span', { id: 'who-role', text: identity.role }),
      el('button', { id: 'sign-out', type: 'button', text: 'Sign out', onclick: () => signOut() }));
  }

  function signInPage(message) {
    setCrumbs([]);
    clear(document.getElementById('nav'));
    const input = el('input', { type: 'password', id: 'api-key', autocomplete: 'off', placeholder: 'API key' });
    const status = el('div');
    if (message) status.append(errorBox(message));
    const form = el('form', { class: 'signin', id: 'sign-in' },
      el('h1', { text: 'Sign in' }),
      el('p', { class: 'muted', text: 'Paste your API key. It is kept in this tab only (sessionStorage) and sent as X-API-Key.' }),
      input, status,
      el('button', { class: 'primary', type: 'submit', text: 'Sign in' }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(status);
      const key = input.value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY_STORAGE, key);
      try {
        identity = await api('/api/whoami', { signingIn: true });
        showWho();
        render();
      } catch (e) {
        sessionStorage.removeItem(KEY_STORAGE);
        status.append(errorBox(e.status === 401 ? 'That key is not valid.' : e));
      }
    });
    clear(main);
    main.append(form);
    input.focus();
  }

  // ---------- routing ----------

  function parseHash() {
    const hash = location.hash.replace(/^#/, '') || (canReadTracking() ? '/experiments' : '/model');
    const [path, search] = hash.split('?');
    const parts = path.split('/').filter(Boolean);
    return { parts, params: new URLSearchParams(search || '') };
  }

  function setCrumbs(items) {
    clear(crumbs);
    items.forEach((item, i) => {
      if (i) crumbs.append(' / ');
      crumbs.append(item.href ? link(item.href, item.text) : el('span', { text: item.text }));
    });
  }

  function cleanupPage() {
    for (const fn of pageCleanups) {
      try { fn(); } catch (e) { /* already gone */ }
    }
    pageCleanups = [];
    generation++;
  }

  /** Polls fn every everyMs (POLL_MS by default) while it returns true; stops when the page changes. */
  function poll(fn, everyMs = POLL_MS) {
    const mine = generation;
    let timer = null;
    const tick = async () => {
      if (mine !== generation) return;
      let again = false;
      try { again = await fn(); } catch (e) { again = true; }
      if (again && mine === generation) timer = setTimeout(tick, everyMs);
    };
    timer = setTimeout(tick, everyMs);
    pageCleanups.push(() => clearTimeout(timer));
  }

  async function render(message) {
    cleanupPage();
    if (!sessionStorage.getItem(KEY_STORAGE)) {
      showWho();
      signInPage(message);
      return;
    }
    if (!identity) {
      try {
        identity = await api('/api/whoami');
      } catch (e) {
        if (e.status !== 401) { clear(main); main.append(errorBox(e)); }
        return;
      }
      showWho();
    }
    const { parts, params } = parseHash();
    clear(main);
    showNav(parts[0]);
    const pages = window.SegDash.pages;
    if (!canReadTracking() && parts[0] !== 'model') {
      main.append(errorBox('The ' + identity.role + ' role may not read experiments and runs; it may use the Model page.'),
        el('p', null, link('#/model', 'Model')));
      return;
    }
    const mine = generation;
    try {
      if (parts[0] === 'experiments' && parts.length === 1) await experimentsPage(mine);
      else if (parts[0] === 'experiments' && parts.length === 2) await runsPage(mine, Number(parts[1]), params);
      else if (parts[0] === 'experiments' && parts.length === 3 && parts[2] === 'new-run') await pages.newRun(mine, Number(parts[1]));
      else if (parts[0] === 'experiments' && parts.length === 3 && parts[2] === 'new-study') await pages.newStudy(mine, Number(parts[1]));
      else if (parts[0] === 'runs' && parts.length === 2) await runPage(mine, Number(parts[1]));
      else if (parts[0] === 'compare' && parts.length === 1) await pages.compare(mine, params);
      else if (parts[0] === 'studies' && parts.length === 2) await pages.study(mine, Number(parts[1]));
      else if (parts[0] === 'model' && parts.length === 1) await pages.model(mine);
      else if (parts[0] === 'queue' && parts.length === 1) await queuePage(mine);
      else main.append(el('p', { text: 'No such page. ' }), link('#/experiments', 'Experiments'));
    } catch (e) {
      if (mine === generation && e.status !== 401) main.append(errorBox(e));
    }
  }

  /** The top navigation; a client key sees only the Model page, the one it may use. */
  function showNav(current) {
    const nav = document.getElementById('nav');
    clear(nav);
    const items = canReadTracking()
      ? [['experiments', 'Experiments'], ['queue', 'Queue'], ['model', 'Model']]
      : [['model', 'Model']];
    const section = { runs: 'experiments', compare: 'experiments', studies: 'experiments' }[current] || current;
    for (const [id, label] of items) {
      nav.append(el('a', { href: '#/' + id, id: 'nav-' + id, text: label, class: section === id ? 'active' : null }));
    }
  }

  // ---------- page 7: queue ----------

  /**
   * GET /api/queue every 2 s while the page is open, one request each: the totals, the running jobs
   * (who holds each, progress, lease) and the queued ones in the order trainers claim them.
   */
  async function queuePage(mine) {
    setCrumbs([{ text: 'Queue' }]);
    const counts = el('p', { id: 'queue-counts' });
    const runningBody = el('tbody');
    const queuedBody = el('tbody');
    const more = el('p', { class: 'muted', id: 'queue-more' });
    main.append(el('h1', { text: 'Queue' }), counts,
      el('h2', { text: 'Running' }),
      el('table', { id: 'queue-running' }, el('thead', null, el('tr', null,
        el('th', { text: 'Run' }), el('th', { text: 'Experiment' }), el('th', { text: 'Worker' }),
        el('th', { text: 'Progress' }), el('th', { text: 'Attempt' }), el('th', { text: 'Lease expires' }),
        el('th', { text: '' }))), runningBody),
      el('h2', { text: 'Queued' }),
      el('table', { id: 'queue-queued' }, el('thead', null, el('tr', null,
        el('th', { class: 'num', text: 'Position' }), el('th', { text: 'Run' }), el('th', { text: 'Experiment' }),
        el('th', { text: 'Waiting since' }), el('th', { text: '' }))), queuedBody),
      more);

    const runLink = (job) => link('#/runs/' + job.runId, '#' + job.runId + ' ' + (job.runName || ''));
    const experimentLink = (job) => link('#/experiments/' + job.experimentId, job.experimentName || String(job.experimentId));
    const cancelling = (job) => el('td', { class: 'eta', text: job.cancelRequested ? 'cancel requested' : '' });

    const load = async () => {
      const queue = await api('/api/queue' + query({ limit: 100 }));
      if (mine !== generation) return false;
      clear(counts);
      counts.append(el('span', { class: 'status status-RUNNING', id: 'queue-running-count', text: queue.running + ' running' }),
        ' ', el('span', { class: 'status status-QUEUED', id: 'queue-queued-count', text: queue.queued + ' queued' }));
      clear(runningBody);
      clear(queuedBody);
      const now = Date.now();
      for (const job of queue.jobs) {
        if (job.status === 'RUNNING') {
          const p = job.progress;
          const progress = el('td', { class: 'status-cell progress-cell' });
          if (p && p.epochs) {
            const done = (Math.max(0, (p.epoch || 1) - 1) + (p.stepsPerEpoch ? Math.min(1, (p.step || 0) / p.stepsPerEpoch) : 0)) / p.epochs;
            progress.append(el('span', { text: 'epoch ' + (p.epoch ?? '?') + ' of ' + p.epochs }), ' ',
              el('progress', { max: 1, value: Math.min(1, Math.max(0, done)) }));
            if (p.etaSeconds !== null && p.etaSeconds !== undefined) progress.append(' ', el('span', { class: 'eta', text: 'ETA ' + fmtDuration(p.etaSeconds) }));
          } else {
            progress.append(el('span', { class: 'muted', text: 'no progress reported yet' }));
          }
          runningBody.append(el('tr', { dataset: { runId: String(job.runId), jobId: String(job.jobId) } },
            el('td', { class: 'name' }, runLink(job)), el('td', { class: 'name' }, experimentLink(job)),
            el('td', { class: 'worker', text: job.workerId || '' }), progress,
            el('td', { class: 'attempt', text: 'attempt ' + job.attempt + ', claimed ' + job.claims + '×' }),
            el('td', { text: fmtTime(job.leaseExpiresAt) }), cancelling(job)));
        } else {
          const waited = job.createdAt ? (now - Date.parse(job.createdAt)) / 1000 : null;
          queuedBody.append(el('tr', { dataset: { runId: String(job.runId), jobId: String(job.jobId) } },
            el('td', { class: 'num position', text: String(job.position ?? '') }),
            el('td', { class: 'name' }, runLink(job)), el('td', { class: 'name' }, experimentLink(job)),
            el('td', { text: fmtTime(job.createdAt) + (waited !== null ? ' (' + fmtDuration(waited) + ')' : '') }),
            cancelling(job)));
        }
      }
      if (!runningBody.firstChild) runningBody.append(el('tr', null, el('td', { colSpan: 7, class: 'muted', text: 'No job is running.' })));
      if (!queuedBody.firstChild) queuedBody.append(el('tr', null, el('td', { colSpan: 5, class: 'muted', text: 'No job is waiting.' })));
      const listed = queue.jobs.length;
      more.textContent = listed < queue.running + queue.queued ? 'Showing the first ' + listed + ' of ' + (queue.running + queue.queued) + ' jobs.' : '';
      return true;
    };
    await load();
    poll(load);
  }

  // ---------- page 1: experiments ----------

  async function experimentsPage(mine) {
    setCrumbs([{ text: 'Experiments' }]);
    const title = el('h1', { text: 'Experiments' });
    const formStatus = el('div');
    const body = el('tbody');
    const table = el('table', { id: 'experiments' },
      el('thead', null, el('tr', null,
        el('th', { class: 'num', text: 'ID' }), el('th', { text: 'Name' }), el('th', { text: 'Runs by status' }),
        el('th', { class: 'num', text: 'Best val_mean_iou' }), el('th', { text: 'Last activity' }),
        canWrite() ? el('th', { text: '' }) : null)),
      body);
    main.append(title);
    if (canWrite()) {
      const name = el('input', { type: 'text', id: 'new-experiment-name', placeholder: 'New experiment name', maxLength: 256 });
      const form = el('form', { class: 'inline', id: 'create-experiment' }, name,
        el('button', { class: 'primary', type: 'submit', text: 'Create' }));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        clear(formStatus);
        try {
          await api('/api/experiments', { method: 'POST', json: { name: name.value } });
          render();
        } catch (e) {
          formStatus.append(errorBox(e));
        }
      });
      main.append(form, formStatus);
    }
    main.append(table);
    const page = await api('/api/experiments' + query({ size: 200 }));
    if (mine !== generation) return;
    if (!page.items.length) {
      body.append(el('tr', null, el('td', { colSpan: 6, class: 'muted', text: 'No experiments yet.' })));
    }
    if (page.total > page.items.length) {
      main.append(el('p', { class: 'muted', text: 'Showing the first ' + page.items.length + ' of ' + page.total + '.' }));
    }
    for (const experiment of page.items) experimentRow(experiment, body);
  }

  /** One experiment with the server's run counts by status, best val_mean_iou and last activity. */
  function experimentRow(experiment, body) {
    const byStatus = experiment.runCounts || {};
    const counts = el('td', { class: 'counts' });
    const shown = STATUSES.filter((s) => byStatus[s]);
    if (!shown.length) counts.append(el('span', { class: 'muted', text: 'no runs' }));
    for (const s of shown) {
      counts.append(el('span', { class: 'status status-' + s, dataset: { status: s }, text: s.toLowerCase() + ' ' + byStatus[s] }));
    }
    const best = el('td', { class: 'num best', text: fmtNumber(experiment.bestValMeanIou) });
    const last = el('td', { class: 'last-activity', text: fmtTime(experiment.lastActivityAt || experiment.updatedAt) });
    const nameCell = el('td', { class: 'name' }, link('#/experiments/' + experiment.id, experiment.name));
    const actions = canWrite() ? el('td', { class: 'row-actions' }) : null;
    const row = el('tr', { dataset: { experimentId: String(experiment.id) } },
      el('td', { class: 'num', text: String(experiment.id) }), nameCell, counts, best, last, actions);
    if (actions) {
      actions.append(
        el('button', { type: 'button', text: 'Rename', onclick: () => renameInline(experiment, nameCell) }),
        ' ',
        el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: async () => {
          if (!window.confirm('Delete experiment "' + experiment.name + '"?')) return;
          try {
            await api('/api/experiments/' + experiment.id, { method: 'DELETE' });
            render();
          } catch (e) {
            nameCell.append(errorBox(e));
          }
        } }));
    }
    body.append(row);
  }

  function renameInline(experiment, cell) {
    clear(cell);
    const input = el('input', { type: 'text', value: experiment.name, maxLength: 256, class: 'rename' });
    const status = el('div');
    const form = el('form', { class: 'inline' }, input,
      el('button', { type: 'submit', class: 'primary', text: 'Save' }),
      el('button', { type: 'button', text: 'Cancel', onclick: () => render() }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(status);
      try {
        await api('/api/experiments/' + experiment.id, { method: 'PATCH', json: { name: input.value } });
        render();
      } catch (e) {
        status.append(errorBox(e));
      }
    });
    cell.append(form, status);
    input.focus();
  }

  // ---------- page 2: runs of an experiment ----------

  const KEY_PARAMS = ['learningRate', 'batchSize', 'epochs', 'imageSize'];
  const KEY_METRICS = ['val_mean_iou', 'val_loss', 'loss'];

  function runsHash(experimentId, params) {
    const q = new URLSearchParams();
    for (const k of ['filter', 'orderBy', 'pageToken']) {
      if (params[k]) q.set(k, params[k]);
    }
    const s = q.toString();
    return '#/experiments/' + experimentId + (s ? '?' + s : '');
  }

  async function runsPage(mine, experimentId, params) {
    const state = { filter: params.get('filter') || '', orderBy: params.get('orderBy') || '', pageToken: params.get('pageToken') || '' };
    const experiment = await api('/api/experiments/' + experimentId);
    if (mine !== generation) return;
    setCrumbs([{ text: 'Experiments', href: '#/experiments' }, { text: experiment.name }]);
    main.append(el('h1', { id: 'experiment-name', text: experiment.name }));

    const filterInput = el('input', { type: 'text', class: 'filter', id: 'filter', value: state.filter,
      placeholder: "metrics.val_mean_iou > 0.8 and params.model = 'unet'" });
    const filterError = el('div', { id: 'filter-error' });
    const filterForm = el('form', { class: 'inline', id: 'filter-form' }, filterInput,
      el('button', { type: 'submit', class: 'primary', text: 'Search' }),
      el('button', { type: 'button', text: 'Clear', onclick: () => { location.hash = runsHash(experimentId, {}); } }));
    filterForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const next = runsHash(experimentId, { filter: filterInput.value.trim(), orderBy: state.orderBy });
      if (location.hash === next) render(); else location.hash = next;
    });
    main.append(filterForm, filterError);

    // Runs picked for page 4, kept in this tab per experiment so they survive polls, sorting, searching
    // and paging (each of which renders the page again).
    const selectionKey = 'segplatform.compare.' + experimentId;
    const selected = new Set((sessionStorage.getItem(selectionKey) || '').split(',').map(Number).filter((n) => n > 0));
    const compare = el('a', { id: 'compare-link', class: 'button disabled', text: 'Compare (0)' });
    const updateCompare = () => {
      sessionStorage.setItem(selectionKey, Array.from(selected).join(','));
      compare.textContent = 'Compare (' + selected.size + ')';
      compare.classList.toggle('disabled', selected.size === 0);
      if (selected.size) compare.href = '#/compare?runs=' + Array.from(selected).join(',');
      else compare.removeAttribute('href');
    };
    const toolbar = el('div', { class: 'actions' }, compare);
    if (canWrite()) {
      toolbar.append(el('a', { class: 'button', id: 'new-run', href: '#/experiments/' + experimentId + '/new-run', text: 'New run' }),
        el('a', { class: 'button', id: 'new-study', href: '#/experiments/' + experimentId + '/new-study', text: 'New study' }));
    }
    updateCompare();
    main.append(toolbar);

    const columns = [
      { label: 'ID', order: 'attributes.run_id', cls: 'num' },
      { label: 'Name', order: 'attributes.run_name' },
      { label: 'Status', order: 'attributes.status' },
      { label: 'Model', order: 'params.model' },
      ...KEY_PARAMS.map((p) => ({ label: p, order: 'params.' + p, cls: 'num' })),
      ...KEY_METRICS.map((m) => ({ label: m, order: 'metrics.' + m, cls: 'num' })),
      { label: 'Created', order: 'attributes.created_time' },
    ];
    const [orderKey, orderDir] = state.orderBy ? state.orderBy.split(/\s+/) : ['attributes.created_time', 'DESC'];
    const headRow = el('tr', null, el('th', { class: 'select', title: 'Select runs to compare' }));
    for (const column of columns) {
      const active = column.order === orderKey;
      const arrow = active ? ((orderDir || 'ASC').toUpperCase() === 'DESC' ? ' ▼' : ' ▲') : '';
      headRow.append(el('th', { class: 'sortable ' + (column.cls || ''), title: 'Sort by ' + column.order,
        dataset: { order: column.order }, text: column.label + arrow,
        onclick: () => {
          const dir = active && (orderDir || 'ASC').toUpperCase() === 'DESC' ? 'ASC' : 'DESC';
          location.hash = runsHash(experimentId, { filter: state.filter, orderBy: column.order + ' ' + dir });
        } }));
    }
    const body = el('tbody');
    const table = el('table', { id: 'runs' }, el('thead', null, headRow), body);
    const pager = el('div', { class: 'pager' });
    const studiesBox = el('div', { id: 'studies' });
    main.append(table, pager, el('h2', { text: 'Studies' }), studiesBox);
    studiesTable(mine, experimentId, studiesBox);

    const load = async () => {
      let result;
      try {
        result = await api('/api/runs' + query({ experimentId, filter: state.filter, orderBy: state.orderBy,
          pageToken: state.pageToken, maxResults: 50 }));
      } catch (e) {
        if (e.status === 400) {
          clear(filterError);
          filterError.append(errorBox(e));
          clear(body);
          return false;
        }
        throw e;
      }
      if (mine !== generation) return false;
      clear(body);
      for (const run of result.runs) {
        const row = runRow(run);
        const box = el('input', { type: 'checkbox', class: 'select-run', checked: selected.has(run.id),
          title: 'Compare run ' + run.id, onchange: () => {
            if (box.checked) selected.add(run.id); else selected.delete(run.id);
            updateCompare();
          } });
        row.prepend(el('td', { class: 'select' }, box));
        body.append(row);
      }
      if (!result.runs.length) {
        body.append(el('tr', null, el('td', { colSpan: columns.length + 1, class: 'muted', text: 'No runs match.' })));
      }
      clear(pager);
      if (state.pageToken) {
        pager.append(el('button', { type: 'button', text: '⟨ First page',
          onclick: () => { location.hash = runsHash(experimentId, { filter: state.filter, orderBy: state.orderBy }); } }));
      }
      if (result.nextPageToken) {
        pager.append(el('button', { type: 'button', id: 'next-page', text: 'Next page ⟩',
          onclick: () => { location.hash = runsHash(experimentId, { filter: state.filter, orderBy: state.orderBy, pageToken: result.nextPageToken }); } }));
      }
      return result.runs.some((run) => !FINAL.has(run.status));
    };
    if (await load()) poll(load);
  }

  /** The experiment's studies (GET /api/studies?experimentId=), each linked to its page. */
  async function studiesTable(mine, experimentId, box) {
    let page;
    try {
      page = await api('/api/studies' + query({ experimentId, size: 100 }));
    } catch (e) {
      if (mine === generation) box.append(errorBox(e));
      return;
    }
    if (mine !== generation) return;
    if (!page.items.length) {
      box.append(el('p', { class: 'muted', text: 'No studies in this experiment.' }));
      return;
    }
    const body = el('tbody');
    for (const s of page.items) {
      body.append(el('tr', { dataset: { studyId: String(s.id) } },
        el('td', { class: 'num' }, link('#/studies/' + s.id, String(s.id))),
        el('td', { class: 'name' }, link('#/studies/' + s.id, s.name)),
        el('td', null, el('span', { class: 'status status-' + s.status, text: s.status })),
        el('td', { text: s.algorithm || '' }),
        el('td', { text: s.objective ? s.objective.metric + ' (' + s.objective.mode + ')' : '' }),
        el('td', { class: 'num', text: s.trialsCreated + ' of ' + s.maxTrials }),
        el('td', { text: fmtTime(s.createdAt) })));
    }
    box.append(el('table', { id: 'studies-table' }, el('thead', null, el('tr', null,
      el('th', { class: 'num', text: 'ID' }), el('th', { text: 'Name' }), el('th', { text: 'Status' }),
      el('th', { text: 'Algorithm' }), el('th', { text: 'Objective' }), el('th', { class: 'num', text: 'Trials' }),
      el('th', { text: 'Created' }))), body));
  }

  function statusCell(run) {
    const cell = el('td', { class: 'status-cell' }, el('span', { class: 'status status-' + run.status, text: run.status }));
    const p = run.progress;
    if (run.status === 'RUNNING' && p && p.epochs) {
      const stepsPerEpoch = p.stepsPerEpoch || 0;
      const done = (Math.max(0, (p.epoch || 1) - 1) + (stepsPerEpoch ? Math.min(1, (p.step || 0) / stepsPerEpoch) : 0)) / p.epochs;
      cell.append(el('progress', { max: 1, value: Math.min(1, Math.max(0, done)), title: 'epoch ' + p.epoch + ' of ' + p.epochs }));
      if (p.etaSeconds !== null && p.etaSeconds !== undefined) {
        cell.append(el('span', { class: 'eta', text: 'ETA ' + fmtDuration(p.etaSeconds) }));
      }
    }
    if (run.cancelRequested && !FINAL.has(run.status)) cell.append(el('span', { class: 'eta', text: 'cancelling' }));
    return cell;
  }

  function runRow(run) {
    const params = run.params || {};
    const metrics = run.metrics || {};
    return el('tr', { dataset: { runId: String(run.id) } },
      el('td', { class: 'num' }, link('#/runs/' + run.id, String(run.id))),
      el('td', { class: 'name' }, link('#/runs/' + run.id, run.name || ('run ' + run.id))),
      statusCell(run),
      el('td', { text: params.model || (run.spec && run.spec.model) || '' }),
      ...KEY_PARAMS.map((p) => el('td', { class: 'num', text: params[p] || '' })),
      ...KEY_METRICS.map((m) => el('td', { class: 'num', text: metrics[m] ? fmtNumber(metrics[m].value) : '' })),
      el('td', { text: fmtTime(run.createdAt) }));
  }

  // ---------- page 3: one run ----------

  const CHARTS = [
    { id: 'loss', title: 'Loss', keys: ['loss', 'val_loss'] },
    { id: 'accuracy', title: 'Pixel accuracy', keys: ['accuracy', 'val_accuracy'] },
    { id: 'iou', title: 'Mean IoU', keys: ['mean_iou', 'val_mean_iou'] },
    { id: 'class-iou', title: 'Per-class IoU (validation)', prefix: 'val_iou_' },
    { id: 'throughput', title: 'Images per second', keys: ['images_per_second'] },
  ];

  async function runPage(mine, runId) {
    let run = await api('/api/runs/' + runId);
    if (mine !== generation) return;
    const experiment = await api('/api/experiments/' + run.experimentId).catch(() => null);
    if (mine !== generation) return;
    setCrumbs([{ text: 'Experiments', href: '#/experiments' },
      { text: experiment ? experiment.name : 'experiment ' + run.experimentId, href: '#/experiments/' + run.experimentId },
      { text: 'run ' + run.id }]);

    const heading = el('h1', { id: 'run-name' });
    const summary = el('dl', { class: 'kv', id: 'run-summary' });
    const actions = el('div', { class: 'actions' });
    const actionStatus = el('div');
    const paramsBox = el('dl', { class: 'kv', id: 'params' });
    const chartGrid = el('div', { class: 'grid', id: 'charts' });
    const otherCharts = el('div', { class: 'grid' });
    const samplesBox = el('div', { class: 'samples', id: 'samples' });
    const artifactsBody = el('tbody');
    const attemptsBody = el('tbody');
    main.append(heading, actions, actionStatus, summary,
      el('h2', { text: 'Metrics' }), chartGrid, otherCharts,
      el('h2', { text: 'Sample masks' }),
      el('p', { class: 'muted', text: 'Validation images the trainer stored when the run ended: the input, its ground truth and the '
        + 'predicted mask (samples/<image>/input.png, truth.png, mask.png; runs trained before that layout have the prediction only).' }),
      samplesBox,
      el('h2', { text: 'Attempts' }),
      el('table', { id: 'attempts' }, el('thead', null, el('tr', null, el('th', { class: 'num', text: 'Claim' }),
        el('th', { text: 'Worker' }), el('th', { text: 'From' }), el('th', { text: 'To' }), el('th', { text: 'Outcome' }),
        el('th', { text: 'Message' }))), attemptsBody),
      el('h2', { text: 'Params' }), paramsBox,
      el('h2', { text: 'Artifacts' }),
      el('table', { id: 'artifacts' }, el('thead', null, el('tr', null, el('th', { text: 'Path' }),
        el('th', { class: 'num', text: 'Size' }), el('th', { text: 'Type' }), el('th', { text: 'sha256' }),
        el('th', { text: 'Created' }))), artifactsBody));

    const cancel = canWrite() ? el('button', { type: 'button', class: 'danger', id: 'cancel-run', text: 'Cancel run',
      onclick: async () => {
        clear(actionStatus);
        cancel.disabled = true;
        try {
          run = await api('/api/runs/' + runId + '/cancel', { method: 'POST' });
          showRun();
        } catch (e) {
          actionStatus.append(errorBox(e));
          cancel.disabled = false;
        }
      } }) : null;
    if (cancel) actions.append(cancel);

    const showRun = () => {
      heading.textContent = (run.name || 'Run ' + run.id);
      clear(summary);
      const p = run.progress;
      const rows = [
        ['Status', statusCell(run)],
        ['Experiment', experiment ? experiment.name : String(run.experimentId)],
        ['Model', (run.params && run.params.model) || (run.spec && run.spec.model) || ''],
        ['Progress', p && p.epochs ? 'epoch ' + (p.epoch ?? '?') + ' of ' + p.epochs
          + (p.stepsPerEpoch ? ', step ' + (p.step ?? 0) + ' of ' + p.stepsPerEpoch : '')
          + (p.imagesPerSecond ? ', ' + fmtNumber(p.imagesPerSecond, 1) + ' images/s' : '') : ''],
        ['Attempt', String(run.attempt) + ' (claimed ' + run.claims + ' time' + (run.claims === 1 ? '' : 's') + ')'],
        ['Worker', run.workerId || ''],
        ['Created', fmtTime(run.createdAt)],
        ['Started', fmtTime(run.startedAt)],
        ['Ended', fmtTime(run.endedAt)],
        ['Message', run.message || ''],
      ];
      for (const [k, v] of rows) {
        if (v === '') continue;
        const dd = el('dd', { id: 'run-' + k.toLowerCase() });
        if (v instanceof Node) dd.append(...(v.tagName === 'TD' ? Array.from(v.childNodes) : [v])); else dd.textContent = v;
        if (k === 'Message' && run.status === 'FAILED') dd.classList.add('failure');
        summary.append(el('dt', { text: k }), dd);
      }
      for (const [k, v] of Object.entries(run.tags || {})) {
        summary.append(el('dt', { text: 'tag ' + k }), el('dd', { text: v }));
      }
      clear(paramsBox);
      for (const [k, v] of Object.entries(run.params || {}).sort()) {
        paramsBox.append(el('dt', { text: k }), el('dd', { text: v }));
      }
      if (cancel) cancel.classList.toggle('hidden', FINAL.has(run.status));
    };
    showRun();

    // Charts: one line per metric key, one point per step (epoch).
    const charts = new Map();      // chart id -> echarts instance
    const histories = new Map();   // metric key -> [[step, value], ...]
    const seen = new Map();        // metric key -> "step/timestamp" of the newest point loaded
    pageCleanups.push(() => { for (const c of charts.values()) c.dispose(); });
    const resize = () => { for (const c of charts.values()) c.resize(); };
    window.addEventListener('resize', resize);
    pageCleanups.push(() => window.removeEventListener('resize', resize));

    const chartFor = (spec, parent) => {
      if (charts.has(spec.id)) return charts.get(spec.id);
      const box = el('div', { class: 'chart', id: 'chart-' + spec.id });
      parent.append(el('div', { class: 'card' }, el('h3', { text: spec.title }), box));
      const chart = echarts.init(box, null, { renderer: 'canvas' });
      charts.set(spec.id, chart);
      return chart;
    };

    // The x axis spans the planned epochs, so a training run's curves grow into it.
    const plannedEpochs = () => (run.progress && run.progress.epochs) || (run.spec && run.spec.epochs) || 1;

    const drawCharts = () => {
      const keys = Array.from(histories.keys());
      const used = new Set();
      const specs = [];
      for (const spec of CHARTS) {
        const members = spec.prefix ? keys.filter((k) => k.startsWith(spec.prefix)).sort() : spec.keys.filter((k) => histories.has(k));
        members.forEach((k) => used.add(k));
        if (members.length) specs.push([spec, members, chartGrid]);
      }
      const rest = keys.filter((k) => !used.has(k)).sort();
      for (const k of rest) specs.push([{ id: 'metric-' + k.replace(/[^A-Za-z0-9_-]/g, '_'), title: k }, [k], otherCharts]);
      for (const [spec, members, parent] of specs) {
        const chart = chartFor(spec, parent);
        chart.setOption({
          animation: false,
          grid: { left: 50, right: 16, top: 30, bottom: 30 },
          tooltip: { trigger: 'axis' },
          legend: { type: 'scroll', top: 0 },
          xAxis: { type: 'value', name: 'epoch', nameLocation: 'middle', nameGap: 22, minInterval: 1,
            min: (range) => Math.min(1, range.min), max: (range) => Math.max(range.max, plannedEpochs()) },
          yAxis: { type: 'value', scale: true },
          series: members.map((k) => ({ name: k, type: 'line', showSymbol: true, data: histories.get(k) })),
        }, { replaceMerge: ['series'] });
      }
      if (!specs.length && !chartGrid.firstChild) chartGrid.append(el('p', { class: 'muted', id: 'no-metrics', text: 'No metrics logged yet.' }));
      else if (specs.length) { const none = document.getElementById('no-metrics'); if (none) none.remove(); }
    };

    // The run's latest points, as one string: the histories are read again only when it changes.
    const metricsSignature = () => Object.entries(run.metrics || {}).sort()
      .map(([k, m]) => k + '@' + m.step + '/' + m.timestamp).join('|');
    let seenMetrics = null;

    /** Every history in one request (GET /api/runs/{id}/metrics without key). */
    const loadMetrics = async () => {
      const signature = metricsSignature();
      const answer = await api('/api/runs/' + runId + '/metrics');
      if (mine !== generation) return;
      for (const [key, points] of Object.entries(answer.metrics || {})) {
        histories.set(key, points.map((pt) => {
          const v = Number(pt.value);
          return [pt.step, Number.isFinite(v) ? v : null];
        }));
      }
      seenMetrics = signature;
      drawCharts();
    };

    // Attempts: every claim of the run's job; read again when the claims, attempt or status change.
    const attemptsSignature = () => run.claims + '/' + run.attempt + '/' + run.status;
    let seenAttempts = null;
    const loadAttempts = async () => {
      const signature = attemptsSignature();
      const list = await api('/api/runs/' + runId + '/attempts');
      if (mine !== generation) return;
      seenAttempts = signature;
      clear(attemptsBody);
      for (const a of list) {
        attemptsBody.append(el('tr', { dataset: { claim: String(a.claim), outcome: a.outcome } },
          el('td', { class: 'num', text: String(a.claim) }),
          el('td', { text: a.workerId || '' }),
          el('td', { text: fmtTime(a.claimedAt) }),
          el('td', { text: a.endedAt ? fmtTime(a.endedAt) : '' }),
          el('td', null, el('span', { class: 'status status-' + a.outcome, text: a.outcome })),
          el('td', { class: 'message' + (a.outcome === 'FAILED' ? ' failure' : ''), text: a.message || '' })));
      }
      if (!list.length) attemptsBody.append(el('tr', null, el('td', { colSpan: 6, class: 'muted', text: 'Not claimed by a worker yet.' })));
    };

    // Samples and artifacts: fetched with the key as blobs; images shown through object URLs.
    const objectUrls = [];
    pageCleanups.push(() => objectUrls.forEach((u) => URL.revokeObjectURL(u)));
    const shownSamples = new Set();
    let artifactsSignature = null;
    const artifactUrl = (path) => '/api/runs/' + runId + '/artifacts/' + path.split('/').map(encodeURIComponent).join('/');

    const loadArtifacts = async () => {
      const list = await api('/api/runs/' + runId + '/artifacts');
      if (mine !== generation) return;
      const signature = list.map((a) => a.path + '/' + a.sha256).join('|');
      if (signature === artifactsSignature) return;
      artifactsSignature = signature;
      clear(artifactsBody);
      for (const a of list) {
        const download = el('a', { href: '#', text: a.path, title: 'Download ' + a.path, onclick: async (event) => {
          event.preventDefault();
          try {
            const blob = await api(artifactUrl(a.path), { blob: true, headers: { Accept: '*/*' } });
            const url = URL.createObjectURL(blob);
            const save = el('a', { href: url, download: a.path.split('/').pop() });
            document.body.append(save);
            save.click();
            save.remove();
            setTimeout(() => URL.revokeObjectURL(url), 10000);
          } catch (e) {
            actionStatus.append(errorBox(e));
          }
        } });
        artifactsBody.append(el('tr', null, el('td', { class: 'name' }, download),
          el('td', { class: 'num', text: String(a.size) }), el('td', { text: a.contentType || '' }),
          el('td', { class: 'muted', text: (a.sha256 || '').slice(0, 12) }), el('td', { text: fmtTime(a.createdAt) })));
      }
      if (!list.length) artifactsBody.append(el('tr', null, el('td', { colSpan: 5, class: 'muted', text: 'No artifacts yet.' })));
      const samples = sampleGroups(list);
      if (!samples.length && !samplesBox.firstChild) samplesBox.append(el('p', { class: 'muted', id: 'no-samples', text: 'No sample masks yet (the trainer stores them when a run succeeds).' }));
      for (const sample of samples) {
        if (shownSamples.has(sample.name)) continue;
        shownSamples.add(sample.name);
        const none = document.getElementById('no-samples');
        if (none) none.remove();
        const images = [];
        const row = el('div', { class: 'sample-row' });
        for (const part of SAMPLE_PARTS) {
          const path = sample.parts[part.id];
          if (!path) continue;
          const img = el('img', { alt: part.caption + ' ' + sample.name, class: 'sample-' + part.id });
          row.append(el('figure', { class: 'sample' }, img, el('figcaption', { text: part.caption })));
          images.push([img, path]);
        }
        samplesBox.append(el('div', { class: 'sample-group', dataset: { sample: sample.name } }, el('div', { class: 'sample-name', text: sample.name }), row));
        for (const [img, path] of images) {
          const blob = await api(artifactUrl(path), { blob: true, headers: { Accept: 'image/png' } });
          if (mine !== generation) return;
          const url = URL.createObjectURL(blob);
          objectUrls.push(url);
          img.src = url;
        }
      }
    };

    await loadMetrics();
    await loadAttempts();
    await loadArtifacts();
    if (!FINAL.has(run.status)) {
      // Every 2 s at most two requests, so at most one a second: the run itself while it is live, and
      // one of the reads its answer asks for (histories when the latest points moved, attempts when
      // the claims or status moved, artifacts once it ended), oldest first, so none waits for long.
      let artifactsLoaded = false;
      const pending = [];
      const want = (name) => { if (!pending.includes(name)) pending.push(name); };
      poll(async () => {
        if (!FINAL.has(run.status)) {
          run = await api('/api/runs/' + runId);
          if (mine !== generation) return false;
          showRun();
        }
        if (metricsSignature() !== seenMetrics) want('metrics');
        if (attemptsSignature() !== seenAttempts) want('attempts');
        if (FINAL.has(run.status) && !artifactsLoaded) want('artifacts');
        const next = pending.shift();
        if (next === 'metrics') await loadMetrics();
        else if (next === 'attempts') await loadAttempts();
        else if (next === 'artifacts') { await loadArtifacts(); artifactsLoaded = true; }
        return !FINAL.has(run.status) || pending.length > 0 || metricsSignature() !== seenMetrics
          || attemptsSignature() !== seenAttempts || !artifactsLoaded;
      });
    }
  }

  // The trainer's samples: samples/<image>/{input,truth,mask}.png since it stores all three; a flat
  // samples/<image>.png (runs trained before) is the prediction alone.
  const SAMPLE_PARTS = [
    { id: 'input', caption: 'input' },
    { id: 'truth', caption: 'ground truth' },
    { id: 'mask', caption: 'prediction' },
  ];

  /** Groups the artifacts list into samples [{name, parts: {input, truth, mask}}], in the list's order. */
  function sampleGroups(artifacts) {
    const groups = new Map();
    for (const a of artifacts) {
      const nested = /^samples\/(.+)\/(input|truth|mask)\.png$/i.exec(a.path);
      const flat = nested ? null : /^samples\/([^/]+)\.png$/i.exec(a.path);
      if (!nested && !flat) continue;
      const name = nested ? nested[1] : flat[1];
      const part = nested ? nested[2].toLowerCase() : 'mask';
      if (!groups.has(name)) groups.set(name, { name, parts: {} });
      groups.get(name).parts[part] = a.path;
    }
    return Array.from(groups.values());
  }

  // The page scripts (compare, study, model, new run/study) load after this one and register in
  // SegDash.pages; the first render waits for them.
  window.SegDash = {
    pages: {},
    el, clear, link, fmtNumber, fmtTime, fmtDuration, canWrite, canReadTracking, identity: () => identity,
    api, query, errorBox, setCrumbs, poll, statusCell, main, FINAL, POLL_MS,
    generation: () => generation,
    onCleanup: (fn) => pageCleanups.push(fn),
  };

  window.addEventListener('hashchange', () => render());
  document.addEventListener('DOMContentLoaded', () => render());
})();
