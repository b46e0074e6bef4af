// The tag form posts to the chosen resident's URL: put the resident's id into the action.
document.getElementById("tag-form")?.addEventListener("submit", (e) => {
  const form = e.currentTarget;
  form.action = form.dataset.base.replace("0", form.resident.value);
});
