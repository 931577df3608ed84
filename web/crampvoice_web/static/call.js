// The simulator's Call panel: a phone call to the real /voice through /simulator/call
// (which signs each request as Twilio does). The TwiML's <Say> words are spoken with the
// browser's speech synthesis, <Pause> waits, and the keypad (always) or the microphone
// (where the browser has speech recognition) answers each <Gather>.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const panel = $("call-panel");
  if (!panel) return;

  const call = { active: false, playing: 0, recognition: null };

  async function post(body) {
    const response = await fetch("/simulator/call", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(Object.assign({ country: $("country").value }, body)),
    });
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) throw new Error((data && data.error) || ("HTTP " + response.status));
    return data;
  }

  function line(who, text, className) {
    const li = document.createElement("li");
    li.className = "turn " + (className || who);
    const name = document.createElement("span");
    name.className = "turn-who";
    name.textContent = who === "you" ? "You" : "Call";
    const body = document.createElement("div");
    body.className = "turn-body";
    body.textContent = text;
    li.appendChild(name);
    li.appendChild(body);
    $("call-transcript").appendChild(li);
    li.scrollIntoView({ block: "nearest" });
    return li;
  }

  function setActive(active, state) {
    call.active = active;
    $("call-state").textContent = state;
    panel.querySelectorAll(".key").forEach((key) => { key.disabled = !active; });
    ["call-text", "call-say", "call-silence", "call-end"].forEach((id) => { $(id).disabled = !active; });
    $("call-start").disabled = active;
  }

  function stopSpeaking() {
    call.playing += 1;  // barge-in: whatever was being played stops
    if (window.speechSynthesis) window.speechSynthesis.cancel();
  }

  function speak(text, language, token) {
    return new Promise((resolve) => {
      if (!$("call-aloud").checked || !window.speechSynthesis || token !== call.playing) {
        resolve();
        return;
      }
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = language;
      utterance.onend = resolve;
      utterance.onerror = resolve;
      window.speechSynthesis.speak(utterance);
    });
  }

  function wait(seconds, token) {
    const aloud = $("call-aloud").checked;
    return new Promise((resolve) => {
      if (!aloud || token !== call.playing) { resolve(); return; }
      setTimeout(resolve, seconds * 1000);
    });
  }

  async function play(data) {
    stopSpeaking();
    const token = call.playing;
    const words = [];
    data.steps.forEach((step) => {
      words.push(step.say !== undefined ? step.say : "[pause " + step.pause + " s]");
    });
    line("call", words.join(" "));
    if (data.then === "dial") line("call", "[connecting to " + data.dial + "]", "call note");
    if (data.then !== "listen") {
      line("call", "[the call has ended]", "call note");
      setActive(false, "call ended");
    } else {
      setActive(true, "in a call: listening");
    }
    for (const step of data.steps) {
      if (token !== call.playing) return;
      if (step.say !== undefined) await speak(step.say, step.language, token);
      else await wait(step.pause, token);
    }
  }

  async function send(body, shown) {
    stopSpeaking();
    if (shown) line("you", shown);
    try {
      await play(await post(body));
    } catch (error) {
      line("call", "Error: " + error.message, "call note");
      setActive(false, "not in a call");
    }
  }

  $("call-start").addEventListener("click", () => {
    $("call-transcript").textContent = "";
    setActive(true, "ringing");
    send({ start: true });
  });
  $("call-end").addEventListener("click", () => {
    stopSpeaking();
    post({ hang_up: true }).catch(() => {});
    line("you", "[hang up]");
    setActive(false, "not in a call");
  });
  panel.querySelectorAll(".key").forEach((key) => {
    key.addEventListener("click", () => send({ digits: key.dataset.key }, "[presses " + key.dataset.key + "]"));
  });
  $("call-silence").addEventListener("click", () => send({ silence: true }, "[says nothing]"));
  $("call-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("call-text").value.trim();
    if (!text || !call.active) return;
    $("call-text").value = "";
    send({ speech: text }, text);
  });

  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (Recognition) {
    const mic = $("call-mic");
    mic.hidden = false;
    mic.addEventListener("click", () => {
      if (!call.active || call.recognition) return;
      stopSpeaking();
      const recognition = new Recognition();
      recognition.lang = "en-US";
      recognition.interimResults = false;
      recognition.onresult = (event) => {
        const text = event.results[0][0].transcript;
        if (text) send({ speech: text }, text);
      };
      recognition.onerror = (event) => {
        line("call", "The microphone did not work here (" + event.error + "): use the keypad.", "call note");
      };
      recognition.onend = () => { call.recognition = null; mic.classList.remove("listening"); };
      call.recognition = recognition;
      mic.classList.add("listening");
      try { recognition.start(); } catch (error) { recognition.onend(); }
    });
  }
})();
