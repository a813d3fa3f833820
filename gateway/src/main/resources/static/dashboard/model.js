// Page 6, the model (#/model): what the inference service serves (GET /api/model), and Try it: an
// image chosen or dropped here is sent to POST /api/segment twice, for the overlay PNG and for the
// JSON answer (class names, fractions and the run-length encoded mask, drawn here in a palette).
// Every role may read the model; the gateway lets admin, scientist and client keys segment.
'use strict';

(function () {
  const D = window.SegDash;
  const { el, clear, link, fmtNumber, fmtTime, api, errorBox, setCrumbs, main } = D;

  // The mask's palette, by class index: readable on a dark background, distinct for the first few classes.
  const PALETTE = [[32, 32, 96], [128, 192, 64], [240, 240, 240], [230, 120, 40], [200, 60, 160], [60, 180, 200],
    [220, 200, 60], [120, 80, 200]];
  const MAX_BYTES = 10 * 1024 * 1024;

  function canSegment() {
    const id = D.identity();
    return id && (id.role === 'admin' || id.role === 'scientist' || id.role === 'client');
  }

  function colorOf(index) {
    return PALETTE[index % PALETTE.length];
  }

  /** Draws the run-length encoded class mask ([class, length, ...], row-major) onto a canvas. */
  function maskCanvas(answer) {
    const canvas = el('canvas', { id: 'tryit-mask', width: answer.width, height: answer.height });
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(answer.width, answer.height);
    let p = 0;
    for (let i = 0; i + 1 < answer.rle.length; i += 2) {
      const [r, g, b] = colorOf(answer.rle[i]);
      for (let n = 0; n < answer.rle[i + 1] && p < answer.width * answer.height; n++, p++) {
        image.data[p * 4] = r; image.data[p * 4 + 1] = g; image.data[p * 4 + 2] = b; image.data[p * 4 + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
    return canvas;
  }

  function swatch(index) {
    const s = el('span', { class: 'swatch' });
    const [r, g, b] = colorOf(index);
    s.style.backgroundColor = 'rgb(' + r + ',' + g + ',' + b + ')';
    return s;
  }

  D.pages.model = async function model(mine) {
    setCrumbs([{ text: 'Model' }]);
    const info = el('dl', { class: 'kv', id: 'model-info' });
    const infoStatus = el('div', { id: 'model-status' });
    main.append(el('h1', { text: 'Model' }), infoStatus, info);

    try {
      const m = await api('/api/model');
      if (mine !== D.generation()) return;
      const run = m.runId && D.canReadTracking() && /^\d+$/.test(String(m.runId))
        ? link('#/runs/' + m.runId, 'run ' + m.runId) : (m.runId ? 'run ' + m.runId : '');
      const rows = [
        ['Name', m.name || ''],
        ['Run', run],
        ['Architecture', m.architecture || ''],
        ['Version', m.version === undefined ? '' : String(m.version)],
        ['Loaded at', fmtTime(m.loadedAt)],
        ['Source', m.source || ''],
        ['Ranked by', m.rankMetric ? m.rankMetric + ' = ' + fmtNumber(m.rankValue) : ''],
        ['Input size', m.inputSize ? m.inputSize + ' px' : ''],
        ['Classes', (m.classes || []).join(', ')],
        ['Trained', m.createdAt || ''],
      ];
      for (const [k, v] of Object.entries(m.metrics || {}).sort()) rows.push([k, fmtNumber(v)]);
      for (const [k, v] of rows) {
        if (v === '') continue;
        const dd = el('dd', { id: 'model-' + k.toLowerCase().replace(/[^a-z0-9_]+/g, '-') });
        if (v instanceof Node) dd.append(v); else dd.textContent = v;
        info.append(el('dt', { text: k }), dd);
      }
    } catch (e) {
      if (mine !== D.generation() || e.status === 401) return;
      info.classList.add('hidden');
      infoStatus.append(errorBox(e.status === 503 ? 'The inference service has no model loaded yet: ' + e.message : e));
    }

    main.append(el('h2', { text: 'Try it' }));
    if (!canSegment()) {
      main.append(el('p', { class: 'muted', id: 'tryit-denied',
        text: 'Segmenting takes an admin, scientist or client key; the ' + D.identity().role + ' role may only read the model.' }));
      return;
    }
    const file = el('input', { type: 'file', id: 'tryit-file', accept: 'image/png,image/jpeg' });
    const zone = el('div', { class: 'dropzone', id: 'tryit-drop' },
      el('p', { text: 'Drop a PNG or JPEG here, or choose one: ' }), file);
    const status = el('div', { id: 'tryit-status' });
    const results = el('div', { class: 'tryit', id: 'tryit-results' });
    main.append(zone, status, results);

    const urls = [];
    D.onCleanup(() => urls.forEach((u) => URL.revokeObjectURL(u)));
    const objectUrl = (blob) => { const u = URL.createObjectURL(blob); urls.push(u); return u; };

    const segment = async (image) => {
      clear(status);
      clear(results);
      if (!/^image\/(png|jpeg)$/.test(image.type)) { status.append(errorBox('Choose a PNG or JPEG image.')); return; }
      if (image.size > MAX_BYTES) { status.append(errorBox('That image is over 10 MB.')); return; }
      status.append(el('p', { class: 'muted', text: 'Segmenting ' + image.name + '…' }));
      const form = () => { const f = new FormData(); f.append('image', image, image.name); return f; };
      try {
        const overlay = await api('/api/segment?format=overlay', { method: 'POST', body: form(), blob: true, headers: { Accept: 'image/png' } });
        if (mine !== D.generation()) return;
        const answer = await api('/api/segment?format=json', { method: 'POST', body: form() });
        if (mine !== D.generation()) return;
        clear(status);
        const figure = (node, caption) => el('figure', null, node, el('figcaption', { text: caption }));
        results.append(
          figure(el('img', { id: 'tryit-input', alt: 'input ' + image.name, src: objectUrl(image) }), 'input: ' + image.name),
          figure(el('img', { id: 'tryit-overlay', alt: 'overlay', src: objectUrl(overlay) }), 'overlay'),
          figure(maskCanvas(answer), 'mask ' + answer.width + '×' + answer.height));
        const body = el('tbody');
        (answer.classNames || []).forEach((name, i) => {
          body.append(el('tr', { dataset: { class: name } }, el('td', null, swatch(i), name),
            el('td', { class: 'num', text: (100 * answer.fractions[i]).toFixed(1) + ' %' }),
            el('td', { class: 'num', text: String(answer.pixelCounts[i]) })));
        });
        results.append(el('div', { class: 'card' }, el('h3', { text: 'Class fractions' }),
          el('table', { id: 'tryit-fractions' }, el('thead', null, el('tr', null, el('th', { text: 'Class' }),
            el('th', { class: 'num', text: 'Fraction' }), el('th', { class: 'num', text: 'Pixels' }))), body),
          answer.model ? el('p', { class: 'muted', text: 'model: run ' + answer.model.runId + ', ' + answer.model.architecture
            + ', version ' + answer.model.version }) : null));
      } catch (e) {
        clear(status);
        if (e.status !== 401) status.append(errorBox(e));
      }
    };
    file.addEventListener('change', () => { if (file.files[0]) segment(file.files[0]); });
    zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', () => zone.classList.remove('over'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('over');
      const dropped = event.dataTransfer && event.dataTransfer.files[0];
      if (dropped) segment(dropped);
    });
  };
})();
