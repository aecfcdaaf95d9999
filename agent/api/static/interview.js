// Screenline candidate page: consent, microphone, one WebRTC call, live captions.
// Plain browser JavaScript, no build step and no third-party code.
'use strict';

(() => {
  const TEXT = {
    en: {
      title: 'Phone screening interview',
      notice: 'You will talk with an AI interviewer, not a person. The interview is recorded, ' +
        'transcribed and evaluated, and a recruiter reviews the result. You can ask for a ' +
        'person or end the interview at any time.',
      consent: 'I understand and agree.',
      mic_hint: 'Your browser will ask to use the microphone.',
      start: 'Start interview',
      hangup: 'Hang up',
      status_idle: 'Ready when you are.',
      status_mic: 'Asking for the microphone…',
      status_connecting: 'Connecting…',
      status_live: 'Connected. The interviewer will speak first.',
      status_speaking: 'The interviewer is speaking.',
      status_listening: 'Your turn: the interviewer is listening.',
      status_ended: 'The interview has ended. Thank you!',
      status_hungup: 'You hung up. The interview has ended.',
      status_lost: 'The connection was lost.',
      interviewer: 'Interviewer',
      you: 'You',
      err_no_mic: 'No microphone was found. Connect a microphone and press Start again.',
      err_denied: 'Microphone access was denied. Allow the microphone for this site in your ' +
        'browser settings, then press Start again.',
      err_busy: 'The microphone is in use by another application or could not be opened.',
      err_insecure: 'This page needs HTTPS (or localhost) to use the microphone.',
      err_connect: 'Could not connect to the interview server: ',
    },
    zh: {
      title: '电话初筛面试',
      notice: '与您交谈的是 AI 面试官，不是真人。面试将被录音、转写和评估，结果由招聘人员审核。' +
        '您可以随时要求转人工或结束面试。',
      consent: '我已了解并同意。',
      mic_hint: '浏览器会请求使用麦克风。',
      start: '开始面试',
      hangup: '挂断',
      status_idle: '准备好后请开始。',
      status_mic: '正在请求麦克风权限…',
      status_connecting: '正在连接…',
      status_live: '已连接，面试官会先说话。',
      status_speaking: '面试官正在说话。',
      status_listening: '请回答：面试官正在听。',
      status_ended: '面试已结束，谢谢！',
      status_hungup: '您已挂断，面试结束。',
      status_lost: '连接已断开。',
      interviewer: '面试官',
      you: '您',
      err_no_mic: '没有找到麦克风。请连接麦克风后再点击开始。',
      err_denied: '麦克风权限被拒绝。请在浏览器的网站设置中允许使用麦克风，然后再点击开始。',
      err_busy: '麦克风正被其他程序占用或无法打开。',
      err_insecure: '此页面需要 HTTPS（或 localhost）才能使用麦克风。',
      err_connect: '无法连接面试服务器：',
    },
  };

  const params = new URLSearchParams(window.location.search);
  const wanted = params.get('lang') || navigator.language || 'en';
  const lang = wanted.toLowerCase().startsWith('zh') ? 'zh' : 'en';
  const t = (key) => TEXT[lang][key] || TEXT.en[key] || key;

  const $ = (id) => document.getElementById(id);
  const consent = $('consent');
  const startButton = $('start');
  const hangupButton = $('hangup');
  const statusLine = $('status');
  const errorLine = $('error');
  const captions = $('captions');
  const remoteAudio = $('remote-audio');

  let pc = null;
  let channel = null;
  let micStream = null;
  let interim = null; // the candidate's caption line while they are still talking
  let ended = false;

  function translatePage() {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title');
    for (const el of document.querySelectorAll('[data-i18n]')) {
      el.textContent = t(el.dataset.i18n);
    }
    for (const code of ['en', 'zh']) {
      const link = $(`lang-${code}`);
      const next = new URLSearchParams(params);
      next.set('lang', code);
      link.href = `?${next}`;
    }
  }

  function setStatus(key) { statusLine.textContent = t(key); }

  function showError(message) {
    errorLine.textContent = message;
    errorLine.hidden = false;
  }

  function caption(who, text, className) {
    const line = document.createElement('div');
    line.className = `line ${className}`;
    const label = document.createElement('span');
    label.className = 'who';
    label.textContent = who;
    const body = document.createElement('span');
    body.className = 'text';
    body.textContent = text;
    line.append(label, body);
    captions.append(line);
    line.scrollIntoView({ block: 'end' });
    return line;
  }

  function onTranscript(msg) {
    if (!msg.text) return;
    if (!msg.final) {
      interim = interim || caption(t('you'), '', 'candidate interim');
      interim.querySelector('.text').textContent = msg.text;
      return;
    }
    if (interim) interim.remove();
    interim = null;
    caption(t('you'), msg.text, 'candidate final');
  }

  function onEvent(msg) {
    switch (msg.type) {
      case 'bot_said':
        caption(t('interviewer'), msg.text, 'interviewer');
        setStatus('status_speaking');
        break;
      case 'listening':
        setStatus('status_listening');
        break;
      case 'transcript':
        onTranscript(msg);
        break;
      case 'call_ended':
        ended = true;
        setStatus(msg.outcome === 'hung_up' ? 'status_hungup' : 'status_ended');
        // Let the goodbye finish playing; the server closes the connection when it has.
        break;
      case 'error':
        showError(msg.message || String(msg.code));
        break;
      default:
        break; // pipecat signalling and events this page does not show
    }
  }

  async function getMicrophone() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw new Error(t('err_insecure'));
    }
    try {
      return await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        video: false,
      });
    } catch (err) {
      if (err.name === 'NotFoundError' || err.name === 'OverconstrainedError') {
        throw new Error(t('err_no_mic'));
      }
      if (err.name === 'NotAllowedError' || err.name === 'SecurityError') {
        throw new Error(t('err_denied'));
      }
      if (err.name === 'NotReadableError' || err.name === 'AbortError') {
        throw new Error(t('err_busy'));
      }
      throw err;
    }
  }

  function iceGatheringDone(peer, timeoutMs) {
    // One-shot signalling: send the offer once host candidates are in it (no trickle needed
    // without STUN; the timeout covers a slow interface).
    if (peer.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      peer.addEventListener('icegatheringstatechange', () => {
        if (peer.iceGatheringState === 'complete') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  // The invitation link's signed token: it names the candidate and the interview, and every
  // request of this page carries it (the server refuses the page and the call without it).
  const inviteHeaders = { 'X-Screenline-Invite': params.get('invite') || '' };

  async function connect() {
    const config = await (await fetch('/api/webrtc/config', { headers: inviteHeaders })).json();
    pc = new RTCPeerConnection({ iceServers: config.iceServers || [] });
    // The data channel carries the interviewer's events; it must exist before the offer.
    channel = pc.createDataChannel('events', { ordered: true });
    channel.onmessage = (e) => {
      try { onEvent(JSON.parse(e.data)); } catch (_err) { /* not JSON: ignore */ }
    };
    for (const track of micStream.getAudioTracks()) pc.addTrack(track, micStream);
    pc.ontrack = (e) => {
      remoteAudio.srcObject = e.streams[0] || new MediaStream([e.track]);
      remoteAudio.play().catch(() => {});
    };
    pc.onconnectionstatechange = () => {
      if (['failed', 'closed', 'disconnected'].includes(pc.connectionState)) finish(!ended);
    };
    await pc.setLocalDescription(await pc.createOffer());
    await iceGatheringDone(pc, 3000);
    const response = await fetch('/api/webrtc/offer', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...inviteHeaders },
      body: JSON.stringify({ sdp: pc.localDescription.sdp, type: pc.localDescription.type }),
    });
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (_err) { /* keep */ }
      throw new Error(t('err_connect') + detail);
    }
    const answer = await response.json();
    await pc.setRemoteDescription({ sdp: answer.sdp, type: answer.type });
  }

  function finish(lost) {
    if (lost && !ended) setStatus('status_lost');
    ended = true;
    hangupButton.disabled = true;
    startButton.disabled = !consent.checked;
    if (micStream) micStream.getTracks().forEach((track) => track.stop());
    micStream = null;
    if (pc) pc.close();
    pc = null;
    channel = null;
  }

  async function start() {
    errorLine.hidden = true;
    startButton.disabled = true;
    captions.replaceChildren();
    interim = null;
    ended = false;
    try {
      setStatus('status_mic');
      micStream = await getMicrophone();
      setStatus('status_connecting');
      hangupButton.disabled = false;
      await connect();
    } catch (err) {
      showError(err.message || String(err));
      finish(false);
      setStatus('status_idle');
    }
  }

  function hangUp() {
    if (channel && channel.readyState === 'open') {
      // Ask the server to end the interview so it files a proper report, then close.
      channel.send(JSON.stringify({ type: 'hangup' }));
      setTimeout(() => finish(false), 1500);
    } else {
      finish(false);
    }
    setStatus('status_hungup');
    hangupButton.disabled = true;
  }

  translatePage();
  consent.addEventListener('change', () => {
    startButton.disabled = !consent.checked || (pc !== null);
  });
  startButton.addEventListener('click', start);
  hangupButton.addEventListener('click', hangUp);
})();
