// Screenline recruiter page: sign in with a recruiter API key (kept in sessionStorage), list
// reports with filters, open one, review it. Plain browser JavaScript, no third-party code;
// server data only ever reaches the page as text (textContent) or inside a sandboxed frame.
'use strict';

(() => {
  const TEXT = {
    en: {
      title: 'Interview reports', logout: 'Sign out', key_label: 'Recruiter API key',
      login: 'Sign in',
      key_hint: 'The key is kept in this browser tab only and is forgotten when you close it.',
      f_job: 'Job', f_tier: 'Tier', f_since: 'From', f_until: 'To', f_reviewed: 'Reviewed',
      any: 'any', yes: 'yes', no: 'no', apply: 'Show', more: 'More',
      c_created: 'Date', c_candidate: 'Candidate', c_job: 'Job', c_tier: 'Tier',
      c_score: 'Score', c_reviewed: 'Review', open: 'Open', report: 'Report',
      tier_strong_recommend: 'strong recommend', tier_pending: 'pending', tier_reject: 'reject',
      tier_ineligible: 'ineligible', tier_incomplete: 'incomplete',
      not_reviewed: 'not reviewed', reviewed_was: 'reviewed; recommended: ', r_tier: 'Decision', r_note: 'Note', r_submit: 'Save review',
      loading: 'Loading…', none: 'No reports match.', shown: 'Reports shown: ',
      capped: ' (the newest; narrow the filters to see others)',
      saved: 'Review saved.', err_key: 'That key was refused. Check it and sign in again.',
      err_role: 'This key may not read reports (a recruiter or admin key is needed).',
      err_net: 'The server could not be reached: ', err_http: 'The server answered ',
      err_big: 'The report is too large to show here.',
    },
    zh: {
      title: '面试报告', logout: '退出', key_label: '招聘人员 API 密钥', login: '登录',
      key_hint: '密钥只保存在当前浏览器标签页中，关闭后即被清除。',
      f_job: '职位', f_tier: '等级', f_since: '开始日期', f_until: '结束日期',
      f_reviewed: '已审核', any: '全部', yes: '是', no: '否', apply: '查询', more: '更多',
      c_created: '日期', c_candidate: '候选人', c_job: '职位', c_tier: '等级', c_score: '分数',
      c_reviewed: '审核', open: '打开', report: '报告',
      tier_strong_recommend: '强烈推荐', tier_pending: '待定', tier_reject: '不推荐',
      tier_ineligible: '不符合条件', tier_incomplete: '未完成',
      not_reviewed: '未审核', reviewed_was: '已审核；原推荐：', r_tier: '决定', r_note: '备注', r_submit: '保存审核',
      loading: '加载中…', none: '没有符合条件的报告。', shown: '显示的报告：',
      capped: '（最新的；请缩小筛选范围查看其他报告）',
      saved: '审核已保存。', err_key: '密钥被拒绝，请检查后重新登录。',
      err_role: '此密钥无权查看报告（需要招聘人员或管理员密钥）。',
      err_net: '无法连接服务器：', err_http: '服务器返回 ', err_big: '报告太大，无法在此显示。',
    },
  };
  const KEY_STORE = 'screenline.recruiterKey';
  const PAGE_SIZE = 50; // rows per request
  const MAX_ROWS = 500; // rows kept on the page: bounded rendering, whatever the server sends
  const MAX_REPORT_CHARS = 4 * 1024 * 1024;
  const MAX_CELL = 120;

  const params = new URLSearchParams(window.location.search);
  const wanted = params.get('lang') || navigator.language || 'en';
  const lang = wanted.toLowerCase().startsWith('zh') ? 'zh' : 'en';
  const t = (key) => TEXT[lang][key] || TEXT.en[key] || key;
  const $ = (id) => document.getElementById(id);

  document.documentElement.lang = lang;
  document.title = t('title');
  for (const node of document.querySelectorAll('[data-i18n]')) {
    node.textContent = t(node.dataset.i18n);
  }

  let apiKey = sessionStorage.getItem(KEY_STORE);
  let cursor = null;
  let shown = 0;
  let current = null; // the report id open in the detail view

  class HttpError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  function clip(value, max = MAX_CELL) {
    const text = value === null || value === undefined ? '' : String(value);
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  }

  function showError(message) {
    const line = $('error');
    line.textContent = clip(message, 500);
    line.hidden = !message;
  }

  async function api(path, options = {}) {
    const headers = { Authorization: `Bearer ${apiKey}`, ...(options.headers || {}) };
    let response;
    try {
      response = await fetch(path, { ...options, headers, cache: 'no-store' });
    } catch (err) {
      throw new HttpError(0, t('err_net') + err.message);
    }
    if (!response.ok) {
      let detail = '';
      try {
        const body = await response.json();
        detail = typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail);
      } catch (_err) {
        detail = response.statusText;
      }
      throw new HttpError(response.status, `${t('err_http')}${response.status}: ${detail}`);
    }
    return response;
  }

  function handle(err) {
    if (err instanceof HttpError && err.status === 401) {
      signOut();
      showError(t('err_key'));
    } else if (err instanceof HttpError && err.status === 403) {
      showError(t('err_role'));
    } else {
      showError(err.message);
    }
  }

  function signedIn(yes) {
    $('login').hidden = yes;
    $('app').hidden = !yes;
    $('logout').hidden = !yes;
  }

  function signOut() {
    sessionStorage.removeItem(KEY_STORE);
    apiKey = null;
    signedIn(false);
    $('rows').replaceChildren();
    $('detail').hidden = true;
  }

  function query() {
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    const job = $('f-job').value.trim();
    if (job) q.set('job_id', job);
    if ($('f-tier').value) q.set('tier', $('f-tier').value);
    // Dates are the recruiter's local days, sent as UTC instants.
    if ($('f-since').value) q.set('since', new Date(`${$('f-since').value}T00:00:00`).toISOString());
    if ($('f-until').value) q.set('until', new Date(`${$('f-until').value}T23:59:59.999`).toISOString());
    if ($('f-reviewed').value) q.set('reviewed', $('f-reviewed').value);
    return q;
  }

  function safeTier(value) {
    return typeof value === 'string' && Object.hasOwn(TEXT.en, `tier_${value}`) ? value : '';
  }

  function tierText(tier) {
    return tier ? t(`tier_${tier}`) : '';
  }

  function cell(row, text, className) {
    const td = document.createElement('td');
    td.textContent = clip(text);
    if (className) td.className = className;
    row.append(td);
    return td;
  }

  function addRow(item) {
    const id = clip(item.report_id, 64);
    const tr = document.createElement('tr');
    tr.dataset.reportId = id;
    const created = item.created_at ? new Date(item.created_at) : null;
    cell(tr, created && !Number.isNaN(created.getTime()) ? created.toLocaleString(lang) : '');
    cell(tr, item.candidate_id);
    cell(tr, item.job_id);
    const tier = safeTier(item.tier);
    cell(tr, tierText(tier), tier ? `tier-${tier}` : '');
    cell(tr, typeof item.score === 'number' ? item.score.toFixed(1) : '');
    // The tier column is the tier in force (what the filter matches); a review says what the
    // scorer had recommended before the person decided.
    const recommended = safeTier(item.recommended_tier);
    cell(tr, item.reviewed_tier ? `${t('reviewed_was')}${tierText(recommended)}` : t('not_reviewed'));
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = t('open');
    button.className = 'open';
    button.addEventListener('click', () => openReport(id));
    tr.append(document.createElement('td'));
    tr.lastChild.append(button);
    $('rows').append(tr);
  }

  async function loadReports(more = false) {
    showError('');
    if (!more) {
      $('rows').replaceChildren();
      cursor = null;
      shown = 0;
    }
    $('list-status').textContent = t('loading');
    const q = query();
    if (more && cursor) q.set('cursor', cursor);
    try {
      const data = await (await api(`/api/reports?${q}`)).json();
      const items = Array.isArray(data) ? data : data.items || data.reports || [];
      for (const item of items.slice(0, MAX_ROWS - shown)) {
        if (item && typeof item === 'object') {
          addRow(item);
          shown += 1;
        }
      }
      cursor = Array.isArray(data) ? null : data.next_cursor || null;
      const capped = cursor && shown >= MAX_ROWS;
      $('more').hidden = !cursor || capped;
      $('list-status').textContent = shown ? `${t('shown')}${shown}${capped ? t('capped') : ''}`
        : t('none');
    } catch (err) {
      $('list-status').textContent = '';
      handle(err);
    }
  }

  async function openReport(id) {
    showError('');
    current = id;
    for (const tr of $('rows').children) {
      tr.classList.toggle('selected', tr.dataset.reportId === id);
    }
    $('detail-id').textContent = id;
    $('review-status').textContent = t('loading');
    $('detail').hidden = false;
    try {
      const page = await (await api(`/api/reports/${encodeURIComponent(id)}.html`)).text();
      if (page.length > MAX_REPORT_CHARS) throw new Error(t('err_big'));
      // The report is the server's own escaped HTML with its own CSP; the frame is sandboxed
      // (no scripts, its own origin), so even a hostile report could not reach this page.
      $('report-frame').srcdoc = page;
      $('review-status').textContent = '';
    } catch (err) {
      $('review-status').textContent = '';
      handle(err);
    }
  }

  async function submitReview(event) {
    event.preventDefault();
    if (!current) return;
    showError('');
    $('r-submit').disabled = true;
    try {
      await api(`/api/reports/${encodeURIComponent(current)}/reviews`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ tier: $('r-tier').value, note: $('r-note').value.slice(0, 2000) }),
      });
      $('review-status').textContent = t('saved');
      $('r-note').value = '';
      const id = current;
      await loadReports();
      await openReport(id);
      $('review-status').textContent = t('saved');
    } catch (err) {
      handle(err);
    } finally {
      $('r-submit').disabled = false;
    }
  }

  $('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    apiKey = $('api-key').value.trim();
    $('api-key').value = '';
    sessionStorage.setItem(KEY_STORE, apiKey);
    signedIn(true);
    await loadReports();
  });
  $('logout').addEventListener('click', signOut);
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadReports();
  });
  $('more').addEventListener('click', () => loadReports(true));
  $('review-form').addEventListener('submit', submitReview);

  if (apiKey) {
    signedIn(true);
    loadReports();
  } else {
    signedIn(false);
  }
})();
