// The gateway's web UI: plain ES module, no build step, no dependencies. All data goes into the
// page through textContent/attributes (never innerHTML), so captions cannot inject markup.

const $ = (id) => document.getElementById(id);

/** An API error carrying the problem document's detail and request id. */
class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.requestId = problem?.requestId;
    this.retryAfter = problem?.retryAfter;
  }
}

async function api(path, options = {}) {
  let res;
  try {
    res = await fetch(path, options);
  } catch {
    throw new ApiError(0, { detail: 'The server cannot be reached. Check your connection and try again.' });
  }
  const type = res.headers.get('content-type') || '';
  const body = type.includes('json') ? await res.json().catch(() => null) : null;
  if (!res.ok) {
    const problem = body || { detail: `HTTP ${res.status}` };
    problem.retryAfter = res.headers.get('retry-after');
    throw new ApiError(res.status, problem);
  }
  return body;
}

// ---------------------------------------------------------------- shared UI state helpers

/** Shows a status line; `loading` adds the spinner (and aria-busy for assistive technology). */
function setStatus(statusEl, text, loading = false) {
  statusEl.textContent = text;
  statusEl.classList.toggle('loading', loading);
}

function showError(el, err) {
  if (!err) {
    el.hidden = true;
    el.textContent = '';
    return;
  }
  let text = err.message || String(err);
  if (!/[.!?]$/.test(text)) text += '.';
  if (err.retryAfter) text += ` Try again in ${err.retryAfter} s.`;
  if (err.requestId) text += ` (request id ${err.requestId})`;
  el.textContent = text;
  el.hidden = false;
}

const fmt = (x, digits = 2) => (typeof x === 'number' ? x.toFixed(digits) : '–');

function badge(label, value, title) {
  const span = document.createElement('span');
  span.className = 'badge';
  span.textContent = `${label} ${value}`;
  span.title = title;
  return span;
}

/** Renders result cards: thumbnail, best caption, similarity (and BLEU), all reference captions. */
function renderResults(listEl, results, { showBleu }) {
  listEl.replaceChildren();
  for (const r of results) {
    const li = document.createElement('li');
    li.className = 'result';
    li.dataset.imageId = r.imageId;

    const link = document.createElement('a');
    link.href = r.imageUrl;
    link.target = '_blank';
    link.rel = 'noopener';
    const img = document.createElement('img');
    img.src = r.thumbnailUrl || `${r.imageUrl}?size=256`;
    img.alt = r.caption;
    img.loading = 'lazy';
    img.decoding = 'async';
    // A missing file shows a neutral placeholder rather than the browser's broken-image icon.
    img.addEventListener('error', () => {
      img.removeAttribute('src');
      img.classList.add('missing');
    });
    link.append(img);

    const body = document.createElement('div');
    body.className = 'result-body';
    const caption = document.createElement('p');
    caption.className = 'result-caption';
    caption.textContent = r.caption;
    const scores = document.createElement('p');
    scores.className = 'scores';
    scores.append(badge('similarity', fmt(r.score), 'Similarity of this image’s best caption to the query'));
    if (showBleu) scores.append(badge('BLEU', fmt(r.bleu), 'Word overlap of the generated caption with this image’s captions (BLEU-4)'));
    body.append(caption, scores);

    if (r.captions && r.captions.length > 1) {
      const details = document.createElement('details');
      const summary = document.createElement('summary');
      summary.textContent = `All ${r.captions.length} captions`;
      const ul = document.createElement('ul');
      for (const c of r.captions) {
        const item = document.createElement('li');
        item.textContent = c;
        ul.append(item);
      }
      details.append(summary, ul);
      body.append(details);
    }
    li.append(link, body);
    listEl.append(li);
  }
}

const clampInt = (value, min, max, dflt) => {
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : dflt;
};

// ---------------------------------------------------------------- tabs (WAI-ARIA tabs pattern)

const tabs = [...document.querySelectorAll('[role="tab"]')];
function selectTab(tab, focus = true) {
  for (const t of tabs) {
    const selected = t === tab;
    t.setAttribute('aria-selected', String(selected));
    t.tabIndex = selected ? 0 : -1;
    $(t.getAttribute('aria-controls')).hidden = !selected;
  }
  if (focus) tab.focus();
  if (tab.id === 'tab-index') refreshIndex();
  history.replaceState(null, '', `#${tab.id.replace('tab-', '')}`);
}
for (const tab of tabs) {
  tab.addEventListener('click', () => selectTab(tab));
  tab.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(tab);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    selectTab(tabs[(next + tabs.length) % tabs.length]);
  });
}
const initial = tabs.find((t) => t.id === `tab-${location.hash.slice(1)}`);
if (initial) selectTab(initial, false);

// ---------------------------------------------------------------- image -> text

const imageInput = $('image-input');
const dropzone = $('dropzone');
const preview = $('image-preview');
let chosenFile = null;
let imageRequest = null;

function chooseFile(file) {
  if (!file) return;
  chosenFile = file;
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  preview.alt = `Your photo: ${file.name}`;
  preview.hidden = false;
  void searchImage();
}

imageInput.addEventListener('change', () => chooseFile(imageInput.files[0]));
for (const type of ['dragenter', 'dragover']) {
  dropzone.addEventListener(type, (e) => {
    e.preventDefault();
    dropzone.classList.add('dragging');
  });
}
for (const type of ['dragleave', 'drop']) {
  dropzone.addEventListener(type, () => dropzone.classList.remove('dragging'));
}
dropzone.addEventListener('drop', (e) => {
  e.preventDefault();
  const file = [...(e.dataTransfer?.files || [])].find((f) => f.type.startsWith('image/')) || e.dataTransfer?.files[0];
  chooseFile(file);
});
// Pasting an image (Ctrl+V) works too while the image tab is open.
document.addEventListener('paste', (e) => {
  if ($('panel-image').hidden) return;
  const file = [...(e.clipboardData?.files || [])].find((f) => f.type.startsWith('image/'));
  if (file) chooseFile(file);
});

$('image-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void searchImage();
});

async function searchImage() {
  const status = $('image-status');
  const errorEl = $('image-error');
  const list = $('image-results');
  showError(errorEl, null);
  if (!chosenFile) {
    showError(errorEl, new Error('Choose a photo first.'));
    imageInput.focus();
    return;
  }
  imageRequest?.abort();
  const controller = new AbortController();
  imageRequest = controller;
  const form = new FormData();
  form.append('image', chosenFile, chosenFile.name);
  form.append('k', String(clampInt($('image-k').value, 1, 50, 6)));
  form.append('mode', $('image-mode').value);
  $('image-submit').disabled = true;
  list.setAttribute('aria-busy', 'true');
  setStatus(status, 'Describing your photo and searching…', true);
  try {
    const body = await api('/v1/search/image', { method: 'POST', body: form, signal: controller.signal });
    $('caption').textContent = body.caption;
    $('caption-meta').textContent = `${body.model} · ${Math.round(body.tookMs)} ms`;
    $('caption-box').hidden = false;
    renderResults(list, body.results, { showBleu: true });
    $('image-empty').hidden = body.results.length > 0;
    setStatus(status, `${body.results.length} similar image${body.results.length === 1 ? '' : 's'}.`);
  } catch (err) {
    if (controller.signal.aborted) return;
    setStatus(status, '');
    showError(errorEl, err);
  } finally {
    if (imageRequest === controller) {
      $('image-submit').disabled = false;
      list.removeAttribute('aria-busy');
    }
  }
}

// ---------------------------------------------------------------- text -> image

const threshold = $('text-threshold');
const thresholdOut = $('threshold-out');
const showThreshold = () => (thresholdOut.textContent = Number(threshold.value).toFixed(2));
threshold.addEventListener('input', showThreshold);
showThreshold();

let textRequest = null;
$('text-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const status = $('text-status');
  const errorEl = $('text-error');
  const empty = $('text-empty');
  const list = $('text-results');
  const query = $('text-query').value.trim();
  showError(errorEl, null);
  if (!query) {
    showError(errorEl, new Error('Type a description first.'));
    $('text-query').focus();
    return;
  }
  textRequest?.abort();
  const controller = new AbortController();
  textRequest = controller;
  const payload = {
    query,
    threshold: Number(threshold.value),
    mode: $('text-mode').value,
    k: clampInt($('text-k').value, 1, 50, 6),
  };
  $('text-submit').disabled = true;
  list.setAttribute('aria-busy', 'true');
  setStatus(status, 'Searching…', true);
  try {
    const body = await api('/v1/search/text', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: controller.signal,
    });
    renderResults(list, body.results, { showBleu: false });
    empty.hidden = body.results.length > 0;
    empty.textContent = `Nothing scored above the threshold ${payload.threshold.toFixed(2)}. Lower the threshold or try other words.`;
    setStatus(status, body.results.length ? `${body.results.length} image${body.results.length === 1 ? '' : 's'} in ${Math.round(body.tookMs)} ms.` : '');
  } catch (err) {
    if (controller.signal.aborted) return;
    setStatus(status, '');
    list.replaceChildren();
    empty.hidden = true;
    showError(errorEl, err);
  } finally {
    if (textRequest === controller) {
      $('text-submit').disabled = false;
      list.removeAttribute('aria-busy');
    }
  }
});

// ---------------------------------------------------------------- index status

let pollTimer = null;
let watchedJob = null;

function detail(dl, label, value) {
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  dd.textContent = value;
  dl.append(dt, dd);
}

function showJob(job) {
  const box = $('index-progress-box');
  if (!job || ['completed', 'failed'].includes(job.state)) {
    box.hidden = true;
    return false;
  }
  const { done, total, phase } = job.progress;
  const bar = $('index-progress');
  if (total > 0) {
    bar.max = total;
    bar.value = done;
  } else {
    bar.removeAttribute('value'); // indeterminate while the dataset is read
  }
  $('index-progress-label').textContent =
    total > 0 ? `Re-indexing (${phase}): ${done} / ${total} captions` : `Re-indexing (${phase}, ${job.state})…`;
  box.hidden = false;
  return true;
}

async function refreshIndex() {
  clearTimeout(pollTimer);
  const status = $('index-status');
  const dl = $('index-details');
  try {
    const body = await api('/v1/index');
    showError($('index-error'), null);
    const g = body.generation;
    dl.replaceChildren();
    if (g) {
      detail(dl, 'Generation', g.id);
      detail(dl, 'Images', String(g.imageCount));
      detail(dl, 'Captions', String(g.captionCount));
      detail(dl, 'Model', g.model);
      detail(dl, 'Dataset', g.dataset);
      detail(dl, 'Built', g.committedAt ? new Date(g.committedAt).toLocaleString() : '–');
      dl.hidden = false;
      status.textContent = 'Serving.';
    } else {
      dl.hidden = true;
      status.textContent = 'No index is served yet.';
    }
    let job = body.job;
    if (!job && watchedJob) {
      job = await api(`/v1/index/jobs/${encodeURIComponent(watchedJob)}`).catch(() => null);
      if (job?.state === 'failed') showError($('index-error'), new Error(`The re-index failed: ${job.error || 'unknown error'}`));
      if (!job || ['completed', 'failed'].includes(job.state)) watchedJob = null;
    }
    if (showJob(job)) pollTimer = setTimeout(refreshIndex, 2000);
  } catch (err) {
    status.textContent = '';
    showError($('index-error'), err);
  }
}

$('reindex-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = $('admin-key').value;
  try {
    const body = await api('/v1/index', {
      method: 'POST',
      headers: key ? { 'x-api-key': key } : {},
    });
    watchedJob = body.jobId;
    $('index-status').textContent = body.existing ? 'A re-index is already running.' : 'Re-index started.';
    await refreshIndex();
  } catch (err) {
    showError($('index-error'), err);
  }
});
