// The simulator page: a phone texting /sms and a speaker talking to the Alexa skill,
// both through the server's /simulator/* routes (which run the real code paths).
// No framework, nothing fetched from elsewhere.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const POLL_MS = 4000;

  async function call(method, url, body) {
    const options = { method, credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(url, options);
    let data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      const reason = (data && data.error) || ("HTTP " + response.status);
      throw new Error(reason);
    }
    return data;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ------------------------------------------------------------------ the phone

  const phone = {
    country: $("country").value,
    threads: {},     // country -> [{who, text, note}]
    lastOutbox: {},  // country -> the last outbox id shown
  };

  function thread() {
    return phone.threads[phone.country] || (phone.threads[phone.country] = []);
  }

  function showBubble(item) {
    const list = $("thread");
    const li = element("li", "bubble " + item.who);
    if (item.note) li.appendChild(element("span", "bubble-note", item.note));
    li.appendChild(element("span", "bubble-text", item.text));
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
    return li;
  }

  function addBubble(who, text, note) {
    const item = { who, text, note };
    thread().push(item);
    return showBubble(item);
  }

  function redrawThread() {
    $("thread").replaceChildren();
    thread().forEach(showBubble);
  }

  async function loadNumber(fresh) {
    const country = phone.country;
    const data = await call("POST", "/simulator/number", { country, new: !!fresh });
    // An answer for a country no longer chosen (the first page load's, say) is stale.
    if (country !== phone.country) return;
    $("my-number").textContent = data.display;
    if (fresh) {
      phone.threads[phone.country] = [];
      phone.lastOutbox[phone.country] = 0;
      redrawThread();
    }
  }

  async function sendText(text) {
    text = text.trim();
    if (!text) return;
    addBubble("out", text);
    const typing = showBubble({ who: "in typing", text: "…" });
    try {
      const data = await call("POST", "/simulator/sms", { country: phone.country, text });
      typing.remove();
      $("my-number").textContent = data.display;
      if (!data.replies.length) addBubble("system", "No reply (an empty TwiML response).");
      data.replies.forEach((reply) => addBubble("in", reply));
    } catch (error) {
      typing.remove();
      addBubble("system", "Not sent: " + error.message);
    }
  }

  async function pollOutbox() {
    const country = phone.country;
    const after = phone.lastOutbox[country] || 0;
    try {
      const data = await call("GET", "/simulator/outbox?country=" + encodeURIComponent(country) +
        "&after=" + after);
      if (country !== phone.country) return;
      data.messages.forEach((message) => {
        phone.lastOutbox[country] = Math.max(phone.lastOutbox[country] || 0, message.id);
        addBubble("in scheduled", message.text,
          message.scheduled ? "Scheduled message" : "Sent by the service");
      });
    } catch (error) {
      // The next poll tries again.
    }
  }

  const smsForm = $("sms-form");
  if (smsForm) {
    smsForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("sms-text");
      const text = input.value;
      input.value = "";
      sendText(text);
    });
  }
  document.querySelectorAll("[data-sms]").forEach((chip) => {
    chip.addEventListener("click", () => { if (smsForm) sendText(chip.dataset.sms); });
  });
  $("country").addEventListener("change", async () => {
    phone.country = $("country").value;
    redrawThread();
    await loadNumber(false);
    pollOutbox();
  });
  $("new-number").addEventListener("click", () => loadNumber(true));

  // ------------------------------------------------------------------ the speaker

  const voice = {
    session: { id: "", attributes: {} },
    timers: [],
    recognition: null,
  };

  function setEcho(state) {
    $("echo").dataset.state = state;
  }

  function showSession() {
    $("session-state").textContent = voice.session.id ? "session open" : "no session";
    $("session-state").classList.toggle("open", !!voice.session.id);
  }

  function stopSpeaking() {
    voice.timers.forEach(clearTimeout);
    voice.timers = [];
    if (window.speechSynthesis) window.speechSynthesis.cancel();
    setEcho("idle");
  }

  function pickVoice(locale) {
    const voices = window.speechSynthesis ? window.speechSynthesis.getVoices() : [];
    return voices.find((v) => v.lang === locale) ||
      voices.find((v) => v.lang && v.lang.replace("_", "-") === locale) ||
      voices.find((v) => v.lang && v.lang.startsWith("en")) || null;
  }

  // Say each segment, then wait out its pause (an SSML break), one after another.
  function speak(segments, locale) {
    stopSpeaking();
    if (!$("aloud").checked || !window.speechSynthesis || !segments.length) return;
    const chosen = pickVoice(locale);
    let index = 0;
    setEcho("speaking");
    const next = () => {
      if (index >= segments.length) { setEcho("idle"); return; }
      const segment = segments[index++];
      const after = () => {
        voice.timers.push(setTimeout(next, Math.round((segment.pause || 0) * 1000)));
      };
      if (!segment.say) { after(); return; }
      const utterance = new SpeechSynthesisUtterance(segment.say);
      utterance.lang = locale;
      if (chosen) utterance.voice = chosen;
      utterance.onend = after;
      utterance.onerror = after;
      window.speechSynthesis.speak(utterance);
    };
    next();
  }

  function describe(routed) {
    if (!routed) return "";
    if (routed.type !== "IntentRequest") return routed.type;
    const slots = Object.entries(routed.slots || {}).map(([k, v]) => k + ": “" + v + "”");
    return routed.intent + (slots.length ? " (" + slots.join(", ") + ")" : "") +
      (routed.new_session ? " · new session" : "");
  }

  function addTurn(who, text, detail) {
    const li = element("li", "turn " + who);
    li.appendChild(element("span", "turn-who", who === "you" ? "You" : "Alexa"));
    const body = element("div", "turn-body");
    if (text instanceof Node) body.appendChild(text); else body.textContent = text;
    li.appendChild(body);
    if (detail) li.appendChild(element("span", "turn-detail", detail));
    $("transcript").appendChild(li);
    li.scrollIntoView({ block: "nearest" });
    return li;
  }

  // The words with their pauses marked, as the speaker would say them.
  function spoken(segments) {
    const box = element("span", "said");
    segments.forEach((segment) => {
      if (segment.say) box.appendChild(element("span", "words", (segment.text || segment.say) + " "));
      if (segment.pause) {
        box.appendChild(element("span", "pause", "pause " + segment.pause + " s"));
        box.appendChild(document.createTextNode(" "));
      }
    });
    return box;
  }

  function showScreen(screen) {
    const apl = $("apl");
    const wanted = $("screen").checked;
    apl.hidden = !wanted;
    $("echo").classList.toggle("with-screen", wanted);
    if (!wanted) return;
    $("apl-title").textContent = screen ? screen.title : "";
    $("apl-progress").textContent = screen ? screen.progress : "";
    $("apl-text").textContent = screen ? screen.text : "";
    $("apl-hint").textContent = screen ? screen.hint : "";
  }

  async function talk(request, label) {
    const locale = $("locale").value;
    if (label) addTurn("you", label);
    try {
      const data = await call("POST", "/simulator/voice", Object.assign({
        locale, screen: $("screen").checked, session: voice.session,
      }, request));
      voice.session = data.session;
      showSession();
      const reply = data.reply;
      if (!reply) {
        addTurn("alexa", "(nothing to end)", describe(data.routed));
        return;
      }
      const li = addTurn("alexa", spoken(reply.speech), "→ " + describe(data.routed));
      if (!reply.speech.length) li.querySelector(".turn-body").textContent = "(says nothing)";
      if (reply.card) {
        const card = element("div", "card");
        card.appendChild(element("b", "", reply.card.title));
        card.appendChild(element("p", "", reply.card.content));
        li.appendChild(card);
      }
      if (reply.asks_permission) {
        li.appendChild(element("p", "turn-note",
          "Alexa would now ask for permission to set reminders. The simulator has no Amazon account, so no reminder is set here."));
      }
      if (reply.ended) li.appendChild(element("p", "turn-note", "The session has ended."));
      showScreen(reply.screen);
      speak(reply.speech, locale);
    } catch (error) {
      addTurn("alexa", "Request failed: " + error.message);
    }
  }

  $("launch").addEventListener("click", () => talk({ launch: true }, $("launch").textContent));
  $("voice-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("voice-text");
    const text = input.value.trim();
    input.value = "";
    if (text) talk({ say: text }, text);
  });
  document.querySelectorAll("[data-say]").forEach((chip) => {
    chip.addEventListener("click", () => {
      const words = chip.dataset.say;
      talk(words === "exit" ? { end: true } : { say: words }, words);
    });
  });
  $("screen").addEventListener("change", () => showScreen(null));
  $("aloud").addEventListener("change", () => { if (!$("aloud").checked) stopSpeaking(); });
  $("locale").addEventListener("change", () => {
    stopSpeaking();
    voice.session = { id: "", attributes: {} };
    showSession();
  });

  // The microphone: the browser's speech recognition, where there is one.
  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  if (Recognition) {
    const mic = $("mic");
    mic.hidden = false;
    mic.addEventListener("click", () => {
      if (voice.recognition) { voice.recognition.stop(); return; }
      stopSpeaking();
      const recognition = new Recognition();
      recognition.lang = $("locale").value;
      recognition.interimResults = false;
      recognition.maxAlternatives = 1;
      recognition.onresult = (event) => {
        const text = event.results[0][0].transcript;
        if (text) talk({ say: text }, text);
      };
      recognition.onerror = (event) => {
        addTurn("alexa", "The microphone did not work here (" + event.error +
          "): type what you would say instead.");
      };
      recognition.onend = () => {
        voice.recognition = null;
        mic.classList.remove("listening");
        setEcho("idle");
      };
      voice.recognition = recognition;
      mic.classList.add("listening");
      setEcho("listening");
      try { recognition.start(); } catch (error) { recognition.onend(); }
    });
  }

  // ------------------------------------------------------------------ start

  showSession();
  loadNumber(false).then(pollOutbox).catch(() => {});
  setInterval(pollOutbox, POLL_MS);
})();
