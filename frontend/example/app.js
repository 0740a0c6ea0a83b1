// The example app of @flarevault/sdk: copy this file and index.html, put your application's
// client id and redirect URI in the config (the local runtime serves its own at ./config.json).
import { createVault, LoginError, NotSignedInError, TooManyRequestsError, ValueTooLargeError } from './sdk/index.js';

const KEY = 'note';
const $ = (id) => document.getElementById(id);

const config = await (await fetch('./config.json')).json(); // { apiUrl, clientId, redirectUri }
const vault = createVault({ apiUrl: config.apiUrl, clientId: config.clientId, redirectUri: config.redirectUri });

function show(signedIn, status) {
  $('signed-in').hidden = !signedIn;
  $('signed-out').hidden = signedIn;
  $('status').textContent = status;
}

function fail(err) {
  let message = err instanceof Error ? err.message : String(err);
  if (err instanceof ValueTooLargeError) message = `That note is too large: this workspace stores at most ${err.limit} bytes per value.`;
  else if (err instanceof TooManyRequestsError) message = `Too many requests: try again in ${err.retryAfter ?? 'a few'} s.`;
  else if (err instanceof NotSignedInError) {
    // Revoked, signed out elsewhere, or the page was reloaded: the token is gone from memory.
    show(false, 'Signed out. Sign in again to see your note.');
    message = 'Your session has ended.';
  }
  $('error').textContent = message;
  $('error').hidden = false;
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

async function readNote() {
  clearError();
  const entry = await vault.get(KEY); // null when there is none
  $('saved').textContent = entry ? entry.value.text : '(nothing yet)';
  return entry;
}

$('login').addEventListener('click', () => vault.login());
$('logout').addEventListener('click', () => vault.logout());
$('revoke').addEventListener('click', () => vault.revokeAll().then(() => show(false, 'Signed out on every device.'), fail));
$('read').addEventListener('click', () => readNote().catch(fail));
$('note-form').addEventListener('submit', (event) => {
  event.preventDefault();
  clearError();
  vault
    .set(KEY, { text: $('note').value, savedAt: new Date().toISOString() })
    .then((written) => {
      $('status').textContent = `Saved (version ${written.version}, ${written.size} bytes).`;
    }, fail);
});

try {
  // Back from the hosted login? Exchange the code for a session token (kept in memory only).
  await vault.handleCallback();
} catch (err) {
  if (!(err instanceof LoginError)) throw err;
  fail(err);
}

if (vault.signedIn) {
  show(true, 'Signed in.');
  // On 410 (session expired) the SDK signs in again through the hosted login and comes back here.
  const entry = await readNote().catch(fail);
  if (entry) $('note').value = entry.value.text;
} else {
  show(false, 'You are not signed in.');
}
