// Screenline QA monitor: live calls, live transcript, listen in, flag, take over, end.
// Plain browser JavaScript, no build step and no third-party code. The key stays in memory;
// sockets open with short-lived tickets (POST /api/monitor/tickets), never the key in a URL.
'use strict';

(() => {
  const TEXT = {
    en: {
      title: 'Live interviews', key: 'QA key', login: 'Sign in', candidate: 'Candidate',
      job: 'Job', transport: 'Transport', duration: 'Duration', state: 'State',
      signal: 'Last signal', no_calls: 'No live calls.', call: 'Call', listen: 'Listen',
      stop_listen: 'Stop listening', takeover: 'Take over', handback: 'Hand back',
      end: 'End call', note: 'Note for this moment', flag: 'Flag this moment',
      metrics: 'Turn timing and delivery', question: 'Question', gap: 'Response gap',
      asr_tail: 'ASR tail', rate: 'Speech rate', pauses: 'Pauses', fillers: 'Fillers',
      taken_over: 'Taken over', interviewer: 'Interviewer', you: 'You (QA)',
      cand: 'Candidate', connected: 'Connected: live calls of every server.',
      lost: 'Connection lost; reconnecting…', ended: 'The call has ended.',
      flagged: 'Flag', signin_failed: 'Sign-in failed: ', words: 'words',
      mic_failed: 'The microphone could not be opened: ',
    },
    zh: {
      title: '实时面试', key: '质检密钥', login: '登录', candidate: '候选人', job: '职位',
      transport: '接入方式', duration: '时长', state: '状态', signal: '最新信号',
      no_calls: '当前没有进行中的通话。', call: '通话', listen: '监听', stop_listen: '停止监听',
      takeover: '接管', handback: '交还', end: '结束通话', note: '此刻的备注', flag: '标记此刻',
      metrics: '每轮时延与表达', question: '问题', gap: '响应间隔', asr_tail: '识别尾延迟',
      rate: '语速', pauses: '停顿', fillers: '填充词', taken_over: '已接管',
      interviewer: '面试官', you: '您（质检）', cand: '候选人',
      connected: '已连接：显示所有服务器的通话。', lost: '连接断开，正在重连…',
      ended: '通话已结束。', flagged: '标记', signin_failed: '登录失败：', words: '词',
      mic_failed: '无法打开麦克风：',
    },
  };
  let lang = new URLSearchParams(location.search).get('lang') === 'zh' ? 'zh' : 'en';
  const $ = (id) => document.getElementById(id);
  const t = (k) => TEXT[lang][k] || k;

  let key = '';
  let socket = null;
  const calls = new Map(); // call id -> summary
  const logs = new Map(); // call id -> events of the call seen on this page
  let selected = null;
  let listener = null; // {ws, ctx, next}
  let mic = null; // {ctx, stream, node}
  // Figures tests and people can read: frames heard, how many carried sound, delay.
  const stats = { frames: 0, loud: 0, bufferedMs: 0, micFrames: 0, firstFrameMs: null };
  window.qaStats = stats;

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.querySelectorAll('[data-i18n]').forEach((el) => {
      el.textContent = t(el.dataset.i18n);
    });
    document.querySelectorAll('[data-i18n-placeholder]').forEach((el) => {
      el.placeholder = t(el.dataset.i18nPlaceholder);
    });
    if (listener) $('listen').textContent = t('stop_listen');
    renderCalls();
    renderCall();
  }

  function status(text) { $('status').textContent = text; }
  function error(text) {
    $('error').hidden = !text;
    $('error').textContent = text || '';
  }

  async function ticket() {
    const reply = await fetch('/api/monitor/tickets', {
      method: 'POST', headers: { Authorization: 'Bearer ' + key },
    });
    if (!reply.ok) {
      const body = await reply.json().catch(() => ({}));
      throw new Error(body.detail || reply.status);
    }
    return (await reply.json()).ticket;
  }

  function wsUrl(path) {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + path;
  }

  async function connect() {
    let tk;
    try {
      tk = await ticket();
    } catch (e) {
      error(t('signin_failed') + e.message);
      return;
    }
    error('');
    const ws = new WebSocket(wsUrl('/ws/monitor'));
    socket = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', ticket: tk }));
    ws.onmessage = (m) => onEvent(JSON.parse(m.data));
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      status(t('lost'));
      setTimeout(connect, 1000);
    };
    $('login').hidden = true;
    $('calls-box').hidden = false;
  }

  function onEvent(ev) {
    if (ev.type === 'calls') {
      calls.clear();
      ev.calls.forEach((c) => calls.set(c.call_id, c));
      status(t('connected'));
    } else if (ev.type === 'error') {
      error(ev.message);
      return;
    } else if (ev.type === 'ack') {
      return;
    } else {
      const id = ev.call_id;
      if (!logs.has(id)) logs.set(id, []);
      logs.get(id).push(ev);
      if (ev.type === 'started') {
        calls.set(id, {
          call_id: id, candidate_id: ev.candidate_id, job_id: ev.job_id,
          transport: ev.transport, started_at: ev.at, state: 'new', last_signal: null,
          sample_rate: ev.sample_rate, t: 0,
        });
      }
      const c = calls.get(id);
      if (c) {
        c.t = ev.t;
        if (ev.state) c.state = ev.state;
        if (ev.type === 'metrics') c.last_signal = signal(ev);
        if (ev.type === 'takeover') c.taken_over = true;
        if (ev.type === 'handback') c.taken_over = false;
        if (ev.type === 'call_ended') {
          calls.delete(id);
          if (selected === id) {
            status(t('ended'));
            stopListening();
          }
        }
      }
    }
    renderCalls();
    if (!ev.call_id || ev.call_id === selected) renderCall();
  }

  function signal(ev) {
    const lat = ev.latency || {};
    const f = ev.features || {};
    const parts = [];
    if (f.words !== undefined) parts.push(f.words + ' ' + t('words'));
    if (lat.response_gap_ms !== undefined) parts.push((lat.response_gap_ms / 1000).toFixed(1) + ' s');
    return parts.join(' · ');
  }

  function duration(c) {
    const s = Math.max(0, Math.round(Date.now() / 1000 - (c.started_at || Date.now() / 1000)));
    return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
  }

  function cell(text) {
    const td = document.createElement('td');
    td.textContent = text == null ? '—' : String(text);
    return td;
  }

  function renderCalls() {
    const body = $('calls').querySelector('tbody');
    body.replaceChildren();
    for (const c of calls.values()) {
      const tr = document.createElement('tr');
      tr.dataset.callId = c.call_id;
      if (c.call_id === selected) tr.className = 'selected';
      const sig = typeof c.last_signal === 'string' ? c.last_signal
        : c.last_signal ? signal({ latency: { response_gap_ms: c.last_signal.response_gap_ms },
          features: { words: c.last_signal.words } }) : '';
      [c.candidate_id, c.job_id, c.transport, duration(c),
        c.state + (c.taken_over ? ' · ' + t('taken_over') : ''), sig]
        .forEach((v) => tr.appendChild(cell(v)));
      tr.onclick = () => select(c.call_id);
      body.appendChild(tr);
    }
    $('no-calls').hidden = calls.size > 0;
  }

  function select(id) {
    if (selected !== id) stopListening();
    selected = id;
    $('call').hidden = false;
    renderCalls();
    renderCall();
  }

  function line(cls, who, text) {
    const div = document.createElement('div');
    div.className = 'line ' + cls;
    const w = document.createElement('span');
    w.className = 'who';
    w.textContent = who;
    const body = document.createElement('span');
    body.className = 'text';
    body.textContent = text;
    div.append(w, body);
    return div;
  }

  function renderCall() {
    if (!selected) return;
    const c = calls.get(selected);
    const events = logs.get(selected) || [];
    $('call-title').textContent = c ? c.candidate_id + ' (' + c.call_id.slice(0, 8) + ')' : selected.slice(0, 8);
    $('call-state').textContent = c ? c.state : t('ended');
    $('call-clock').textContent = c ? duration(c) : '';
    const over = !!(c && c.taken_over);
    $('taken-over').hidden = !over;
    $('takeover').hidden = over;
    $('handback').hidden = !over;
    ['listen', 'takeover', 'handback', 'end', 'flag'].forEach((b) => { $(b).disabled = !c; });
    const box = $('transcript');
    box.replaceChildren();
    const flags = $('flags');
    flags.replaceChildren();
    const metrics = $('metrics').querySelector('tbody');
    metrics.replaceChildren();
    let interim = '';
    for (const ev of events) {
      if (ev.type === 'bot_said') {
        box.appendChild(line('interviewer', t('interviewer') + ' · ' + ev.t.toFixed(1) + ' s', ev.text));
      } else if (ev.type === 'transcript' && ev.final) {
        box.appendChild(line('candidate final', t('cand') + ' · ' + ev.t.toFixed(1) + ' s', ev.text));
        interim = '';
      } else if (ev.type === 'transcript') {
        interim = ev.text;
      } else if (ev.type === 'takeover' || ev.type === 'handback') {
        box.appendChild(line('note', ev.t.toFixed(1) + ' s', t(ev.type)));
      } else if (ev.type === 'flag') {
        const li = document.createElement('li');
        li.textContent = t('flagged') + ' ' + ev.t.toFixed(1) + ' s: ' + (ev.note || '');
        flags.appendChild(li);
      } else if (ev.type === 'metrics' && ev.features) {
        const lat = ev.latency || {};
        const f = ev.features || {};
        const tr = document.createElement('tr');
        const num = (v, d, unit) => (v === undefined || v === null ? '—' : Number(v).toFixed(d) + unit);
        [ev.question_id || '—', num(lat.response_gap_ms, 0, ' ms'), num(lat.asr_tail_ms, 0, ' ms'),
          num(f.speech_rate_per_min, 0, '/min'), num(f.pause_count, 0, ''),
          num(f.filler_count, 0, '')].forEach((v) => tr.appendChild(cell(v)));
        metrics.appendChild(tr);
      }
    }
    $('interim').textContent = interim;
    box.scrollTop = box.scrollHeight;
  }

  function command(type, extra) {
    if (socket && selected) socket.send(JSON.stringify({ type, call_id: selected, ...extra }));
  }

  // -- listen in: mixed PCM16 frames, scheduled back to back with a small jitter buffer ---

  const LEAD_S = 0.06; // jitter buffer
  const MAX_DELAY_S = 0.3; // beyond this, drop what is queued: delay stays under 0.5 s

  async function startListening() {
    const id = selected;
    const tk = await ticket();
    const ctx = new AudioContext();
    await ctx.resume();
    const ws = new WebSocket(wsUrl('/ws/monitor/listen'));
    ws.binaryType = 'arraybuffer';
    const started = performance.now();
    listener = { ws, ctx, next: 0, rate: 16000, id };
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', ticket: tk, call_id: id }));
    ws.onmessage = (m) => {
      if (typeof m.data === 'string') {
        const msg = JSON.parse(m.data);
        if (msg.type === 'audio') listener.rate = msg.sample_rate;
        if (msg.type === 'error') error(msg.message);
        return;
      }
      if (stats.firstFrameMs === null) stats.firstFrameMs = performance.now() - started;
      play(new Int16Array(m.data));
    };
    ws.onclose = () => { if (listener && listener.ws === ws) stopListening(); };
    $('listen').textContent = t('stop_listen');
    $('listen').classList.add('active');
  }

  function play(samples) {
    const l = listener;
    if (!l || !samples.length) return;
    stats.frames += 1;
    let peak = 0;
    const buffer = l.ctx.createBuffer(1, samples.length, l.rate);
    const data = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) {
      data[i] = samples[i] / 32768;
      peak = Math.max(peak, Math.abs(samples[i]));
    }
    if (peak > 1000) stats.loud += 1;
    const now = l.ctx.currentTime;
    if (l.next < now || l.next - now > MAX_DELAY_S) l.next = now + LEAD_S;
    const source = l.ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(l.ctx.destination);
    source.start(l.next);
    l.next += buffer.duration;
    stats.bufferedMs = Math.round((l.next - now) * 1000);
  }

  function stopListening() {
    stopMic();
    if (!listener) return;
    const l = listener;
    listener = null;
    l.ws.close();
    l.ctx.close();
    $('listen').textContent = t('listen');
    $('listen').classList.remove('active');
  }

  // -- take over: the browser microphone replaces the interviewer --------------------------

  async function startMic() {
    if (!listener) await startListening();
    try {
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true },
      });
      const ctx = new AudioContext();
      await ctx.audioWorklet.addModule('/static/qa-mic.js');
      const node = new AudioWorkletNode(ctx, 'qa-mic');
      node.port.onmessage = (m) => {
        if (listener && listener.ws.readyState === WebSocket.OPEN) {
          listener.ws.send(m.data);
          stats.micFrames += 1;
        }
      };
      ctx.createMediaStreamSource(stream).connect(node);
      mic = { ctx, stream, node };
    } catch (e) {
      error(t('mic_failed') + e.message);
    }
  }

  function stopMic() {
    if (!mic) return;
    mic.stream.getTracks().forEach((tr) => tr.stop());
    mic.ctx.close();
    mic = null;
  }

  // -- wiring ---------------------------------------------------------------------------------

  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    key = $('key').value.trim();
    $('key').value = '';
    connect();
  });
  $('listen').onclick = () => (listener ? stopListening() : startListening().catch((e) => error(e.message)));
  $('flag').onclick = () => {
    command('flag', { note: $('note').value });
    $('note').value = '';
  };
  $('takeover').onclick = async () => {
    await startMic();
    command('takeover');
  };
  $('handback').onclick = () => {
    stopMic();
    command('handback');
  };
  $('end').onclick = () => command('end');
  $('lang-en').onclick = (e) => { e.preventDefault(); lang = 'en'; applyLanguage(); };
  $('lang-zh').onclick = (e) => { e.preventDefault(); lang = 'zh'; applyLanguage(); };
  setInterval(() => { renderCalls(); if (selected) $('call-clock').textContent = calls.get(selected) ? duration(calls.get(selected)) : ''; }, 1000);
  applyLanguage();
})();
