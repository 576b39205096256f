import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import { meetingApi, pictureRequest, uploadAnswer } from '../src/api.js'

// What each call sends, with fetch replaced: the routes of the server's meeting API and the
// facilitator's CSRF header must stay exactly as the board has always sent them.

/** @typedef {{ url: string, init: RequestInit }} Sent */

const realFetch = globalThis.fetch
afterEach(() => { globalThis.fetch = realFetch })

/**
 * @param {number} status
 * @param {unknown} [body]
 * @returns {Sent[]} filled as the calls go out
 */
function answer (status, body) {
  /** @type {Sent[]} */
  const sent = []
  globalThis.fetch = async (url, init) => {
    sent.push({ url: String(url), init: init ?? {} })
    return new Response(body === undefined ? null : JSON.stringify(body), { status })
  }
  return sent
}

const config = {
  lockUrl: '/api/meetings/m1/lock',
  endUrl: '/api/meetings/m1/end',
  participantsUrl: '/api/meetings/m1/participants',
  csrfToken: 'tok',
  participant: { id: 'f1', name: 'Sam', role: 'facilitator', relationship: '' }
}

test('locking posts JSON with the CSRF token', async () => {
  const sent = answer(200, {})
  await meetingApi(config).setLocked(true)
  assert.deepEqual(sent, [{
    url: '/api/meetings/m1/lock',
    init: {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': 'tok' },
      body: '{"locked":true}'
    }
  }])
})

test('without a token there is no CSRF header', async () => {
  const sent = answer(200, {})
  await meetingApi({ ...config, csrfToken: '' }).setLocked(false)
  assert.deepEqual(sent[0].init.headers, { 'Content-Type': 'application/json' })
  assert.equal(sent[0].init.body, '{"locked":false}')
})

test('a refusal other than 409 throws; 409 is an answer', async () => {
  answer(403)
  await assert.rejects(meetingApi(config).setLocked(true), /lock: 403/)
  answer(409)
  assert.equal(await meetingApi(config).admit('p1'), false)
})

test('ending sends who ended it and gives the server\'s answer, or {}', async () => {
  const sent = answer(200, { createdAt: '2025-01-01T10:00:00Z' })
  assert.deepEqual(await meetingApi(config).endMeeting(), { createdAt: '2025-01-01T10:00:00Z' })
  assert.equal(sent[0].url, '/api/meetings/m1/end')
  assert.equal(sent[0].init.body, '{"name":"Sam"}')
  answer(409)
  assert.deepEqual(await meetingApi(config).endMeeting(), {})
})

test('who is waiting is asked fresh, and the body read only when OK', async () => {
  const sent = answer(200, { participants: [] })
  assert.deepEqual(await meetingApi(config).participants(), { ok: true, status: 200, body: { participants: [] } })
  assert.deepEqual(sent, [{
    url: '/api/meetings/m1/participants',
    init: { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } }
  }])
  answer(404)
  assert.deepEqual(await meetingApi(config).participants(), { ok: false, status: 404, body: undefined })
})

test('admitting, turning away and taking out post to the person\'s own route', async () => {
  const sent = answer(200, {})
  const api = meetingApi(config)
  assert.equal(await api.admit('p 1'), true)
  await api.reject('p2')
  await api.remove('p3')
  assert.deepEqual(sent.map((s) => [s.url, s.init.method, s.init.body]), [
    ['/api/meetings/m1/participants/p%201/admit', 'POST', '{}'],
    ['/api/meetings/m1/participants/p2/reject', 'POST', '{}'],
    ['/api/meetings/m1/participants/p3/remove', 'POST', '{}']
  ])
})

test('a picture is sent as a multipart form with the anti-forgery header, and the CSRF token when there is one', async () => {
  const file = new Blob(['not really a jpeg'], { type: 'image/jpeg' })
  const request = pictureRequest({ uploadUrl: '/m/m1/pictures', csrfToken: 'tok' }, { file, filename: 'leo.jpg', description: '  Leo\u2019s house ', layer: 'main' })
  assert.equal(request.url, '/m/m1/pictures')
  assert.deepEqual(request.headers, { 'X-Requested-With': 'safetymap', 'X-CSRF-Token': 'tok' })
  assert.equal(request.body.get('description'), 'Leo\u2019s house')
  assert.equal(request.body.get('layer'), 'main')
  const sent = /** @type {File} */ (request.body.get('picture'))
  assert.equal(sent.name, 'leo.jpg')
  assert.equal(await sent.text(), 'not really a jpeg')
  const family = pictureRequest({ uploadUrl: '/m/m1/pictures', csrfToken: '' }, { file, filename: 'd.png', description: 'x', layer: 'professional' })
  assert.deepEqual(family.headers, { 'X-Requested-With': 'safetymap' })
  assert.equal(family.body.get('layer'), 'professional')
})

test('the answer to an upload: the stored picture, or the server\u2019s own words', () => {
  assert.deepEqual(uploadAnswer(201, '{"id":"p1","width":640,"height":480,"type":"image/jpeg","url":"/m/m1/pictures/p1"}'),
    { ok: true, picture: { id: 'p1', width: 640, height: 480, type: 'image/jpeg', url: '/m/m1/pictures/p1' } })
  assert.deepEqual(uploadAnswer(415, '{"error":"This file is not a picture."}'), { ok: false, status: 415, message: 'This file is not a picture.' })
  assert.deepEqual(uploadAnswer(502, '<html>Bad gateway</html>'), { ok: false, status: 502, message: '' })
  assert.deepEqual(uploadAnswer(0, ''), { ok: false, status: 0, message: '' })
  assert.deepEqual(uploadAnswer(201, '{"width":1}'), { ok: false, status: 500, message: '' }, 'a success without an id is not one')
})
