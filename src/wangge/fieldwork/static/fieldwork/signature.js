// The signature pad of campaign forms: draw with a finger (or mouse) on a canvas; each stroke
// writes the drawing as a PNG data URL into the hidden input beside it, which the form sends.
// The server checks it is a real PNG with ink on it and stores it as an image file.
(function () {
  "use strict";

  function setup(box) {
    const canvas = box.querySelector("canvas");
    const input = box.querySelector("[data-signature-input]");
    const clear = box.querySelector("[data-signature-clear]");
    const ctx = canvas.getContext("2d");
    let drawing = false;
    let inked = false;
    let last = null;

    function size() {
      // Draw at device resolution so the stored PNG is sharp; keep the drawing on resize.
      const ratio = window.devicePixelRatio || 1;
      const rect = canvas.getBoundingClientRect();
      const kept = inked ? canvas.toDataURL("image/png") : null;
      canvas.width = Math.max(1, Math.round(rect.width * ratio));
      canvas.height = Math.max(1, Math.round(rect.height * ratio));
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      if (kept) {
        const img = new Image();
        img.onload = () => ctx.drawImage(img, 0, 0, rect.width, rect.height);
        img.src = kept;
      }
    }

    function point(e) {
      const rect = canvas.getBoundingClientRect();
      return { x: e.clientX - rect.left, y: e.clientY - rect.top };
    }

    function save() {
      input.value = inked ? canvas.toDataURL("image/png") : "";
      input.dispatchEvent(new Event("change", { bubbles: true }));  // drafts notice it
    }

    canvas.addEventListener("pointerdown", (e) => {
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      drawing = true;
      last = point(e);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      inked = true;
    });
    canvas.addEventListener("pointermove", (e) => {
      if (!drawing) return;
      e.preventDefault();
      const p = point(e);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      save();
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", end);
    clear.addEventListener("click", () => {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      inked = false;
      save();
    });
    window.addEventListener("resize", size);
    size();
    box.dataset.ready = "true";
  }

  document.querySelectorAll("[data-signature]").forEach(setup);

  // Where the form was filled, when the phone lets us know (kept with the submission).
  const form = document.querySelector("form.campaign-form");
  if (form && navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        form.querySelector("[name=lon]").value = pos.coords.longitude.toFixed(6);
        form.querySelector("[name=lat]").value = pos.coords.latitude.toFixed(6);
      },
      () => {},
      { maximumAge: 60000, timeout: 10000 }
    );
  }
})();
