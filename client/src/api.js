// Every HTTP call the board makes, one function each: the facilitator's calls to the server's
// JSON API (lock, end, the waiting room) and loading the page again. Kept in one place so that
// what the page asks of the server can be read at a glance; the map itself travels over the
// websocket (connection.js).

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

/** Load the page again: the way out of a connection problem the page cannot mend itself. */
export function reloadPage () {
  window.location.reload()
}
