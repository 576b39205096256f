// Copy buttons in the meeting page's table of links (a file, not inline script: the CSP allows only 'self').
for (const button of document.querySelectorAll("button.copy")) {
  button.addEventListener("click", async () => {
    const input = document.getElementById(button.dataset.copy || "");
    const status = button.closest(".copy-cell")?.querySelector(".copy-status");
    if (!(input instanceof HTMLInputElement)) return;
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
    } catch {
      document.execCommand("copy");
    }
    if (status instanceof HTMLElement) status.textContent = status.dataset.copied || "";
  });
}
