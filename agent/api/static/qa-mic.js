// AudioWorklet for the QA page's take-over: the microphone as 20 ms PCM16 frames at 16 kHz,
// posted to the page, which sends them to the server. Plain JavaScript, no build step.
'use strict';

class QaMic extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / 16000; // input samples per output sample
    this.pos = 0;
    this.frame = new Int16Array(320);
    this.filled = 0;
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    // Linear interpolation down to 16 kHz (speech; the server resamples to the call's rate).
    while (this.pos < input.length - 1) {
      const i = Math.floor(this.pos);
      const frac = this.pos - i;
      const v = input[i] * (1 - frac) + input[i + 1] * frac;
      this.frame[this.filled++] = Math.max(-32768, Math.min(32767, Math.round(v * 32767)));
      if (this.filled === this.frame.length) {
        this.port.postMessage(this.frame.buffer.slice(0));
        this.filled = 0;
      }
      this.pos += this.step;
    }
    this.pos -= input.length;
    return true;
  }
}

registerProcessor('qa-mic', QaMic);
