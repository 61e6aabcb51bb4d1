/* Dealbench: the progress of a file upload. A form marked data-upload is posted by htmx
   (hx-post, hx-encoding="multipart/form-data"); this shows htmx's upload progress events in the
   form's <progress> element, and lets a refused upload (400, 409, 413) show its page with the
   error beside the field. Served from the package: the Content-Security-Policy allows no inline
   script. */
(function () {
  "use strict";
  function uploadForm(elt) {
    return elt && elt.closest ? elt.closest("form[data-upload]") : null;
  }
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = uploadForm(evt.target);
    if (!form) return;
    var bar = form.querySelector("progress");
    var status = form.querySelector("[data-upload-status]");
    if (bar) { bar.hidden = false; bar.value = 0; bar.removeAttribute("max"); }
    if (status) status.textContent = "Uploading…";
  });
  document.addEventListener("htmx:xhr:progress", function (evt) {
    var form = uploadForm(evt.target);
    if (!form || !evt.detail || !evt.detail.lengthComputable) return;
    var bar = form.querySelector("progress");
    var status = form.querySelector("[data-upload-status]");
    var percent = Math.round((100 * evt.detail.loaded) / evt.detail.total);
    if (bar) { bar.max = 100; bar.value = percent; }
    if (status) status.textContent = percent < 100 ? "Uploading… " + percent + "%" : "Saving…";
  });
  document.addEventListener("htmx:beforeSwap", function (evt) {
    if (!uploadForm(evt.detail.elt)) return;
    var code = evt.detail.xhr.status;
    if (code === 400 || code === 403 || code === 409 || code === 413) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });
})();
