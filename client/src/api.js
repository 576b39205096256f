// Every HTTP call the board makes, one function each: the facilitator's calls to the server's
// JSON API (lock, end, the waiting room), sending a picture, and loading the page again. Kept
// in one place so that what the page asks of the server can be read at a glance; the map
// itself travels over the websocket (connection.js).

/**
 * @typedef {import('./config.js').BoardConfig} BoardConfig
 * @typedef {'admit' | 'reject' | 'remove'} AdmissionAction
 * @typedef {ReturnType<typeof meetingApi>} MeetingApi
 */

/**
 * The server's API for one meeting, called as the signed-in facilitator (session cookie, and
 * the CSRF token on every POST).
 * @param {Pick<BoardConfig, 'lockUrl' | 'endUrl' | 'participantsUrl' | 'csrfToken' | 'participant'>} config
 */
export function meetingApi (config) {
  /**
   * A JSON POST. 409 (someone else got there first) is an answer, not a failure.
   * @param {string} url
   * @param {Record<string, unknown>} body
   * @returns {Promise<Response>}
   */
  async function post (url, body) {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', ...(config.csrfToken ? { 'X-CSRF-Token': config.csrfToken } : {}) },
      body: JSON.stringify(body)
    })
    if (!response.ok && response.status !== 409) throw new Error(`${url}: ${response.status}`)
    return response
  }

  /**
   * @param {AdmissionAction} action
   * @param {string} id the participant's
   * @returns {Promise<boolean>} whether it was done (false: 409, someone else decided first)
   */
  async function admission (action, id) {
    const response = await post(`${config.participantsUrl}/${encodeURIComponent(id)}/${action}`, {})
    return response.ok
  }

  return {
    /** Lock or unlock the board: the server enforces it and writes `meta.locked`. @param {boolean} locked */
    async setLocked (locked) {
      await post(config.lockUrl, { locked })
    },

    /**
     * End the meeting in this person's name.
     * @returns {Promise<{ createdAt?: unknown }>} the server's answer ({} when it had none)
     */
    async endMeeting () {
      const response = await post(config.endUrl, { name: config.participant.name })
      return response.ok ? await response.json().catch(() => ({})) : {}
    },

    /**
     * Who is waiting to join and who was let in.
     * @returns {Promise<{ ok: boolean, status: number, body: unknown }>} body read only when ok
     */
    async participants () {
      const response = await fetch(config.participantsUrl, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      return { ok: response.ok, status: response.status, body: response.ok ? await response.json() : undefined }
    },

    /** Let a waiting person in. @param {string} id */
    admit: (id) => admission('admit', id),
    /** Turn a waiting person away. @param {string} id */
    reject: (id) => admission('reject', id),
    /** Take an admitted person out (the server closes their connection). @param {string} id */
    remove: (id) => admission('remove', id)
  }
}

/**
 * @typedef {{ id: string, width: number, height: number, type: string, url: string }} Uploaded
 * @typedef {{ ok: true, picture: Uploaded } | { ok: false, status: number, message: string }} UploadAnswer
 *   `message`: the server's own words ("This file is not a picture…"), or "" when it gave none
 * @typedef {{ file: Blob, filename: string, description: string, layer: 'main' | 'professional' }} PictureUpload
 */

/**
 * What an upload sends: a multipart form (`picture`, `description`, `layer`) with the header
 * that a cross-site form cannot send, and the facilitator's CSRF token.
 * @param {{ uploadUrl: string, csrfToken: string }} target
 * @param {PictureUpload} upload
 */
export function pictureRequest (target, upload) {
  const body = new FormData()
  body.append('picture', upload.file, upload.filename)
  body.append('description', upload.description.trim())
  body.append('layer', upload.layer)
  /** @type {Record<string, string>} */
  const headers = { 'X-Requested-With': 'safetymap' }
  if (target.csrfToken) headers['X-CSRF-Token'] = target.csrfToken
  return { url: target.uploadUrl, headers, body }
}

/**
 * The server's answer to an upload: the stored picture (201), or its refusal in its own words.
 * @param {number} status 0: no answer (offline, the connection dropped)
 * @param {string} text the body
 * @returns {UploadAnswer}
 */
export function uploadAnswer (status, text) {
  /** @type {any} */
  let body = null
  try {
    body = JSON.parse(text)
  } catch {}
  const ok = status >= 200 && status < 300
  if (ok && body && typeof body.id === 'string' && body.id) {
    const n = (/** @type {unknown} */ v) => (typeof v === 'number' ? v : 0)
    const s = (/** @type {unknown} */ v) => (typeof v === 'string' ? v : '')
    return { ok: true, picture: { id: body.id, width: n(body.width), height: n(body.height), type: s(body.type), url: s(body.url) } }
  }
  const message = body && typeof body.error === 'string' ? body.error : ''
  return { ok: false, status: ok ? 500 : status, message }
}

/**
 * Send a picture (XMLHttpRequest: fetch cannot tell how much of the body has gone).
 * @param {{ uploadUrl: string, csrfToken: string }} target
 * @param {PictureUpload} upload
 * @param {(sent: number, total: number) => void} onProgress
 * @param {AbortSignal} [signal] stops sending (the answer is then status 0)
 * @returns {Promise<UploadAnswer>}
 */
export function uploadPicture (target, upload, onProgress, signal) {
  const { url, headers, body } = pictureRequest(target, upload)
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest()
    signal?.addEventListener('abort', () => xhr.abort())
    xhr.open('POST', url)
    xhr.withCredentials = true
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded, e.total) }
    xhr.onload = () => resolve(uploadAnswer(xhr.status, xhr.responseText))
    xhr.onerror = () => resolve(uploadAnswer(0, ''))
    xhr.ontimeout = () => resolve(uploadAnswer(0, ''))
    xhr.onabort = () => resolve(uploadAnswer(0, ''))
    xhr.send(body)
  })
}

/**
 * Keep this person's language (the server stores it with them, for the record too).
 * @param {Pick<BoardConfig, 'languageUrl' | 'csrfToken'>} config
 * @param {string} code
 * @returns {Promise<boolean>} whether the server took it
 */
export async function chooseLanguage (config, code) {
  const response = await fetch(config.languageUrl, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', ...(config.csrfToken ? { 'X-CSRF-Token': config.csrfToken } : {}) },
    body: JSON.stringify({ language: code })
  }).catch(() => null)
  return response?.ok === true
}

/** Load the page again: the way out of a connection problem the page cannot mend itself. */
export function reloadPage () {
  window.location.reload()
}
