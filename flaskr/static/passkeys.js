/* flaskr's passkeys in the browser: each WebAuthn ceremony through the JSON API (/api/v1),
   in this one file of the site's own: no library, no CDN, no inline script, so the
   Content-Security-Policy stays at 'self'. Every passkey part of a page is an element with
   data-passkey (its kind, its two API endpoints, where to go after, the site's origin and the
   sentences it may have to say), hidden until this script finds that the browser can use
   passkeys on this origin; without the script the pages work as before. */
(function () {
  "use strict";

  const PKC = window.PublicKeyCredential;

  // base64url <-> bytes, for browsers without the JSON helpers of WebAuthn level 3.
  function toBytes(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    let binary = "";
    new Uint8Array(buffer).forEach((b) => { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map((d) => Object.assign({}, d, { id: toBytes(d.id) }));
  }

  function creationOptions(json) {
    if (typeof PKC.parseCreationOptionsFromJSON === "function") {
      return PKC.parseCreationOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
      excludeCredentials: descriptors(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    if (typeof PKC.parseRequestOptionsFromJSON === "function") {
      return PKC.parseRequestOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      allowCredentials: descriptors(json.allowCredentials),
    });
  }

  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    const r = credential.response;
    const response = { clientDataJSON: toText(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toText(r.attestationObject);
      response.transports = typeof r.getTransports === "function" ? r.getTransports() : [];
    } else {
      response.authenticatorData = toText(r.authenticatorData);
      response.signature = toText(r.signature);
      if (r.userHandle) response.userHandle = toText(r.userHandle);
    }
    return {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: response,
    };
  }

  // One call to the API; an error answer becomes an Error carrying its code and message.
  async function call(box, url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
      body: JSON.stringify(body || {}),
    });
    const data = response.status === 204 ? {} : await response.json();
    if (!response.ok) {
      const error = new Error(data.error ? data.error.message : response.statusText);
      error.code = data.error ? data.error.code : "http_" + response.status;
      throw error;
    }
    return data;
  }

  // What the ceremony sends beside the credential: a new passkey's name, remember-me.
  function extra(box) {
    const body = {};
    const name = box.querySelector("[data-passkey-name]");
    if (name && name.value.trim()) body.name = name.value.trim();
    const remember = box.dataset.remember && document.getElementById(box.dataset.remember);
    if (remember) body.remember = remember.checked;
    return body;
  }

  async function ceremony(box, mediation, signal) {
    const { options } = await call(box, box.dataset.options);
    let credential;
    if (box.dataset.passkey === "register") {
      credential = await navigator.credentials.create({ publicKey: creationOptions(options) });
    } else {
      const request = { publicKey: requestOptions(options) };
      if (mediation) Object.assign(request, { mediation: mediation, signal: signal });
      credential = await navigator.credentials.get(request);
    }
    const body = Object.assign({ credential: credentialJSON(credential) }, extra(box));
    return call(box, box.dataset.verify, body);
  }

  function done(box, answer) {
    let next = box.dataset.next;
    if (answer.passkey) next += "?added=" + encodeURIComponent(answer.passkey.id);
    // replace, not assign: the page that started the ceremony (a sign-in page) is done with,
    // and an autofill sign-in, with no click, would leave a history entry Chromium skips.
    window.location.replace(next);
  }

  function say(box, error) {
    if (error.code === "reauthentication_required") {
      window.location.assign(box.dataset.reauth);
      return;
    }
    let text = error.message;
    if (error.name === "NotAllowedError" || error.name === "AbortError") {
      text = box.dataset.textCancelled;
    } else if (error.name === "InvalidStateError") {
      text = box.dataset.textExists;
    } else if (error instanceof TypeError) {
      text = box.dataset.textOffline;
    } else if (!error.code) {
      text = box.dataset.textUnsupported;
    }
    const alert = box.querySelector("[data-passkey-alert]");
    alert.textContent = text;
    alert.hidden = false;
  }

  // The sign-in page also offers passkeys in the username field's autofill.
  let autofill = null;

  async function offerInAutofill(box) {
    if (typeof PKC.isConditionalMediationAvailable !== "function") return;
    if (!(await PKC.isConditionalMediationAvailable())) return;
    autofill = new AbortController();
    try {
      done(box, await ceremony(box, "conditional", autofill.signal));
    } catch (error) {
      if (error.name !== "AbortError") say(box, error);
    }
  }

  async function start(box, event) {
    event.preventDefault();
    if (autofill) autofill.abort();
    autofill = null;
    const button = box.querySelector("[data-passkey-start]");
    box.querySelector("[data-passkey-alert]").hidden = true;
    button.disabled = true;
    try {
      done(box, await ceremony(box));
    } catch (error) {
      say(box, error);
    } finally {
      button.disabled = false;
    }
  }

  function usable(box) {
    return Boolean(PKC) && window.isSecureContext && window.location.origin === box.dataset.origin;
  }

  document.querySelectorAll("[data-passkey]").forEach((box) => {
    if (!usable(box)) return;
    box.hidden = false;
    const form = box.tagName === "FORM" ? box : null;
    if (form) {
      form.addEventListener("submit", (event) => start(box, event));
    } else {
      box.querySelector("[data-passkey-start]").addEventListener("click", (event) => start(box, event));
    }
    if (box.dataset.autofill !== undefined) offerInAutofill(box);
  });
})();
