// quizgen practice page. Works offline: no request leaves the page (the page's
// Content-Security-Policy forbids them). Answers are stored lightly obfuscated (base64 of
// the data XOR a key): that stops a glance at the page source, not a determined student.
"use strict";
(function () {
  var dataNode = document.getElementById("quiz-data");
  var keyText = dataNode.getAttribute("data-key");
  var raw = atob(dataNode.textContent.trim());
  var bytes = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) {
    bytes[i] = raw.charCodeAt(i) ^ keyText.charCodeAt(i % keyText.length);
  }
  var DATA = JSON.parse(new TextDecoder("utf-8").decode(bytes));

  var list = document.getElementById("questions");
  var progressText = document.getElementById("progress-text");
  var progressBar = document.getElementById("progress-bar");
  var summary = document.getElementById("summary");
  var round = null; // {questions: [...], results: {}, retry: bool}

  function norm(text) {
    return String(text).normalize("NFC").trim().replace(/\s+/g, " ").toLowerCase();
  }
  function pick(items) {
    return items[Math.floor(Math.random() * items.length)];
  }
  function shuffled(items) {
    var copy = items.slice();
    for (var i = copy.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1));
      var t = copy[i]; copy[i] = copy[j]; copy[j] = t;
    }
    return copy;
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }
  function pointsText(points) {
    return points === 1 ? "1 point" : points + " points";
  }

  // -- one builder and one checker per question type --------------------------------
  var BUILD = {
    multiple_choice: function (q, box, id) {
      var fieldset = el("fieldset");
      fieldset.appendChild(el("legend", {"class": "prompt"}, q.prompt));
      if (q.multi && !/select all/i.test(q.prompt)) { fieldset.appendChild(el("p", {"class": "hint"}, "Select all that apply.")); }
      shuffled(q.options.map(function (o, n) { return n; })).forEach(function (n, shown) {
        var row = el("div", {"class": "option"});
        var input = el("input", {type: q.multi ? "checkbox" : "radio", name: id, id: id + "-o" + shown, value: n});
        row.appendChild(input);
        row.appendChild(el("label", {"for": id + "-o" + shown}, q.options[n][0]));
        fieldset.appendChild(row);
      });
      box.appendChild(fieldset);
    },
    true_false: function (q, box, id) {
      var fieldset = el("fieldset");
      fieldset.appendChild(el("legend", {"class": "prompt"}, "True or false? " + q.prompt));
      ["True", "False"].forEach(function (word) {
        var row = el("div", {"class": "option"});
        row.appendChild(el("input", {type: "radio", name: id, id: id + "-" + word, value: word}));
        row.appendChild(el("label", {"for": id + "-" + word}, word));
        fieldset.appendChild(row);
      });
      box.appendChild(fieldset);
    },
    short_answer: function (q, box, id) {
      box.appendChild(el("p", {"class": "prompt", id: id + "-p"}, q.prompt));
      box.appendChild(el("label", {"for": id + "-a"}, "Your answer "));
      box.appendChild(el("input", {type: "text", id: id + "-a", "aria-describedby": id + "-p", autocomplete: "off"}));
    },
    cloze: function (q, box, id) {
      box.appendChild(el("p", {"class": "hint", id: id + "-i"}, "Fill in the " +
        (q.blanks.length === 1 ? "blank." : q.blanks.length + " blanks.")));
      var para = el("p", {"class": "prompt cloze"});
      q.pieces.forEach(function (piece) {
        if (typeof piece === "string") { para.appendChild(document.createTextNode(piece)); return; }
        var label = "Blank " + (piece.b + 1) + " of " + q.blanks.length + (piece.hint ? " (hint: " + piece.hint + ")" : "");
        para.appendChild(el("input", {type: "text", id: id + "-b" + piece.b, "aria-label": label, autocomplete: "off"}));
        if (piece.hint) { para.appendChild(document.createTextNode(" (" + piece.hint + ")")); }
      });
      box.appendChild(para);
    },
    numeric: function (q, box, id) {
      box.appendChild(el("p", {"class": "prompt", id: id + "-p"}, q.prompt));
      box.appendChild(el("label", {"for": id + "-a"}, "Your answer (a number" + (q.unit ? ", in " + q.unit : "") + ") "));
      box.appendChild(el("input", {type: "text", inputmode: "decimal", id: id + "-a", "aria-describedby": id + "-p",
                                   autocomplete: "off"}));
    },
    matching: function (q, box, id) {
      var fieldset = el("fieldset");
      fieldset.appendChild(el("legend", {"class": "prompt"}, q.prompt));
      var order = shuffled(q.pairs.map(function (p, n) { return n; }));
      q.pairs.forEach(function (pair, n) {
        var row = el("div", {"class": "pair"});
        row.appendChild(el("label", {"for": id + "-m" + n}, pair[0]));
        var select = el("select", {id: id + "-m" + n});
        select.appendChild(el("option", {value: ""}, "Choose\u2026"));
        order.forEach(function (m) { select.appendChild(el("option", {value: m}, q.pairs[m][1])); });
        row.appendChild(select);
        fieldset.appendChild(row);
      });
      box.appendChild(fieldset);
    },
    ordering: function (q, box, id) {
      var fieldset = el("fieldset");
      fieldset.appendChild(el("legend", {"class": "prompt"}, q.prompt));
      fieldset.appendChild(el("p", {"class": "hint"}, "Give each item its position: 1 is first."));
      shuffled(q.items.map(function (t, n) { return n; })).forEach(function (n) {
        var row = el("div", {"class": "pair"});
        row.appendChild(el("label", {"for": id + "-i" + n}, q.items[n]));
        var select = el("select", {id: id + "-i" + n});
        select.appendChild(el("option", {value: ""}, "Position\u2026"));
        q.items.forEach(function (t, p) { select.appendChild(el("option", {value: p}, String(p + 1))); });
        row.appendChild(select);
        fieldset.appendChild(row);
      });
      box.appendChild(fieldset);
    }
  };

  function value(id) { return document.getElementById(id).value; }

  var CHECK = {
    multiple_choice: function (q, id) {
      var chosen = Array.prototype.filter.call(document.getElementsByName(id), function (i) { return i.checked; })
        .map(function (i) { return Number(i.value); });
      if (!chosen.length) { return null; }
      return q.options.every(function (o, n) { return o[1] === (chosen.indexOf(n) >= 0); });
    },
    true_false: function (q, id) {
      var chosen = Array.prototype.filter.call(document.getElementsByName(id), function (i) { return i.checked; });
      if (!chosen.length) { return null; }
      return (chosen[0].value === "True") === q.truth;
    },
    short_answer: function (q, id) {
      var given = value(id + "-a");
      if (!given.trim()) { return null; }
      return q.accept.some(function (a) { return norm(a) === norm(given); });
    },
    cloze: function (q, id) {
      var given = q.blanks.map(function (b, n) { return value(id + "-b" + n); });
      if (given.every(function (g) { return !g.trim(); })) { return null; }
      return q.blanks.every(function (b, n) {  // the answer, or one of the blank's alternatives
        return [b].concat((q.accept || [])[n] || []).some(function (a) { return norm(a) === norm(given[n]); });
      });
    },
    numeric: function (q, id) {
      var given = value(id + "-a").replace(/\s/g, "");
      if (!given) { return null; }
      if (given.indexOf(",") >= 0 && given.indexOf(".") < 0 && !/^-?\d{1,3}(,\d{3})+$/.test(given)) {
        given = given.replace(",", ".");  // a decimal comma
      }
      var number = Number(given.replace(/,/g, ""));
      if (isNaN(number)) { return false; }
      var slack = 1e-9 * Math.max(1, Math.abs(q.number));
      return number >= q.low - slack && number <= q.high + slack;
    },
    matching: function (q, id) {
      var given = q.pairs.map(function (p, n) { return value(id + "-m" + n); });
      if (given.every(function (g) { return g === ""; })) { return null; }
      return given.every(function (g, n) { return g !== "" && q.pairs[Number(g)][1] === q.pairs[n][1]; });
    },
    ordering: function (q, id) {
      var given = q.items.map(function (t, n) { return value(id + "-i" + n); });
      if (given.every(function (g) { return g === ""; })) { return null; }
      return given.every(function (g, n) { return g === String(n); });
    }
  };

  // -- a round: a fresh draw, or a retry of the wrong ones --------------------------
  function updateProgress() {
    var total = round.questions.length;
    var answered = 0, right = 0, points = 0, max = 0;
    round.questions.forEach(function (q) {
      max += q.points;
      if (round.results[q.id] !== undefined) {
        answered += 1;
        if (round.results[q.id]) { right += 1; points += q.points; }
      }
    });
    progressBar.max = total;
    progressBar.value = answered;
    progressText.textContent = "Answered " + answered + " of " + total + ", " + right + " right.";
    if (answered === total) { finish(points, max, right, total); }
  }

  function finish(points, max, right, total) {
    summary.hidden = false;
    summary.textContent = "";
    var heading = el("h2", {id: "score", tabindex: "-1"},
      (round.retry ? "Retry score: " : "Score: ") + points + " of " + max + " points (" + right + " of " + total + " questions right)");
    summary.appendChild(heading);
    var wrong = round.questions.filter(function (q) { return !round.results[q.id]; });
    if (wrong.length) {
      var retry = el("button", {type: "button", id: "retry"}, "Retry the " + wrong.length + " I got wrong");
      retry.addEventListener("click", function () { start(wrong, true); });
      summary.appendChild(retry);
    } else {
      summary.appendChild(el("p", null, "All right. Well done!"));
    }
    var fresh = el("button", {type: "button", "class": "secondary", id: "new-set"}, "New set of questions");
    fresh.addEventListener("click", function () { start(draw(), false); });
    summary.appendChild(fresh);
    heading.focus();
  }

  function check(q, id, box, button) {
    var verdict = CHECK[q.type](q, id);
    var feedback = box.querySelector(".feedback");
    if (verdict === null) {
      feedback.textContent = "";
      feedback.appendChild(el("p", null, "Answer the question first, then check."));
      return;
    }
    round.results[q.id] = verdict;
    box.classList.add(verdict ? "right" : "wrong");
    Array.prototype.forEach.call(box.querySelectorAll("input, select"), function (c) { c.disabled = true; });
    button.disabled = true;
    feedback.textContent = "";
    feedback.appendChild(el("p", {"class": "verdict"}, verdict ? "Right." : "Not right."));
    if (!verdict) { feedback.appendChild(el("p", null, "The answer: " + q.answer)); }
    if (q.explanation) { feedback.appendChild(el("p", null, q.explanation)); }
    feedback.appendChild(el("p", {"class": "source"}, q.source));
    updateProgress();
  }

  function render(q, n, total) {
    var id = "q" + n;
    var box = el("section", {"class": "question", "aria-labelledby": id + "-h", "data-qid": q.id});
    box.appendChild(el("h2", {id: id + "-h"}, "Question " + (n + 1) + " of " + total + " (" + pointsText(q.points) + ")"));
    BUILD[q.type](q, box, id);
    var button = el("button", {type: "button"}, "Check answer " + (n + 1));
    button.addEventListener("click", function () { check(q, id, box, button); });
    box.appendChild(button);
    box.appendChild(el("div", {"class": "feedback", role: "status", "aria-live": "polite"}));
    return box;
  }

  function draw() {
    return DATA.groups.map(function (members) { return DATA.questions[pick(members)]; });
  }

  function start(questions, retry) {
    round = {questions: questions, results: {}, retry: retry};
    list.textContent = "";
    summary.hidden = true;
    summary.textContent = "";
    questions.forEach(function (q, n) { list.appendChild(render(q, n, questions.length)); });
    updateProgress();
    var first = list.querySelector("h2");
    if (first && retry !== null) { first.setAttribute("tabindex", "-1"); first.focus(); }
  }

  document.getElementById("new-set-top").addEventListener("click", function () { start(draw(), false); });
  start(draw(), null);
}());
