// Photos on a phone: one input for several photos (the phone offers its camera), a thumbnail
// and a description field for each, checks before sending, photos made at most 2,500 px wide
// or tall in the browser, and a progress bar while the form is sent. Without this script the
// form's plain photo rows work as they are; the server checks and re-encodes every photo.
(function () {
  "use strict";
  var MAX_SIDE = 2500;
  var QUALITY = 0.88;
  var picker = document.querySelector("[data-photo-picker]");
  if (!picker || !window.FormData || !window.XMLHttpRequest) return;
  var form = picker.closest("form");
  var fieldset = picker.closest("fieldset");
  var rows = fieldset.querySelector(".photo-rows");
  var input = picker.querySelector(".picker-input");
  var list = picker.querySelector(".photo-previews");
  var pickerError = picker.querySelector("#photo-picker-error");
  var status = picker.querySelector("[data-picker-status]");
  var progressBox = form.querySelector("[data-send-progress]");
  var bar = progressBox.querySelector("progress");
  var sendStatus = progressBox.querySelector("[data-send-status]");
  var submit = form.querySelector("button[type=submit]");
  var max = parseInt(picker.getAttribute("data-max"), 10) || 5;
  var chosen = [];  // {file, item, alt, error}
  var counter = 0;

  function text(name, values) {
    var message = picker.getAttribute("data-" + name) || "";
    Object.keys(values || {}).forEach(function (key) { message = message.split("{" + key + "}").join(values[key]); });
    return message;
  }

  // The plain rows stay in the page (the server's field names) but out of sight and out of
  // the tab order; the one picker takes their place.
  picker.hidden = false;
  rows.hidden = true;
  var problems = fieldset.querySelector(".photo-problems");
  if (problems) problems.querySelectorAll("a").forEach(function (link) { link.removeAttribute("href"); });

  function setError(photo, message) {
    var id = photo.alt.id + "-error";
    if (photo.error) { photo.error.remove(); photo.error = null; }
    photo.alt.removeAttribute("aria-invalid");
    photo.alt.setAttribute("aria-describedby", photo.alt.id + "-hint");
    photo.item.classList.remove("has-error");
    if (!message) return;
    photo.error = document.createElement("p");
    photo.error.className = "error";
    photo.error.id = id;
    photo.error.textContent = message;
    photo.alt.parentNode.insertBefore(photo.error, photo.alt);
    photo.alt.setAttribute("aria-invalid", "true");
    photo.alt.setAttribute("aria-describedby", photo.alt.id + "-hint " + id);
    photo.item.classList.add("has-error");
  }

  function renumber() {
    chosen.forEach(function (photo, index) {
      var n = String(index + 1);
      photo.label.textContent = text("describe", {n: n});
      photo.remove.textContent = text("remove", {n: n});
    });
    status.textContent = text("chosen", {n: String(chosen.length)});
  }

  function add(file) {
    counter += 1;
    var photo = {file: file};
    var item = document.createElement("li");
    item.className = "photo-preview";
    var image = document.createElement("img");
    image.alt = "";  // the description field below says what it shows
    image.src = URL.createObjectURL(file);
    image.onerror = function () { image.hidden = true; };
    var label = document.createElement("label");
    var alt = document.createElement("input");
    alt.type = "text";
    alt.id = "photo-picker-alt-" + counter;
    alt.maxLength = 500;
    alt.autocomplete = "off";
    label.htmlFor = alt.id;
    var hint = document.createElement("p");
    hint.className = "hint";
    hint.id = alt.id + "-hint";
    hint.textContent = file.name;
    alt.setAttribute("aria-describedby", hint.id);
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "button button-small button-secondary";
    remove.addEventListener("click", function () {
      var index = chosen.indexOf(photo);
      chosen.splice(index, 1);
      URL.revokeObjectURL(image.src);
      item.remove();
      pickerError.textContent = "";
      renumber();
      var next = chosen[index] || chosen[index - 1];
      (next ? next.alt : input).focus();
    });
    alt.addEventListener("input", function () { if (alt.value.trim()) setError(photo, ""); });
    item.append(image, label, hint, alt, remove);
    list.appendChild(item);
    photo.item = item; photo.alt = alt; photo.label = label; photo.remove = remove;
    chosen.push(photo);
  }

  input.addEventListener("change", function () {
    var files = Array.prototype.slice.call(input.files || []);
    pickerError.textContent = "";
    files.forEach(function (file) {
      if (chosen.length >= max) {
        pickerError.textContent = text("too-many", {n: String(max)});
        return;
      }
      add(file);
    });
    input.value = "";  // the same input can add more photos, and may choose the same one again
    renumber();
  });

  // -- sending --------------------------------------------------------------------------------

  function baseName(name) { return (name || "photo").replace(/\.[^.]*$/, "") || "photo"; }

  // The photo as sent: at most MAX_SIDE pixels on its longer side, upright, as a JPEG; a photo
  // small enough in a format the server takes is sent as it is. When the browser cannot decode
  // it, it is sent as it is and the server decides.
  function prepare(photo) {
    var file = photo.file;
    if (!window.createImageBitmap || !HTMLCanvasElement.prototype.toBlob) return Promise.resolve(file);
    return createImageBitmap(file, {imageOrientation: "from-image"}).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var width = Math.round(bitmap.width * scale), height = Math.round(bitmap.height * scale);
      photo.item.setAttribute("data-sent-size", width + "x" + height);
      if (scale === 1 && /^image\/(jpeg|png|webp)$/.test(file.type)) {
        if (bitmap.close) bitmap.close();
        return file;
      }
      var canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff";  // a transparent PNG becomes a JPEG on white, not on black
      context.fillRect(0, 0, width, height);
      context.imageSmoothingQuality = "high";
      context.drawImage(bitmap, 0, 0, width, height);
      if (bitmap.close) bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? new File([blob], baseName(file.name) + ".jpg", {type: "image/jpeg"}) : file);
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  function showProgress(message, percent) {
    progressBox.hidden = false;
    sendStatus.textContent = message;
    if (percent === null) bar.removeAttribute("value"); else bar.value = percent;
  }

  function done(message) {
    submit.disabled = false;
    progressBox.hidden = true;
    pickerError.textContent = message;
    pickerError.setAttribute("tabindex", "-1");
    pickerError.focus();
  }

  // The server refused the form (a 400 or a 409 page): its messages are put beside the same
  // fields here, so nothing typed and none of the chosen photos is lost.
  function showRefusal(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll(".from-server").forEach(function (node) { node.remove(); });
    form.querySelectorAll("[aria-invalid=true]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
    var version = page.querySelector("input[name=version]"), here = form.querySelector("input[name=version]");
    if (version && here) here.value = version.value;
    var first = null;
    page.querySelectorAll("form p.error[id]").forEach(function (message) {
      var fieldId = message.id.replace(/-error$/, "");
      var photo = /^photos-(\d+)-(file|alt)$/.exec(fieldId);
      if (photo) {
        var target = chosen[parseInt(photo[1], 10)];
        if (target) { setError(target, message.textContent); first = first || target.alt; }
        return;
      }
      var field = document.getElementById(fieldId);
      if (!field || !form.contains(field)) return;
      var copy = document.createElement("p");
      copy.className = "error from-server";
      copy.id = message.id;
      copy.textContent = message.textContent;
      field.parentNode.insertBefore(copy, field);
      field.setAttribute("aria-invalid", "true");
      var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) { return id && id !== copy.id; });
      field.setAttribute("aria-describedby", described.concat([copy.id]).join(" "));
      first = first || field;
    });
    var conflict = page.querySelector(".conflict");
    if (conflict) {
      var block = document.importNode(conflict, true);
      block.classList.add("from-server");
      form.parentNode.insertBefore(block, form);
    }
    done(text("refused"));
    if (first) first.focus();
  }

  function send(files) {
    var data = new FormData(form);
    Array.from(data.keys()).forEach(function (key) { if (/^photos-/.test(key)) data.delete(key); });
    files.forEach(function (file, index) {
      data.append("photos-" + index + "-file", file, file.name);
      data.append("photos-" + index + "-alt", chosen[index].alt.value.trim());
    });
    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("action") || window.location.href);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        var percent = Math.round(100 * event.loaded / event.total);
        showProgress(text("sending", {percent: String(percent)}), percent);
      }
    });
    request.addEventListener("load", function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (request.status === 200 && type.indexOf("application/json") === 0) {
        showProgress(text("sent"), 100);
        window.location.assign(JSON.parse(request.responseText).location);
      } else if (request.status === 413) {
        done(text("too-large"));
      } else if ((request.status === 400 || request.status === 409) && type.indexOf("text/html") === 0) {
        showRefusal(request.responseText);
      } else {
        done(text("failed"));
      }
    });
    request.addEventListener("error", function () { done(text("failed")); });
    request.send(data);
  }

  form.addEventListener("submit", function (event) {
    if (!chosen.length) return;  // nothing chosen here: the plain form does the rest
    event.preventDefault();
    var missing = null;
    chosen.forEach(function (photo) {
      var empty = !photo.alt.value.trim();
      setError(photo, empty ? text("missing") : "");
      if (empty && !missing) missing = photo;
    });
    if (missing) {
      missing.alt.focus();
      return;
    }
    submit.disabled = true;
    pickerError.textContent = "";
    showProgress(text("preparing"), null);
    chosen.reduce(function (previous, photo) {
      return previous.then(function (files) {
        return prepare(photo).then(function (file) { return files.concat([file]); });
      });
    }, Promise.resolve([])).then(send);
  });
})();
