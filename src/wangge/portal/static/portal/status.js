// Select the whole follow link on focus so it is easy to copy.
document.getElementById("follow-url")?.addEventListener("focus", (e) => e.target.select());
