// Page 8, a new run (#/experiments/{id}/new-run) or study (#/experiments/{id}/new-study): a JSON
// editor prefilled with a small valid request; the server's field errors (a 400 problem detail's
// errors[]) are listed beside it; on success the new run's or study's page opens.
'use strict';

(function () {
  const D = window.SegDash;
  const { el, clear, api, errorBox, setCrumbs, main } = D;

  // Small enough to finish in about a minute on a CPU; see RunSpec for every field and its limits.
  const BASE_SPEC = {
    model: 'unet', epochs: 2, batchSize: 8, learningRate: 0.001, imageSize: 64, width: 8,
    dataset: { type: 'synthetic', count: 40, seed: 1 },
  };

  function runTemplate() {
    return { name: 'dashboard run', spec: BASE_SPEC, tags: { source: 'dashboard' } };
  }

  // See StudyRequests.Create: space fields are RunSpec's tunable fields.
  function studyTemplate(experimentId) {
    return {
      experimentId, name: 'dashboard study', baseSpec: BASE_SPEC,
      space: {
        learningRate: { type: 'loguniform', low: 0.0001, high: 0.01 },
        batchSize: { type: 'choice', values: [4, 8] },
      },
      objective: { metric: 'val_mean_iou', mode: 'max' },
      algorithm: 'tpe', maxTrials: 4, parallelism: 1, pruner: 'median',
    };
  }

  async function editorPage(mine, experimentId, kind) {
    const experiment = await api('/api/experiments/' + experimentId);
    if (mine !== D.generation()) return;
    const title = kind === 'run' ? 'New run' : 'New study';
    setCrumbs([{ text: 'Experiments', href: '#/experiments' },
      { text: experiment.name, href: '#/experiments/' + experimentId }, { text: title }]);
    main.append(el('h1', { text: title + ' in ' + experiment.name }));
    if (!D.canWrite()) {
      main.append(errorBox('The ' + D.identity().role + ' role may not start runs or studies.'));
      return;
    }
    const template = kind === 'run' ? runTemplate() : studyTemplate(experimentId);
    const editor = el('textarea', { id: 'spec-editor', value: JSON.stringify(template, null, 2) });
    const errors = el('div', { class: 'field-errors', id: 'field-errors' },
      el('p', { class: 'muted', text: kind === 'run'
        ? 'POST /api/experiments/' + experimentId + '/runs. The server checks the spec; what it refuses is listed here, field by field.'
        : 'POST /api/studies. The server checks the request; what it refuses is listed here, field by field.' }));
    const submit = el('button', { type: 'submit', class: 'primary', id: 'spec-submit', text: kind === 'run' ? 'Start run' : 'Start study' });
    const form = el('form', { id: 'spec-form' },
      el('div', { class: 'editor' }, editor, errors),
      el('div', { class: 'actions' }, submit,
        el('button', { type: 'button', text: 'Reset', onclick: () => { editor.value = JSON.stringify(template, null, 2); clear(errors); } })));
    main.append(form);

    const showProblem = (e) => {
      clear(errors);
      const problem = e.problem || {};
      errors.append(el('p', { class: 'error', role: 'alert', text: problem.title ? problem.title + (e.status ? ' (' + e.status + ')' : '') : e.message }));
      const list = Array.isArray(problem.errors) ? problem.errors : [];
      if (list.length) {
        errors.append(el('ul', { id: 'field-error-list' }, list.map((f) =>
          el('li', { dataset: { field: String(f.field) } }, el('code', { text: String(f.field) }), ': ', String(f.reason)))));
      } else if (problem.detail) {
        errors.append(el('p', { text: problem.detail }));
      }
    };

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      let body;
      try {
        body = JSON.parse(editor.value);
      } catch (parseError) {
        clear(errors);
        errors.append(el('p', { class: 'error', role: 'alert', text: 'Not valid JSON: ' + parseError.message }));
        return;
      }
      submit.disabled = true;
      try {
        if (kind === 'run') {
          const run = await api('/api/experiments/' + experimentId + '/runs', { method: 'POST', json: body });
          location.hash = '#/runs/' + run.id;
        } else {
          if (body && typeof body === 'object' && !Array.isArray(body) && body.experimentId === undefined) body.experimentId = experimentId;
          const study = await api('/api/studies', { method: 'POST', json: body });
          location.hash = '#/studies/' + study.id;
        }
      } catch (e) {
        if (mine !== D.generation() || e.status === 401) return;
        showProblem(e);
        submit.disabled = false;
      }
    });
  }

  D.pages.newRun = (mine, experimentId) => editorPage(mine, experimentId, 'run');
  D.pages.newStudy = (mine, experimentId) => editorPage(mine, experimentId, 'study');
})();
