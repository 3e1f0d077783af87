// Keeps the narrative being typed in this browser tab (sessionStorage: gone when the tab closes), so
// that a session that ends while the operator writes loses nothing: after logging in again the page
// puts the text back and says so. A successful save (the page shows the same text) drops it.
(function () {
  const form = document.getElementById("profile-form");
  const box = document.getElementById("narrative-input");
  if (!form || !box) return;
  const key = "skillmatch-draft:" + location.pathname;
  form.addEventListener("submit", () => sessionStorage.setItem(key, box.value));
  const draft = sessionStorage.getItem(key);
  if (draft === null || document.getElementById("profile-errors")) return;  // errors: the server kept the text
  if (draft === box.value) { sessionStorage.removeItem(key); return; }
  box.value = draft;
  const note = document.getElementById("draft-restored");
  if (note) { note.hidden = false; }
  box.focus();
})();
