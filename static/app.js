/* MediReportAssist page script.
 *
 * Everything that comes from the server (file names, section names, answer
 * text, quoted passages, error messages) is put into the page with
 * textContent / createElement only. Nothing here uses innerHTML with data.
 */
(function () {
  "use strict";

  var MAX_QUESTION_CHARS = 2000;
  var MAX_HISTORY_SENT = 6;   // the server uses the last few turns of the thread

  var state = {
    documents: [],          // as returned by GET /api/documents
    selected: new Set(),    // ids ticked: the newest summary alone, unless the user ticks more
    documentsLoaded: false,
    asking: false,
    controller: null,       // AbortController of the running question
    uploadQueue: [],
    uploading: false,
    healthBackend: null,
    thread: [],             // earlier turns {question, answer}, oldest first: sent as "history"
    planDocId: null,        // the document whose plan the plan card shows
    planRequest: 0          // numbers plan requests, so a late answer for another document is ignored
  };

  function $(id) { return document.getElementById(id); }

  var els = {};

  /* ------------------------------------------------------------------ */
  /* Small DOM helpers                                                   */
  /* ------------------------------------------------------------------ */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  /* Append `text` to `parent`, turning **label** into <strong>label</strong>. */
  function appendInline(parent, text) {
    var re = /\*\*([^*\n]+?)\*\*/g;
    var last = 0;
    var match;
    while ((match = re.exec(text)) !== null) {
      if (match.index > last) {
        parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      }
      parent.appendChild(el("strong", null, match[1]));
      last = re.lastIndex;
    }
    if (last < text.length) {
      parent.appendChild(document.createTextNode(text.slice(last)));
    }
  }

  /* Render plain answer text: paragraphs, "- " / "* " / "• " bullet lists,
   * and **bold** labels. Line breaks inside a paragraph are kept. */
  function renderRichText(container, text) {
    clear(container);
    var lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
    var list = null;
    var para = null;
    lines.forEach(function (line) {
      var bullet = /^\s*(?:[-*\u2022])\s+(.*)$/.exec(line);
      var reading = /^\s{2,}(In plain words:)\s*(.*)$/.exec(line);
      if (reading && list && list.lastChild) {
        var plainLine = el("span", "plain-reading");
        plainLine.appendChild(el("span", "plain-label", reading[1] + " "));
        plainLine.appendChild(document.createTextNode(reading[2]));
        list.lastChild.appendChild(plainLine);
      } else if (bullet) {
        para = null;
        if (!list) {
          list = el("ul", "answer-list");
          container.appendChild(list);
        }
        var item = el("li");
        appendInline(item, bullet[1]);
        list.appendChild(item);
      } else if (line.trim() === "") {
        list = null;
        para = null;
      } else {
        list = null;
        if (para) {
          para.appendChild(document.createTextNode("\n"));
        } else {
          para = el("p", "answer-paragraph");
          container.appendChild(para);
        }
        appendInline(para, line);
      }
    });
  }

  /* Recognised medical terms become buttons: a tap shows the general meaning under the line. The server
   * says which terms the text uses (done.terms / plan.terms); this only finds those exact words. */
  function escapeRegExp(text) { return String(text).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function markTerms(container, terms) {
    var list = (Array.isArray(terms) ? terms : []).filter(function (t) { return t && t.text && t.plain; });
    if (!list.length) { return; }
    var byText = {};
    list.forEach(function (t) { byText[t.text] = t; });
    var alternatives = list.map(function (t) { return escapeRegExp(t.text); })
      .sort(function (a, b) { return b.length - a.length; }).join("|");
    var re = new RegExp("(^|[^\\w.\\/-])(" + alternatives + ")(?![\\w\\/]|-\\w|\\.\\w)", "g");
    var walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT, null);
    var nodes = [];
    while (walker.nextNode()) {
      var parent = walker.currentNode.parentNode;
      if (parent && parent.closest && !parent.closest(".plain-reading, .term, .term-meaning, strong, .hint, thead, h3, .plan-warning-lead")) {
        nodes.push(walker.currentNode);
      }
    }
    nodes.forEach(function (node) {
      var text = node.nodeValue;
      var match;
      var last = 0;
      var fragment = document.createDocumentFragment();
      re.lastIndex = 0;
      while ((match = re.exec(text)) !== null) {
        var start = match.index + match[1].length;
        fragment.appendChild(document.createTextNode(text.slice(last, start)));
        fragment.appendChild(termButton(byText[match[2]], match[2]));
        last = start + match[2].length;
      }
      if (last === 0) { return; }
      fragment.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(fragment, node);
    });
  }

  function termButton(term, written) {
    var button = el("button", "term", written);
    button.type = "button";
    button.setAttribute("aria-expanded", "false");
    button.title = "What does " + written + " mean?";
    var meaning = el("span", "term-meaning", written + ": " + term.plain + " (general meaning)");
    meaning.hidden = true;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      if (!meaning.parentNode) { button.parentNode.insertBefore(meaning, button.nextSibling); }
      meaning.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    return button;
  }

  function plural(n, one, many) {
    return n + " " + (n === 1 ? one : many);
  }

  function formatDate(value) {
    if (value === null || value === undefined || value === "") { return ""; }
    var date;
    if (typeof value === "number") {
      date = new Date(value < 1e12 ? value * 1000 : value);
    } else {
      date = new Date(value);
    }
    if (isNaN(date.getTime())) { return String(value); }
    try {
      return date.toLocaleString(undefined, {
        day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit"
      });
    } catch (e) {
      return date.toLocaleString();
    }
  }

  /* ------------------------------------------------------------------ */
  /* Server errors                                                        */
  /* ------------------------------------------------------------------ */

  var STATUS_MESSAGES = {
    400: "The app could not use that request. Please try again.",
    401: "This app needs an access key. Ask whoever set it up.",
    403: "You are not allowed to do that.",
    404: "That document is no longer available. It may have been deleted.",
    413: "That file is too large. Try a smaller file, or only the discharge summary pages.",
    415: "That type of file is not supported. Please use a PDF, a Word (.docx) or a plain text (.txt) file.",
    422: "The app could not read any text in that file. If it is a scanned PDF, try a version with selectable text, or a .docx or .txt copy.",
    429: "Too many requests at once. Please wait a moment and try again.",
    500: "Something went wrong inside the app. Please try again.",
    503: "The app is busy or still starting. Please try again in a moment."
  };

  function messageFor(status, bodyText) {
    var msg = "";
    if (bodyText) {
      try {
        var data = JSON.parse(bodyText);
        if (data && typeof data.error === "string") { msg = data.error; }
        else if (data && data.error && typeof data.error.message === "string") { msg = data.error.message; }
        else if (data && typeof data.message === "string") { msg = data.message; }
      } catch (e) { /* not JSON: fall back to a message for the status */ }
    }
    if (!msg) {
      msg = STATUS_MESSAGES[status] ||
        (status ? "The app answered with an error (" + status + "). Please try again." :
                  "Could not reach the app. Is it still running?");
    }
    return msg;
  }

  /* ------------------------------------------------------------------ */
  /* Health / mode banner                                                 */
  /* ------------------------------------------------------------------ */

  function setModeBanner(offline, message) {
    show(els.modeBanner, !!offline);
    els.modeBannerMessage.textContent = offline && message ? String(message) : "";
    show(els.modeBannerMessage, !!(offline && message));
  }

  function loadHealth() {
    return fetch("/health", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) {
        if (!data || !data.llm) { return; }
        var llm = data.llm;
        state.healthBackend = llm.backend || null;
        var offline = llm.backend === "extractive" || llm.fallback === true;
        setModeBanner(offline, llm.message);
      })
      .catch(function () { /* the banner simply stays hidden */ });
  }

  /* ------------------------------------------------------------------ */
  /* Documents                                                            */
  /* ------------------------------------------------------------------ */

  function selectedIds() {
    return state.documents
      .map(function (d) { return String(d.id); })
      .filter(function (id) { return state.selected.has(id); });
  }

  /* One summary at a time by default: a caregiver's family's summaries are never mixed unless asked for. */
  function keepSelectionValid() {
    var known = new Set(state.documents.map(function (d) { return String(d.id); }));
    state.selected.forEach(function (id) { if (!known.has(id)) { state.selected.delete(id); } });
    if (state.selected.size === 0 && state.documents.length) {
      var newest = state.documents.reduce(function (a, b) {
        return String(b.uploaded_at || "") > String(a.uploaded_at || "") ? b : a;
      });
      state.selected.add(String(newest.id));
    }
  }

  function selectOnly(id) {
    state.selected.clear();
    state.selected.add(String(id));
  }

  function renderSelectionHint() {
    var ticked = selectedIds().length;
    var text = "Tick the summary your question is about.";
    if (ticked > 1) {
      text = "Your question is about the " + ticked + " ticked summaries. Each is answered on its own, " +
             "under its file name.";
    } else if (state.documents.length > 1) {
      text = "Your question is about the ticked summary. Tick more to ask about several at once.";
    }
    els.documentsHint.textContent = text;
  }

  function renderDocuments() {
    clear(els.documents);
    show(els.documentsEmpty, state.documents.length === 0);
    state.documents.forEach(function (doc) {
      var id = String(doc.id);
      var item = el("li", "document");
      item.setAttribute("data-doc-id", id);

      var checkId = "doc-check-" + id.replace(/[^A-Za-z0-9_-]/g, "_");
      var check = el("input", "doc-check");
      check.type = "checkbox";
      check.id = checkId;
      check.checked = state.selected.has(id);
      check.addEventListener("change", function () {
        if (check.checked) { state.selected.add(id); } else { state.selected.delete(id); }
        renderSelectionHint();
      });

      var label = el("label", "doc-label");
      label.htmlFor = checkId;
      label.appendChild(el("span", "doc-name", doc.filename || "(unnamed file)"));
      var meta = [];
      if (typeof doc.pages === "number") { meta.push(plural(doc.pages, "page", "pages")); }
      if (typeof doc.chunks === "number") { meta.push(plural(doc.chunks, "passage", "passages")); }
      var when = formatDate(doc.uploaded_at);
      if (when) { meta.push("added " + when); }
      if (meta.length) { label.appendChild(el("span", "doc-meta", meta.join(" · "))); }

      var del = el("button", "delete button-quiet no-print", "Delete");
      del.type = "button";
      del.setAttribute("aria-label", "Delete " + (doc.filename || "this document"));
      del.addEventListener("click", function () { deleteDocument(doc, del); });

      var showPlan = el("button", "show-plan button-quiet no-print", "Show plan");
      showPlan.type = "button";
      showPlan.setAttribute("aria-label", "Show plan of " + (doc.filename || "this document"));
      showPlan.addEventListener("click", function () { loadPlan(doc, true); });

      var actions = el("div", "doc-actions");
      actions.appendChild(showPlan);
      actions.appendChild(del);

      item.appendChild(check);
      item.appendChild(label);
      item.appendChild(actions);
      els.documents.appendChild(item);
    });
    renderSelectionHint();
  }

  // Only the newest list request is applied: an older one, answered late, would not yet hold a summary
  // just added, and would move the tick away from it.
  var listRequests = 0;

  function loadDocuments() {
    var request = ++listRequests;
    return fetch("/api/documents", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) {
        if (!res.ok) {
          return res.text().then(function (t) { throw new Error(messageFor(res.status, t)); });
        }
        return res.json();
      })
      .then(function (data) {
        if (request !== listRequests) { return; }
        state.documents = (data && Array.isArray(data.documents)) ? data.documents : [];
        keepSelectionValid();
        state.documentsLoaded = true;
        renderDocuments();
      })
      .catch(function (err) {
        if (request !== listRequests) { return; }
        state.documentsLoaded = false;
        setUploadStatus("error", "Could not load your documents: " + err.message);
      });
  }

  function deleteDocument(doc, button) {
    var name = doc.filename || "this document";
    if (!window.confirm("Delete \u201c" + name + "\u201d? Its text will be removed from this app.")) {
      return;
    }
    button.disabled = true;
    fetch("/api/documents/" + encodeURIComponent(doc.id), {
      method: "DELETE", credentials: "same-origin", headers: { "Accept": "application/json" }
    })
      .then(function (res) {
        if (!res.ok && res.status !== 404) {
          return res.text().then(function (t) { throw new Error(messageFor(res.status, t)); });
        }
        state.selected.delete(String(doc.id));
        setUploadStatus("info", "Deleted " + name + ".");
        if (state.planDocId === String(doc.id)) { hidePlan(); }
        if (els.sectionsBlock.getAttribute("data-doc-id") === String(doc.id)) {
          clear(els.sections);
          show(els.sectionsBlock, false);
          els.sectionsBlock.removeAttribute("data-doc-id");
        }
      })
      .catch(function (err) {
        button.disabled = false;
        setUploadStatus("error", "Could not delete " + name + ": " + err.message);
      })
      .then(loadDocuments);
  }

  /* Forget me: every summary of this session is deleted and the session ends (a shared computer). */
  function forgetMe() {
    if (!window.confirm("Remove all your summaries from this computer? Their text, files and your questions' " +
                        "context will be deleted.")) {
      return;
    }
    els.forgetMe.disabled = true;
    fetch("/api/documents", { method: "DELETE", credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (res) {
        if (!res.ok) { return res.text().then(function (t) { throw new Error(messageFor(res.status, t)); }); }
        state.documents = [];
        state.selected.clear();
        hidePlan();
        clear(els.sections);
        show(els.sectionsBlock, false);
        newConversation();
        renderDocuments();
        setUploadStatus("info", "Your summaries were removed from this computer.");
      })
      .catch(function (err) { setUploadStatus("error", "Could not remove your summaries: " + err.message); })
      .then(function () { els.forgetMe.disabled = false; });
  }

  /* ------------------------------------------------------------------ */
  /* Upload                                                               */
  /* ------------------------------------------------------------------ */

  function setUploadStatus(kind, message, progress) {
    show(els.uploadPlanLink, kind === "success");
    els.uploadStatus.setAttribute("data-state", kind);
    els.uploadStatus.className = "upload-status is-" + kind;
    els.uploadMessage.textContent = message || "";
    if (typeof progress === "number") {
      show(els.uploadProgress, true);
      els.uploadProgress.value = progress;
      els.uploadProgress.textContent = Math.round(progress) + "%";
      els.uploadProgress.setAttribute("aria-label", "Upload progress");
    } else if (kind === "indexing") {
      show(els.uploadProgress, true);
      els.uploadProgress.removeAttribute("value");   // indeterminate
      els.uploadProgress.textContent = "";
    } else {
      show(els.uploadProgress, false);
    }
  }

  function renderSections(doc) {
    clear(els.sections);
    var sections = Array.isArray(doc.sections) ? doc.sections : [];
    els.sectionsHeading.textContent = "Sections found in " + (doc.filename || "your document");
    if (!sections.length) {
      var none = el("li", "chip chip-empty", "No section headings recognised. You can still ask questions.");
      els.sections.appendChild(none);
    }
    sections.forEach(function (name) {
      els.sections.appendChild(el("li", "chip", name));
    });
    els.sectionsBlock.setAttribute("data-doc-id", String(doc.id));
    show(els.sectionsBlock, true);
  }

  function queueUploads(fileList) {
    var files = Array.prototype.slice.call(fileList || []);
    if (!files.length) { return; }
    files.forEach(function (f) { state.uploadQueue.push(f); });
    if (!state.uploading) { nextUpload(); }
  }

  function nextUpload() {
    var file = state.uploadQueue.shift();
    if (!file) {
      state.uploading = false;
      els.dropZone.classList.remove("is-busy");
      return;
    }
    state.uploading = true;
    els.dropZone.classList.add("is-busy");
    uploadFile(file, nextUpload);
  }

  function uploadFile(file, done) {
    var name = file.name || "your file";
    var form = new FormData();
    form.append("file", file, file.name);

    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/documents");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.withCredentials = true;

    setUploadStatus("uploading", "Uploading " + name + "\u2026", 0);

    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable && e.total > 0) {
        var pct = Math.min(100, (e.loaded / e.total) * 100);
        setUploadStatus("uploading", "Uploading " + name + "\u2026 " + Math.round(pct) + "%", pct);
      }
    };
    xhr.upload.onload = function () {
      setUploadStatus("indexing", "Reading and indexing " + name + "\u2026 this can take a few seconds.");
    };
    xhr.onload = function () {
      if (xhr.status === 201 || xhr.status === 200) {
        var doc = null;
        try { doc = JSON.parse(xhr.responseText); } catch (e) { doc = null; }
        if (!doc || doc.id === undefined) {
          setUploadStatus("error", "The app accepted " + name + " but sent back an answer this page does not understand.");
        } else {
          var parts = [];
          if (typeof doc.pages === "number") { parts.push(plural(doc.pages, "page", "pages")); }
          if (typeof doc.chunks === "number") { parts.push(plural(doc.chunks, "passage", "passages")); }
          if (doc.duplicate) {
            setUploadStatus("success", "You already added this summary (as " + (doc.filename || name) +
              "), so it was not added twice. You can ask questions now.");
          } else {
            setUploadStatus("success", "Added " + (doc.filename || name) +
              (parts.length ? " (" + parts.join(", ") + ")." : ".") + " You can ask questions now.");
          }
          renderSections(doc);
          loadPlan(doc, false);
          // The summary just added is the one questions are about; known at once, so a question asked
          // before the list below comes back is already about it.
          selectOnly(doc.id);
          if (!state.documents.some(function (d) { return String(d.id) === String(doc.id); })) {
            state.documents = state.documents.concat([doc]);
          }
          renderDocuments();
        }
        loadDocuments().then(done);
      } else {
        setUploadStatus("error", "Could not add " + name + ": " + messageFor(xhr.status, xhr.responseText));
        done();
      }
    };
    xhr.onerror = function () {
      setUploadStatus("error", "Could not add " + name + ": the app could not be reached. Is it still running?");
      done();
    };
    xhr.onabort = function () {
      setUploadStatus("error", "The upload of " + name + " was cancelled.");
      done();
    };
    xhr.send(form);
  }

  function setupUpload() {
    els.fileInput.addEventListener("change", function () {
      queueUploads(els.fileInput.files);
      els.fileInput.value = "";   // choosing the same file again still triggers a change
    });

    var depth = 0;
    function hasFiles(e) {
      var types = e.dataTransfer && e.dataTransfer.types;
      return !!types && Array.prototype.indexOf.call(types, "Files") !== -1;
    }
    els.dropZone.addEventListener("dragenter", function (e) {
      if (!hasFiles(e)) { return; }
      e.preventDefault();
      depth += 1;
      els.dropZone.classList.add("is-dragover");
    });
    els.dropZone.addEventListener("dragover", function (e) {
      if (!hasFiles(e)) { return; }
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
    });
    els.dropZone.addEventListener("dragleave", function () {
      depth = Math.max(0, depth - 1);
      if (depth === 0) { els.dropZone.classList.remove("is-dragover"); }
    });
    els.dropZone.addEventListener("drop", function (e) {
      e.preventDefault();
      depth = 0;
      els.dropZone.classList.remove("is-dragover");
      if (e.dataTransfer && e.dataTransfer.files) { queueUploads(e.dataTransfer.files); }
    });
    // A file dropped outside the zone must not make the browser navigate away.
    window.addEventListener("dragover", function (e) { if (hasFiles(e)) { e.preventDefault(); } });
    window.addEventListener("drop", function (e) { if (hasFiles(e)) { e.preventDefault(); } });
  }

  /* ------------------------------------------------------------------ */
  /* Server-sent events over fetch                                         */
  /* ------------------------------------------------------------------ */

  /* Feed decoded text in; calls onEvent(name, dataString) for each complete event. */
  function SSEParser(onEvent) {
    this.buffer = "";
    this.onEvent = onEvent;
  }
  SSEParser.prototype.push = function (text) {
    this.buffer += text.replace(/\r\n?/g, "\n");
    var idx;
    while ((idx = this.buffer.indexOf("\n\n")) !== -1) {
      var block = this.buffer.slice(0, idx);
      this.buffer = this.buffer.slice(idx + 2);
      this.dispatch(block);
    }
  };
  SSEParser.prototype.finish = function () {
    if (this.buffer.trim() !== "") { this.dispatch(this.buffer); }
    this.buffer = "";
  };
  SSEParser.prototype.dispatch = function (block) {
    var name = "message";
    var data = [];
    block.split("\n").forEach(function (line) {
      if (line === "" || line.charAt(0) === ":") { return; }
      var colon = line.indexOf(":");
      var field = colon === -1 ? line : line.slice(0, colon);
      var value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.charAt(0) === " ") { value = value.slice(1); }
      if (field === "event") { name = value; }
      else if (field === "data") { data.push(value); }
    });
    if (data.length || name !== "message") { this.onEvent(name, data.join("\n")); }
  };

  function parseJSON(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  /* ------------------------------------------------------------------ */
  /* Asking                                                               */
  /* ------------------------------------------------------------------ */

  var answer = {
    text: "",
    renderPending: false
  };

  function scheduleRender() {
    if (answer.renderPending) { return; }
    answer.renderPending = true;
    window.requestAnimationFrame(function () {
      answer.renderPending = false;
      if (!answer.finished) { renderRichText(els.answer, answer.text); }   // a finished answer is drawn already
    });
  }

  function setAnswerState(value) {
    els.answer.setAttribute("data-state", value);
    els.answerSection.setAttribute("data-state", value);
  }

  function resetAnswer(question) {
    if (answer.finished) { addToThread(answer.finished); }
    answer.finished = null;
    answer.question = question || "";
    answer.text = "";
    clear(els.answer);
    els.answer.classList.remove("not-found");
    els.answerSection.classList.remove("is-not-found");
    els.answerHeading.textContent = "Answer";
    show(els.answerNotice, false);
    els.answerNotice.textContent = "";
    show(els.answerError, false);
    show(els.emergencyAlert, false);
    els.emergencyAlert.textContent = "";
    els.answerError.textContent = "";
    show(els.answerMeta, false);
    els.answerMeta.textContent = "";
    show(els.answerDetails, false);
    els.answerDetailsText.textContent = "";
    clear(els.sources);
    show(els.sourcesBlock, false);
    els.asked.textContent = "";
    if (question) {
      els.asked.appendChild(el("span", "asked-label", "You asked: "));
      els.asked.appendChild(document.createTextNode(question));
    }
    show(els.asked, !!question);
  }

  /* The conversation: each finished answer moves up into the thread when the next question is asked. */
  function addToThread(turn) {
    state.thread.push(turn);
    var item = el("li", "thread-turn");
    item.appendChild(el("p", "thread-question", "You asked: " + turn.question));
    var text = el("div", "thread-answer");
    renderRichText(text, turn.answer);
    item.appendChild(text);
    els.thread.appendChild(item);
    show(els.threadBlock, true);
  }

  function newConversation() {
    state.thread = [];
    answer.finished = null;
    clear(els.thread);
    show(els.threadBlock, false);
    resetAnswer("");
    setAnswerState("idle");
    els.question.focus();
  }

  /* On a phone the answer is below the question box: scroll to it, unless its top is already on screen. */
  function bringIntoView(element) {
    var top = element.getBoundingClientRect().top;
    if (top >= 0 && top <= window.innerHeight * 0.5) { return; }
    var calm = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    element.scrollIntoView({ block: "start", behavior: calm ? "auto" : "smooth" });
  }

  function setBusy(busy) {
    state.asking = busy;
    els.ask.disabled = busy;
    els.ask.textContent = busy ? "Answering\u2026" : "Ask";
    show(els.stop, busy);
    els.answer.setAttribute("aria-busy", busy ? "true" : "false");
    Array.prototype.forEach.call(els.suggestions, function (b) { b.disabled = busy; });
  }

  function renderSources(sources, found) {
    clear(els.sources);
    var list = Array.isArray(sources) ? sources : [];
    els.sourcesHeading.textContent = found === false ?
      "Closest passages we checked in your summary" :
      "Where this comes from in your summary";
    list.forEach(function (src, i) {
      if (!src) { return; }
      var item = el("li", "source");
      item.setAttribute("data-index", String(i + 1));

      var head = el("p", "source-head");
      head.appendChild(el("span", "source-file", src.filename || "Your document"));
      if (src.section) {
        head.appendChild(el("span", "source-sep", " \u00b7 "));
        head.appendChild(el("span", "source-section", src.section));
      }
      if (src.page !== null && src.page !== undefined && src.page !== "") {
        head.appendChild(el("span", "source-sep", " \u00b7 "));
        head.appendChild(el("span", "source-page", "page " + src.page));
      }
      item.appendChild(head);

      var quote = el("blockquote", "source-text");
      quote.textContent = src.text || "";
      item.appendChild(quote);
      els.sources.appendChild(item);
    });
    show(els.sourcesBlock, list.length > 0);
  }

  function describeBackend(done) {
    var backend = done.backend;
    if (backend === "extractive") { return "Exact quotes from your summary (AI model offline)."; }
    if (backend) {
      return "Explained by the " + (done.model ? done.model + " " : "") + "model from your summary.";
    }
    return "";
  }

  function finishAnswer(done) {
    if (typeof done.answer === "string" && done.answer !== "") {
      answer.text = done.answer;
    }
    renderRichText(els.answer, answer.text);
    markTerms(els.answer, done.terms);
    answer.finished = { question: answer.question, answer: answer.text };
    var found = done.found !== false;
    els.answer.classList.toggle("not-found", !found);
    els.answerSection.classList.toggle("is-not-found", !found);
    var closestLines = Array.isArray(done.sources) && done.sources.length > 0;
    els.answerHeading.textContent = found ? "Answer" :
      (closestLines ? "No clear answer in your summary" : "Not in your summary");
    if (!found && !answer.text) {
      renderRichText(els.answer, "Your summary does not say. Please ask your care team.");
    }
    if (Array.isArray(done.sources)) { renderSources(done.sources, found); }
    // The notice is shown once: not again when the answer text already carries it.
    if (done.notice && answer.text.indexOf(String(done.notice).trim()) === -1) {
      els.answerNotice.textContent = String(done.notice);
      show(els.answerNotice, true);
    }
    if (done.details) {
      els.answerDetailsText.textContent = String(done.details);
      show(els.answerDetails, true);
    }
    var meta = describeBackend(done);
    els.answerMeta.textContent = meta;
    show(els.answerMeta, !!meta);
    if (done.backend === "extractive" && els.modeBanner.hidden) {
      setModeBanner(true, done.notice || "");
    }
  }

  function showAnswerError(message) {
    els.answerError.textContent = message;
    show(els.answerError, true);
  }

  function ask(question) {
    if (state.asking) { return; }
    question = String(question || "").trim();
    if (!question) {
      els.answerStatus.textContent = "Please type a question first.";
      els.question.focus();
      return;
    }
    if (question.length > MAX_QUESTION_CHARS) {
      els.answerStatus.textContent = "That question is too long. Please keep it under " + MAX_QUESTION_CHARS + " characters.";
      return;
    }
    if (state.documentsLoaded && state.documents.length === 0) {
      resetAnswer(question);
      setAnswerState("error");
      els.answerStatus.textContent = "";
      showAnswerError("Please add your discharge summary first, then ask again.");
      return;
    }
    var ids = selectedIds();
    if (state.documentsLoaded && ids.length === 0) {
      resetAnswer(question);
      setAnswerState("error");
      els.answerStatus.textContent = "";
      showAnswerError("No documents are ticked. Tick at least one document under \u201cMy documents\u201d.");
      return;
    }

    if (answer.finished) { addToThread(answer.finished); answer.finished = null; }
    var body = { question: question, stream: true };
    if (state.documentsLoaded) { body.document_ids = ids; }
    if (state.thread.length) { body.history = state.thread.slice(-MAX_HISTORY_SENT); }

    resetAnswer(question);
    setAnswerState("streaming");
    bringIntoView(els.answerSection);
    setBusy(true);
    els.answerStatus.textContent = "Looking through your summary\u2026";

    var controller = (typeof AbortController === "function") ? new AbortController() : null;
    state.controller = controller;
    var gotDone = false;
    var gotError = false;

    var parser = new SSEParser(function (name, data) {
      var payload = parseJSON(data) || {};
      if (name === "emergency") {
        /* An emergency happening now is said first, before any answer from the summary. */
        els.emergencyAlert.textContent = String(payload.notice || "");
        show(els.emergencyAlert, true);
      } else if (name === "sources") {
        renderSources(payload.sources, true);
        els.answerStatus.textContent = "Writing the answer\u2026";
      } else if (name === "token") {
        if (typeof payload.text === "string") {
          answer.text += payload.text;
          scheduleRender();
        }
      } else if (name === "done") {
        gotDone = true;
        finishAnswer(payload);
      } else if (name === "error") {
        gotError = true;
        renderRichText(els.answer, answer.text);
        showAnswerError(payload.error ? String(payload.error) : "Something went wrong while answering.");
      }
    });

    fetch("/api/query", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "text/event-stream" },
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    })
      .then(function (res) {
        var type = res.headers.get("Content-Type") || "";
        if (!res.ok) {
          return res.text().then(function (t) { throw new Error(messageFor(res.status, t)); });
        }
        if (type.indexOf("text/event-stream") === -1) {
          // A plain JSON answer (no stream) is handled too.
          return res.text().then(function (t) {
            var data = parseJSON(t);
            if (!data) { throw new Error("The app sent back an answer this page does not understand."); }
            gotDone = true;
            finishAnswer(data);
          });
        }
        if (!res.body || !res.body.getReader) {
          return res.text().then(function (t) { parser.push(t); parser.finish(); });
        }
        var reader = res.body.getReader();
        var decoder = new TextDecoder("utf-8");
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              parser.push(decoder.decode());
              parser.finish();
              return;
            }
            parser.push(decoder.decode(chunk.value, { stream: true }));
            return pump();
          });
        }
        return pump();
      })
      .then(function () {
        if (!gotDone && !gotError) {
          renderRichText(els.answer, answer.text);
          showAnswerError("The answer stopped before it was finished. Please try again.");
          gotError = true;
        }
      })
      .catch(function (err) {
        renderRichText(els.answer, answer.text);
        if (err && err.name === "AbortError") {
          showAnswerError("Stopped. The part shown above may be incomplete.");
        } else {
          showAnswerError(err && err.message ? err.message : "Could not reach the app. Is it still running?");
        }
        gotError = true;
      })
      .then(function () {
        state.controller = null;
        setBusy(false);
        els.answerStatus.textContent = gotError && !gotDone ? "" : "Answer complete.";
        if (!answer.text && !gotDone) {
          clear(els.answer);
        }
        setAnswerState(gotDone && !gotError ? "done" : "error");
      });
  }

  /* ------------------------------------------------------------------ */
  /* Discharge plan card                                                  */
  /* ------------------------------------------------------------------ */

  var STATUS_BADGES = {
    "new": "NEW",
    "changed": "CHANGED",
    "stopped": "STOPPED",
    "held": "PAUSED (HOLD)",
    "continued": "CONTINUE"
  };

  var PLAN_LISTS = [
    ["tests", "planTests"],
    ["diet", "planDiet"],
    ["activity", "planActivity"],
    ["wound_care", "planWoundCare"],
    ["warning_signs", "planWarningSigns"]
  ];

  var NOT_IN_SUMMARY = "Not in your summary";

  function whereFrom(item) {
    var parts = [];
    if (item && item.section) { parts.push(String(item.section)); }
    if (item && item.page !== null && item.page !== undefined && item.page !== "") { parts.push("page " + item.page); }
    return parts.length ? "From your summary: " + parts.join(", ") : "";
  }

  function cell(text, className, label) {
    var td = el("td", className || null);
    if (label) { td.setAttribute("data-label", label); }
    if (text === null || text === undefined || text === "") {
      td.appendChild(el("span", "plan-none", "\u2014"));
      td.setAttribute("data-empty", "true");
    } else {
      td.textContent = String(text);
    }
    return td;
  }

  function renderMedications(meds) {
    var body = els.planMedications.tBodies[0];
    clear(body);
    var list = Array.isArray(meds) ? meds : [];
    list.forEach(function (med) {
      if (!med) { return; }
      if (med.as_written) {
        body.appendChild(writtenRow(med));
        return;
      }
      var row = el("tr", "med");
      var status = med.status && STATUS_BADGES[med.status] ? med.status : "";
      if (status) {
        row.setAttribute("data-status", status);
        row.classList.add("med-" + status);
      }
      if (med.text) { row.title = String(med.text) + (whereFrom(med) ? "\n" + whereFrom(med) : ""); }

      var name = el("th", "med-name");
      name.scope = "row";
      name.textContent = med.name || "(medicine)";
      if (med.plain && med.plain !== med.text) {
        var reading = el("span", "plain-reading");
        reading.appendChild(el("span", "plain-label", "In plain words: "));
        reading.appendChild(document.createTextNode(String(med.plain)));
        name.appendChild(reading);
      }
      row.appendChild(name);
      row.appendChild(cell(med.dose, "med-dose", "Dose"));
      row.appendChild(cell(med.route, "med-route", "How to take"));
      row.appendChild(cell(med.frequency, "med-frequency", "How often"));
      row.appendChild(cell(med.duration, "med-duration", "How long"));
      var statusCell = el("td", "med-status");
      statusCell.setAttribute("data-label", "Status");
      if (status) {
        statusCell.appendChild(el("span", "badge badge-" + status, STATUS_BADGES[status]));
      } else {
        statusCell.appendChild(el("span", "plan-none", "\u2014"));
      }
      row.appendChild(statusCell);
      body.appendChild(row);
    });
    var any = body.rows.length > 0;
    show(els.planMedications.parentNode, any);
    show(els.planMedicationsEmpty, !any);
  }

  /* A line about medicines the plan could not read as one: shown whole, as the summary words it. */
  function writtenRow(med) {
    var row = el("tr", "med med-as-written");
    row.setAttribute("data-as-written", "true");
    var td = el("td", "med-written");
    td.colSpan = 6;
    td.appendChild(el("span", "med-written-label", "As written in your summary: "));
    td.appendChild(el("q", null, String(med.text || med.name || "")));
    if (whereFrom(med)) { td.appendChild(el("span", "med-written-where", " (" + whereFrom(med) + ")")); }
    row.appendChild(td);
    return row;
  }

  function emptyItem(list) {
    list.appendChild(el("li", "plan-empty", NOT_IN_SUMMARY));
  }

  var FILLER_WORDS = { a: 1, an: 1, the: 1, at: 1, on: 1, "in": 1, "for": 1, to: 1, with: 1, and: 1, see: 1 };

  /* Does the quote say nothing that the who / when / purpose line does not already say? */
  function saysNoMore(quote, line) {
    function words(text) {
      return String(text || "").toLowerCase().split(/[^a-z0-9:/]+/).filter(function (w) {
        return w && !FILLER_WORDS[w];
      });
    }
    var shown = {};
    words(line).forEach(function (w) { shown[w] = true; });
    return words(quote).every(function (w) { return shown[w]; });
  }

  function renderFollowUp(items) {
    var list = els.planFollowUp;
    clear(list);
    (Array.isArray(items) ? items : []).forEach(function (visit) {
      if (!visit || !visit.text) { return; }
      var item = el("li", "plan-item appointment");
      if (visit.who || visit.when || visit.purpose) {
        var line = el("p", "appointment-line");
        line.appendChild(el("strong", "appointment-who", visit.who || "Appointment"));
        if (visit.when) {
          line.appendChild(el("span", "appointment-sep", " \u2014 "));
          line.appendChild(el("span", "appointment-when", visit.when));
        }
        if (visit.purpose) {
          line.appendChild(el("span", "appointment-sep", " \u2014 "));
          line.appendChild(el("span", "appointment-purpose", "for " + visit.purpose));
        }
        item.appendChild(line);
        if (visit.where) {
          item.appendChild(el("p", "appointment-where", "Where: " + visit.where));
        }
        if (!saysNoMore(visit.text, line.textContent)) {
          item.appendChild(el("p", "plan-quote", visit.text));
        }
      } else {
        item.appendChild(el("p", "plan-text", visit.text));
      }
      item.title = whereFrom(visit);
      list.appendChild(item);
    });
    if (!list.children.length) { emptyItem(list); }
  }

  function renderItems(list, items) {
    clear(list);
    (Array.isArray(items) ? items : []).forEach(function (entry) {
      if (!entry || !entry.text) { return; }
      var text = String(entry.text);
      // A lead-in such as "Call the clinic or go to the ER if you have:" introduces the items.
      var item = el("li", "plan-item" + (/:\s*$/.test(text) ? " plan-lead" : ""), text);
      item.title = whereFrom(entry);
      list.appendChild(item);
    });
    if (!list.children.length) { emptyItem(list); }
  }

  var SCHEDULE_ROWS = [
    ["morning", "Morning"], ["midday", "Midday"], ["evening", "Evening"], ["bedtime", "Bedtime"],
    ["as_needed", "Only when needed"], ["unclear", "Time not clear from your summary"]
  ];

  /* The daily timetable: one row per time of day that has medicines. */
  function renderSchedule(schedule) {
    var body = els.planSchedule.tBodies[0];
    clear(body);
    schedule = schedule || {};
    SCHEDULE_ROWS.forEach(function (pair) {
      var items = Array.isArray(schedule[pair[0]]) ? schedule[pair[0]] : [];
      if (!items.length) { return; }
      var row = el("tr", "schedule-" + pair[0]);
      var when = el("th", "schedule-when", pair[1]);
      when.scope = "row";
      row.appendChild(when);
      var cellNode = el("td", "schedule-medicines");
      var list = el("ul", "schedule-list");
      items.forEach(function (item) {
        var text = String(item.name || "") + (item.dose ? " " + item.dose : "");
        if (pair[0] === "unclear" || pair[0] === "as_needed") {
          text += item.how_often ? " (" + item.how_often + ")" : " (how often is not stated)";
        }
        list.appendChild(el("li", null, text));
      });
      cellNode.appendChild(list);
      row.appendChild(cellNode);
      body.appendChild(row);
    });
    els.planScheduleNote.textContent = schedule.note || "";
    show(els.planScheduleBlock, body.rows.length > 0);
  }

  function renderCalendarLink(data) {
    var dated = (Array.isArray(data.follow_up) ? data.follow_up : []).some(function (v) { return v && v.calendar; });
    if (dated) {
      els.planCalendar.href = "/api/documents/" + encodeURIComponent(String(data.document_id)) + "/plan.ics";
    }
    show(els.planCalendarBlock, dated);
  }

  function renderPlan(data) {
    renderMedications(data.medications);
    renderSchedule(data.schedule);
    renderFollowUp(data.follow_up);
    renderCalendarLink(data);
    PLAN_LISTS.forEach(function (pair) { renderItems(els[pair[1]], data[pair[0]]); });
    markTerms(els.planBody, data.terms);
  }

  function setPlanState(value, message) {
    els.plan.setAttribute("data-state", value);
    els.planStatus.textContent = message || "";
  }

  function hidePlan() {
    state.planRequest += 1;     // any answer still on its way is for a plan no longer wanted
    state.planDocId = null;
    show(els.plan, false);
    setPlanState("idle", "");
  }

  function loadPlan(doc, focus) {
    var id = String(doc.id);
    var request = ++state.planRequest;
    state.planDocId = id;
    els.planFile.textContent = doc.filename ? "From " + doc.filename : "";
    els.plan.setAttribute("data-doc-id", id);
    show(els.planError, false);
    els.planError.textContent = "";
    show(els.planBody, false);
    show(els.plan, true);
    els.printPlan.disabled = true;
    setPlanState("loading", "Reading your plan\u2026");
    if (focus) {
      els.plan.focus({ preventScroll: true });
      if (els.plan.scrollIntoView) { els.plan.scrollIntoView({ block: "start", behavior: "smooth" }); }
    }
    return fetch("/api/documents/" + encodeURIComponent(id) + "/plan", {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    })
      .then(function (res) {
        return res.text().then(function (t) {
          if (!res.ok) { throw new Error(messageFor(res.status, t)); }
          var data = parseJSON(t);
          if (!data || typeof data !== "object") {
            throw new Error("The app sent back a plan this page does not understand.");
          }
          return data;
        });
      })
      .then(function (data) {
        if (request !== state.planRequest) { return; }
        if (data.filename) { els.planFile.textContent = "From " + data.filename; }
        renderPlan(data);
        show(els.planBody, true);
        els.printPlan.disabled = false;
        setPlanState("ready", "");
      })
      .catch(function (err) {
        if (request !== state.planRequest) { return; }
        els.planError.textContent = "Could not show the plan: " +
          (err && err.message ? err.message : "the app could not be reached.");
        show(els.planError, true);
        setPlanState("error", "");
      });
  }

  function endPlanPrint() {
    document.body.classList.remove("printing-plan");
  }

  /* The class only changes the print style sheet (only the plan card is printed), so it may stay on
   * until the browser reports the end of printing, or until the next thing the user does. */
  function printPlan() {
    document.body.classList.add("printing-plan");
    window.print();
  }

  function setupPlan() {
    els.printPlan.addEventListener("click", printPlan);
    window.addEventListener("afterprint", endPlanPrint);
    document.addEventListener("pointerdown", function (e) {
      if (e.target !== els.printPlan) { endPlanPrint(); }
    });
    document.addEventListener("keydown", function (e) {
      if (e.target !== els.printPlan) { endPlanPrint(); }
    });
  }

  /* ------------------------------------------------------------------ */
  /* Wiring                                                               */
  /* ------------------------------------------------------------------ */

  function setupAsk() {
    els.askForm.addEventListener("submit", function (e) {
      e.preventDefault();
      ask(els.question.value);
    });
    els.question.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && !e.ctrlKey && !e.altKey && !e.metaKey) {
        e.preventDefault();
        ask(els.question.value);
      }
    });
    Array.prototype.forEach.call(els.suggestions, function (button) {
      button.addEventListener("click", function () {
        els.question.value = button.textContent;
        ask(button.textContent);
      });
    });
    els.stop.addEventListener("click", function () {
      if (state.controller) { state.controller.abort(); }
    });
    els.newConversation.addEventListener("click", newConversation);
    els.uploadPlanLink.addEventListener("click", function (e) {
      e.preventDefault();
      els.plan.focus({ preventScroll: true });
      bringIntoView(els.plan);
    });
    els.forgetMe.addEventListener("click", forgetMe);
  }

  function init() {
    els = {
      modeBanner: $("mode-banner"),
      modeBannerMessage: $("mode-banner-message"),
      dropZone: $("drop-zone"),
      fileInput: $("file-input"),
      uploadStatus: $("upload-status"),
      uploadMessage: $("upload-message"),
      uploadProgress: $("upload-progress"),
      sectionsBlock: $("sections-block"),
      sectionsHeading: $("sections-heading"),
      sections: $("sections"),
      documents: $("documents"),
      documentsEmpty: $("documents-empty"),
      askForm: $("ask-form"),
      question: $("question"),
      ask: $("ask"),
      stop: $("stop"),
      suggestions: document.querySelectorAll("button.suggestion"),
      answerSection: $("answer-section"),
      answerHeading: $("answer-heading"),
      asked: $("asked"),
      answerStatus: $("answer-status"),
      answer: $("answer"),
      answerNotice: $("answer-notice"),
      answerError: $("answer-error"),
      emergencyAlert: $("emergency-alert"),
      answerMeta: $("answer-meta"),
      answerDetails: $("answer-details"),
      answerDetailsText: $("answer-details-text"),
      sourcesBlock: $("sources-block"),
      sourcesHeading: $("sources-heading"),
      sources: $("sources"),
      documentsHint: $("documents-hint"),
      uploadPlanLink: $("upload-plan-link"),
      plan: $("plan"),
      planFile: $("plan-file"),
      planStatus: $("plan-status"),
      planError: $("plan-error"),
      planBody: $("plan-body"),
      printPlan: $("print-plan"),
      planMedications: $("plan-medications"),
      planMedicationsEmpty: $("plan-medications-empty"),
      planFollowUp: $("plan-follow-up"),
      planTests: $("plan-tests"),
      planDiet: $("plan-diet"),
      planActivity: $("plan-activity"),
      planWoundCare: $("plan-wound-care"),
      planWarningSigns: $("plan-warning-signs"),
      planScheduleBlock: $("plan-schedule-block"),
      planSchedule: $("plan-schedule"),
      planScheduleNote: $("plan-schedule-note"),
      planCalendarBlock: $("plan-calendar-block"),
      planCalendar: $("plan-calendar"),
      threadBlock: $("thread-block"),
      thread: $("thread"),
      newConversation: $("new-conversation"),
      forgetMe: $("forget-me")
    };
    var max = parseInt(els.question.getAttribute("maxlength"), 10);
    if (max > 0) { MAX_QUESTION_CHARS = max; }
    setupUpload();
    setupAsk();
    setupPlan();
    loadHealth();
    loadDocuments();
    document.body.setAttribute("data-ready", "true");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
