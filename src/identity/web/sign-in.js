// @ts-check
/**
 * The sign-in form: posts the username and password as JSON to POST /auth/login, shows the service's
 * problem message (in the page's language) on a refusal, and goes to `next` once signed in. The server
 * put `next` (already checked to be a path of this service) and the page's words in the HTML.
 */

const form = /** @type {HTMLFormElement} */ (document.getElementById('sign-in'));
const username = /** @type {HTMLInputElement} */ (document.getElementById('username'));
const password = /** @type {HTMLInputElement} */ (document.getElementById('password'));
const message = /** @type {HTMLElement} */ (document.getElementById('message'));
const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type="submit"]'));
const next = document.body.dataset.next ?? '/inspector';

/** @param {string} text */
function show(text) {
  message.textContent = text;
  message.hidden = false;
  password.select();
  password.focus();
}

/** The problem+json detail of a refusal, else the status. @param {Response} response */
async function problemText(response) {
  try {
    const body = await response.json();
    if (typeof body?.detail === 'string') return body.detail;
  } catch {
    // not JSON
  }
  return `HTTP ${response.status}`;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  message.hidden = true;
  button.disabled = true;
  try {
    const response = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Accept-Language': document.documentElement.lang },
      body: JSON.stringify({ username: username.value, password: password.value }),
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (response.ok) {
      window.location.assign(next);
      return;
    }
    show(await problemText(response));
  } catch {
    show(document.body.dataset.networkError ?? '');
  } finally {
    button.disabled = false;
  }
});
